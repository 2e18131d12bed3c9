build-dev/tests/fuzz/fuzz_features.o: tests/fuzz/fuzz_features.c \
 lib/rec.h
lib/rec.h:
