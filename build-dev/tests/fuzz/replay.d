build-dev/tests/fuzz/replay.o: tests/fuzz/replay.c
