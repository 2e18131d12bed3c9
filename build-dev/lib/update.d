build-dev/lib/update.o: lib/update.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
