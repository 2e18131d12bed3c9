build-dev/cmd/common.o: cmd/common.c cmd/common.h lib/rec.h
cmd/common.h:
lib/rec.h:
