build-dev/tests/unit/check_features.o: tests/unit/check_features.c \
 lib/internal.h lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
