build-dev/lib/hash.o: lib/hash.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
