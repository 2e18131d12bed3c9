build-dev/tests/unit/check_reader.o: tests/unit/check_reader.c \
 lib/internal.h lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
