build-dev/tests/unit/check_rng.o: tests/unit/check_rng.c lib/internal.h \
 lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
