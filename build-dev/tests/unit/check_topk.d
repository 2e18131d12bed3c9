build-dev/tests/unit/check_topk.o: tests/unit/check_topk.c lib/internal.h \
 lib/rec.h tests/unit/testutil.h lib/rec.h
lib/internal.h:
lib/rec.h:
tests/unit/testutil.h:
lib/rec.h:
