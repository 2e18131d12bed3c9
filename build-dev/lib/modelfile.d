build-dev/lib/modelfile.o: lib/modelfile.c lib/codec.h lib/internal.h \
 lib/rec.h
lib/codec.h:
lib/internal.h:
lib/rec.h:
