build-dev/tests/unit/check_train.o: tests/unit/check_train.c \
 lib/internal.h lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
