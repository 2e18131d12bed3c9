build-dev/lib/error.o: lib/error.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
