build-dev/lib/number.o: lib/number.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
