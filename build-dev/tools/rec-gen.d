build-dev/tools/rec-gen.o: tools/rec-gen.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
