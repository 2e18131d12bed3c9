build-dev/tests/unit/check_oom.o: tests/unit/check_oom.c lib/internal.h \
 lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
