build-dev/lib/codec.o: lib/codec.c lib/codec.h lib/internal.h lib/rec.h
lib/codec.h:
lib/internal.h:
lib/rec.h:
