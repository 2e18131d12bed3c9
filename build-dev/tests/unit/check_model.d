build-dev/tests/unit/check_model.o: tests/unit/check_model.c \
 lib/internal.h lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
