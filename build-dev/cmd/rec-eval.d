build-dev/cmd/rec-eval.o: cmd/rec-eval.c cmd/common.h lib/rec.h \
 cmd/json.h
cmd/common.h:
lib/rec.h:
cmd/json.h:
