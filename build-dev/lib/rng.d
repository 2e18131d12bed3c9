build-dev/lib/rng.o: lib/rng.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
