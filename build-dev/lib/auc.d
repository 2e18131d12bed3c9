build-dev/lib/auc.o: lib/auc.c lib/internal.h lib/rec.h
lib/internal.h:
lib/rec.h:
