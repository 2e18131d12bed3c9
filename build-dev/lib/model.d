build-dev/lib/model.o: lib/model.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
