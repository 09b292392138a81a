# sliptap — serial-link diagnostic and fault-injection harness.
# Plain GNU make. Objects go to build/ (build-asan/ for `make asan`).

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share/sliptap
WSDIR     ?= $(PREFIX)/lib/wireshark/plugins
DESTDIR   ?=

CC        ?= cc
BUILD     ?= build
PKGS      := libserialport libpcap inih zlib
FUZZ_TIME ?= 60

WARN := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
        -Wshadow -Wwrite-strings -Wvla -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

# CFLAGS is the user's (optimisation, debug); the language, warnings and
# sanitizers are always added, even when CFLAGS is given on the command line.
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) $(SAN)
CPPFLAGS += -Iinclude -D_GNU_SOURCE -DSLIPTAP_DATADIR=\"$(DATADIR)\" $(PKG_CFLAGS) -MMD -MP
override LDFLAGS += $(SAN)
LDLIBS   += $(PKG_LIBS) -lm

# The pure core (no fds, no clocks) is its own library so fuzzers and tests
# link it without any I/O; everything else but main.c goes into libsliptap.a.
CORE_SRC := $(sort $(wildcard src/core/*.c src/util/*.c))
LIB_SRC  := $(sort $(wildcard src/io/*.c src/sim/*.c src/proxy/*.c src/run/*.c src/cmd/*.c src/analyze/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o

UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
# Small programs the end-to-end scripts drive (fake devices, capture checkers).
E2E_TOOL_SRC := $(sort $(wildcard tests/e2e/*.c))
E2E_TOOL_BIN := $(E2E_TOOL_SRC:tests/e2e/%.c=$(BUILD)/tests/%)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)

SLIPTAP := $(BUILD)/sliptap
MANPAGES := docs/sliptap.1 docs/sliptap-scenario.5

.PHONY: all check unit fuzz-replay e2e demo bench asan fuzz install uninstall clean deps man-check
.DEFAULT_GOAL := all

all: $(SLIPTAP) $(UNIT_BIN) $(FUZZ_REPLAY) $(E2E_TOOL_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libsliptap-core.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libsliptap.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(SLIPTAP): $(MAIN_OBJ) $(BUILD)/libsliptap.a $(BUILD)/libsliptap-core.a
	$(CC) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)

$(BUILD)/tests/check_%: tests/unit/check_%.c $(TESTLIB_OBJ) $(BUILD)/libsliptap.a $(BUILD)/libsliptap-core.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/lib $(CHECK_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS) $(CHECK_LIBS)

# Plain-main replay of each fuzz target over its seed corpus (works with gcc).
$(BUILD)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libsliptap.a $(BUILD)/libsliptap-core.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)

$(BUILD)/tests/%: tests/e2e/%.c $(BUILD)/libsliptap.a $(BUILD)/libsliptap-core.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)

deps:
	@sh tools/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run-tests.sh $(BUILD)

unit: all
	@sh tools/run-tests.sh $(BUILD) unit

e2e: all
	@sh tools/run-tests.sh $(BUILD) e2e

demo: deps
	@$(MAKE) --no-print-directory $(SLIPTAP)
	@sh tools/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tools/bench.sh $(BUILD)

# The whole suite under AddressSanitizer + UBSan, in its own build directory.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    CFLAGS="-O1 -g" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tools/run-tests.sh build-asan

# libFuzzer (clang) for FUZZ_TIME seconds per target, seeded from the corpora.
fuzz:
	@sh tools/fuzz.sh $(FUZZ_TIME)

man-check:
	@for m in $(MANPAGES); do [ ! -f $$m ] || groff -mandoc -ww -z $$m || exit 1; done

install: $(SLIPTAP)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(WSDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 0755 $(SLIPTAP) $(DESTDIR)$(BINDIR)/sliptap
	install -m 0644 docs/sliptap.1 $(DESTDIR)$(MANDIR)/man1/sliptap.1
	install -m 0644 docs/sliptap-scenario.5 $(DESTDIR)$(MANDIR)/man5/sliptap-scenario.5
	install -m 0644 docs/sliptap.lua $(DESTDIR)$(WSDIR)/sliptap.lua
	install -m 0644 scenarios/*.ini $(DESTDIR)$(DATADIR)/scenarios/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sliptap $(DESTDIR)$(MANDIR)/man1/sliptap.1 \
	    $(DESTDIR)$(MANDIR)/man5/sliptap-scenario.5 $(DESTDIR)$(WSDIR)/sliptap.lua
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
