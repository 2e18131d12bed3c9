build-dev/lib/params.o: lib/params.c lib/codec.h lib/internal.h lib/rec.h
lib/codec.h:
lib/internal.h:
lib/rec.h:
