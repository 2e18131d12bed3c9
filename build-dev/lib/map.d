build-dev/lib/map.o: lib/map.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
