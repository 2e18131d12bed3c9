build-dev/tests/unit/check_params.o: tests/unit/check_params.c \
 tests/unit/testutil.h lib/rec.h lib/codec.h lib/internal.h lib/rec.h
tests/unit/testutil.h:
lib/rec.h:
lib/codec.h:
lib/internal.h:
lib/rec.h:
