build-dev/cmd/rec-train.o: cmd/rec-train.c cmd/common.h lib/rec.h
cmd/common.h:
lib/rec.h:
