build-dev/cmd/options.o: cmd/options.c cmd/common.h lib/rec.h
cmd/common.h:
lib/rec.h:
