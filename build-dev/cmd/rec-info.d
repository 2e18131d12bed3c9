build-dev/cmd/rec-info.o: cmd/rec-info.c cmd/common.h lib/rec.h \
 cmd/json.h
cmd/common.h:
lib/rec.h:
cmd/json.h:
