build-dev/cmd/rec-update.o: cmd/rec-update.c cmd/common.h lib/rec.h
cmd/common.h:
lib/rec.h:
