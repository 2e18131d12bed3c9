build-dev/tests/unit/check_modelfile.o: tests/unit/check_modelfile.c \
 lib/internal.h lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
