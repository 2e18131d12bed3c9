build-dev/lib/topk.o: lib/topk.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
