# recpipe - train, update, apply and evaluate recommendation models.
# Plain make: `make`, `make check`, `make demo`, `make bench`, `make install`.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

# SANITIZE=address,undefined builds everything with those sanitizers into
# a separate directory, so a sanitizer run never mixes with a normal build.
# LIBFUZZER=1 (set by `make fuzz`) builds the fuzz targets with libFuzzer's
# own main() instead of the replay driver, and everything with ASan and
# UBSan, into build-fuzz; it needs clang.
SANITIZE ?=
LIBFUZZER ?=
ifneq ($(LIBFUZZER),)
BUILD ?= build-fuzz
SAN_FLAGS = -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_MAIN =
FUZZ_LINK = -fsanitize=fuzzer
else ifneq ($(SANITIZE),)
BUILD ?= build-san
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SAN_FLAGS =
endif
FUZZ_MAIN ?= $(BUILD)/tests/fuzz/replay.o
FUZZ_LINK ?=
FUZZ_CC ?= clang

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wvla
# -fno-math-errno lets sqrtf be one instruction; -ffp-contract=off keeps
# results bit-identical whether or not the compiler could fuse multiply-adds.
REC_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	     -fno-math-errno -ffp-contract=off -ftree-vectorize \
	     $(WARN) -Ilib $(SAN_FLAGS) \
	     $(shell $(PKG_CONFIG) --cflags zlib 2>/dev/null)
REC_LIBS = $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz) -lcsv -lm \
	   -pthread
# -MMD -MP: each object's header dependencies, found by the compiler, in a
# .d file beside it (included at the end of this file).
DEP_FLAGS = -MMD -MP
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

PROGRAMS = rec-train rec-update rec-predict rec-eval rec-info rec-promote \
	   rec-split rec-merge
TOOLS = rec-gen
# the cron jobs, shell scripts installed beside the programs
SCRIPTS = rec-nightly rec-hourly rec-parallel-train
# every lib/*.c is part of the library
LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_COMMON = $(BUILD)/cmd/common.o $(BUILD)/cmd/options.o $(BUILD)/cmd/json.o \
	     $(BUILD)/cmd/svg.o \
	     $(BUILD)/cmd/files.o
UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/check_*.c))
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
MAN1 = $(PROGRAMS:%=man/%.1)
MAN5 = man/rec-model.5

BINS = $(PROGRAMS:%=$(BUILD)/bin/%) $(TOOLS:%=$(BUILD)/bin/%)

.PHONY: all check check-unit check-cli check-fuzz check-golden bench demo \
	deps fuzz fuzz-targets objects install uninstall clean lint
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(REC_CFLAGS) $(XCFLAGS) $(CFLAGS) $(DEP_FLAGS) -c -o $@ $<

# The unit tests need Check's flags.
$(BUILD)/tests/unit/%.o: XCFLAGS = $(CHECK_CFLAGS)

$(BUILD)/librec.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/rec-%: $(BUILD)/cmd/rec-%.o $(CMD_COMMON) $(BUILD)/librec.a
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(REC_LIBS)

# rec-gen draws its numbers with the library's generator.
$(BUILD)/bin/rec-gen: $(BUILD)/tools/rec-gen.o $(BUILD)/librec.a
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(REC_LIBS)

$(BUILD)/tests/check_%: $(BUILD)/tests/unit/check_%.o $(BUILD)/librec.a
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(CHECK_LIBS) $(REC_LIBS)

# Fuzz targets are built with a replay driver that runs the saved corpus;
# with clang, `make fuzz` builds the same targets with libFuzzer.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_MAIN) \
		$(BUILD)/librec.a
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) $(FUZZ_LINK) -o $@ $^ \
		$(REC_LIBS)

# Objects are kept between runs, not removed as intermediate files.
.SECONDARY:

deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-unit check-cli check-golden check-fuzz

check-unit: $(UNIT_TESTS:%=$(BUILD)/tests/%)
	@set -e; for t in $^; do echo "== $$t"; CK_FORK=yes $$t; done

check-cli: $(BINS)
	@sh tests/cli/run.sh $(BUILD)/bin

check-golden: $(BUILD)/bin/rec-eval
	@sh tests/golden/run.sh $(BUILD)/bin
	@sh tests/golden/ranking_run.sh $(BUILD)/bin

check-fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		$(BUILD)/fuzz/$$t tests/fuzz/corpus/$$t; done

# libFuzzer builds of the fuzz targets in build-fuzz/fuzz (see
# tests/fuzz/README.md for a campaign); FUZZ_CC names the clang to use.
fuzz:
	@$(MAKE) --no-print-directory LIBFUZZER=1 CC=$(FUZZ_CC) fuzz-targets

fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# Every object, nothing linked: for a cross-compiler without the target's
# libraries (CI compiles for aarch64 this way).
objects: $(LIB_OBJ) $(CMD_COMMON) $(PROGRAMS:%=$(BUILD)/cmd/%.o) \
	 $(TOOLS:%=$(BUILD)/tools/%.o)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)/bin

bench: all
	@sh bench/run.sh $(BUILD)/bin

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 755 $(PROGRAMS:%=$(BUILD)/bin/%) $(DESTDIR)$(BINDIR)/
	install -m 755 $(SCRIPTS:%=scripts/%) $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(COMPLETIONDIR)
	for p in $(PROGRAMS) $(SCRIPTS); do install -m 644 \
		scripts/recpipe.bash $(DESTDIR)$(COMPLETIONDIR)/$$p; done
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/

uninstall:
	for s in $(SCRIPTS); do rm -f $(DESTDIR)$(BINDIR)/$$s; done
	for p in $(PROGRAMS) $(SCRIPTS); do \
		rm -f $(DESTDIR)$(COMPLETIONDIR)/$$p; done
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p \
		$(DESTDIR)$(MANDIR)/man1/$$p.1; done
	rm -f $(DESTDIR)$(MANDIR)/man5/rec-model.5

lint:
	mandoc -Tlint -W warning $(MAN1) $(MAN5)

clean:
	rm -rf build build-san build-clang build-fuzz build-aarch64 $(BUILD)

# The header dependencies of every object built so far.
-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
