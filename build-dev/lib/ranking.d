build-dev/lib/ranking.o: lib/ranking.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
