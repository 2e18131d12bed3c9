build-dev/lib/features.o: lib/features.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
