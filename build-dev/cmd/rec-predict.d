build-dev/cmd/rec-predict.o: cmd/rec-predict.c cmd/common.h lib/rec.h
cmd/common.h:
lib/rec.h:
