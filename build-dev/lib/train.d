build-dev/lib/train.o: lib/train.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
