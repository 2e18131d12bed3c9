build-dev/cmd/files.o: cmd/files.c cmd/common.h lib/rec.h
cmd/common.h:
lib/rec.h:
