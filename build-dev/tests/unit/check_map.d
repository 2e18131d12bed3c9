build-dev/tests/unit/check_map.o: tests/unit/check_map.c lib/internal.h \
 lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
