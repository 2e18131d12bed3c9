build-dev/tests/unit/check_hash.o: tests/unit/check_hash.c lib/internal.h \
 lib/rec.h tests/unit/testutil.h lib/rec.h tests/unit/../../lib/hash.c \
 tests/unit/../../lib/internal.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
tests/unit/../../lib/hash.c:
tests/unit/../../lib/internal.h:
