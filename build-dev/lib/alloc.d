build-dev/lib/alloc.o: lib/alloc.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
