build-dev/tests/fuzz/fuzz_reader.o: tests/fuzz/fuzz_reader.c lib/rec.h
lib/rec.h:
