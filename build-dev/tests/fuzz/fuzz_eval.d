build-dev/tests/fuzz/fuzz_eval.o: tests/fuzz/fuzz_eval.c lib/rec.h
lib/rec.h:
