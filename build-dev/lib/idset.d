build-dev/lib/idset.o: lib/idset.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
