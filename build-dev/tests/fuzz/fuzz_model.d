build-dev/tests/fuzz/fuzz_model.o: tests/fuzz/fuzz_model.c lib/rec.h
lib/rec.h:
