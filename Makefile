# recpipe - train, update, apply and evaluate recommendation models.
# Plain make: `make`, `make check`, `make demo`, `make bench`, `make install`.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

# SANITIZE=address,undefined builds everything with those sanitizers into
# a separate directory, so a sanitizer run never mixes with a normal build.
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
SAN_FLAGS =
else
BUILD ?= build-san
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

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
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

PROGRAMS = rec-train rec-update rec-predict rec-eval rec-info
TOOLS = rec-gen
# every lib/*.c is part of the library
LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_COMMON = $(BUILD)/cmd/common.o $(BUILD)/cmd/options.o $(BUILD)/cmd/json.o
UNIT_TESTS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/check_*.c))
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
MAN1 = $(PROGRAMS:%=man/%.1)
MAN5 = man/rec-model.5

BINS = $(PROGRAMS:%=$(BUILD)/bin/%) $(TOOLS:%=$(BUILD)/bin/%)

.PHONY: all check check-unit check-cli check-fuzz check-golden bench demo \
	deps install uninstall clean lint
all: $(BINS)

$(BUILD)/%.o: %.c lib/rec.h lib/internal.h cmd/common.h
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/librec.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/bin/rec-%: $(BUILD)/cmd/rec-%.o $(CMD_COMMON) $(BUILD)/librec.a
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(REC_LIBS)

$(BUILD)/bin/rec-gen: tools/rec-gen.c
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lm

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/librec.a tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CHECK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(BUILD)/librec.a $(CHECK_LIBS) $(REC_LIBS)

# Fuzz targets are built with a replay driver that runs the saved corpus;
# with clang, `make fuzz` builds the same targets with libFuzzer.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/librec.a
	@mkdir -p $(dir $@)
	$(CC) $(REC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c \
		$(BUILD)/librec.a $(REC_LIBS)

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

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)/bin

bench: all
	@sh bench/run.sh $(BUILD)/bin

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	for p in $(PROGRAMS); do cp $(BUILD)/bin/$$p $(DESTDIR)$(BINDIR)/$$p; done
	cp $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	cp $(MAN5) $(DESTDIR)$(MANDIR)/man5/

uninstall:
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p \
		$(DESTDIR)$(MANDIR)/man1/$$p.1; done
	rm -f $(DESTDIR)$(MANDIR)/man5/rec-model.5

lint:
	mandoc -Tlint -W warning $(MAN1) $(MAN5)

clean:
	rm -rf build build-san
