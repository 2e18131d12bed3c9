build-dev/lib/reader.o: lib/reader.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
