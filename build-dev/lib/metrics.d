build-dev/lib/metrics.o: lib/metrics.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
