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

# Quiet by default, one short line per step as git and the kernel print it;
# `make V=1` shows the full command lines.
V ?= 0
ifeq ($(V),1)
Q :=
msg = @:
else
Q := @
msg = @printf '  %-7s %s\n'
endif

# The pure core (no fds, no clocks: CORE_DIRS) is its own library so fuzzers
# and tests link it without any I/O; every other src/*/ directory goes into
# libsliptap.a without a Makefile edit; main.c alone makes the binary.
CORE_DIRS := src/core src/util
CORE_SRC := $(sort $(wildcard $(CORE_DIRS:%=%/*.c)))
LIB_SRC  := $(sort $(filter-out $(CORE_DIRS:%=%/%),$(wildcard src/*/*.c)))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
LIBS_A   := $(BUILD)/libsliptap.a $(BUILD)/libsliptap-core.a

# Tests: Check suites (with the shared fixtures of tests/lib), a plain-main
# replay of each fuzz target over its corpus, and the small programs the e2e
# scripts drive (fake devices, capture checkers). Each is compiled to an
# object of its own (so its .d file is right), then linked.
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
E2E_TOOL_SRC := $(sort $(wildcard tests/e2e/*.c))
E2E_TOOL_BIN := $(E2E_TOOL_SRC:tests/e2e/%.c=$(BUILD)/tests/%)
TEST_OBJ := $(TESTLIB_OBJ) $(UNIT_SRC:%.c=$(BUILD)/%.o) $(FUZZ_SRC:%.c=$(BUILD)/%.o) \
            $(BUILD)/tests/fuzz/replay.o $(E2E_TOOL_SRC:%.c=$(BUILD)/%.o)
ALL_OBJ  := $(CORE_OBJ) $(LIB_OBJ) $(MAIN_OBJ) $(TEST_OBJ)

SLIPTAP := $(BUILD)/sliptap
MANPAGES := docs/sliptap.1 docs/sliptap-scenario.5

.PHONY: all check unit fuzz-replay e2e demo bench asan fuzz install uninstall \
        clean deps need-deps fuzzers man-check
.DEFAULT_GOAL := all

all: $(SLIPTAP) $(UNIT_BIN) $(FUZZ_REPLAY) $(E2E_TOOL_BIN)

# Test objects are made by chained rules: keep them (and their .d files).
.SECONDARY: $(TEST_OBJ)

# Objects depend on the flags they were built with: a change of CC, CFLAGS,
# CPPFLAGS, WERROR or the sanitizers rebuilds them (so `make WERROR=1` after
# a plain build really compiles everything with -Werror).
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW := $(CC) $(CPPFLAGS) $(CFLAGS) | $(LDFLAGS) $(LDLIBS)
ifneq ($(filter-out clean deps need-deps uninstall man-check,$(or $(MAKECMDGOALS),all)),)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" = '$(FLAGS_NOW)' ] || \
    printf '%s\n' '$(FLAGS_NOW)' >$(FLAGS_STAMP); })
endif
$(ALL_OBJ) $(SLIPTAP) $(UNIT_BIN) $(FUZZ_REPLAY) $(E2E_TOOL_BIN): $(FLAGS_STAMP)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Unit suites and the shared test fixtures also see Check and tests/lib.
$(BUILD)/tests/unit/%.o $(BUILD)/tests/lib/%.o: CPPFLAGS += -Itests/lib $(CHECK_CFLAGS)

$(BUILD)/libsliptap-core.a: $(CORE_OBJ)
$(BUILD)/libsliptap.a: $(LIB_OBJ)
$(LIBS_A):
	$(msg) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

$(SLIPTAP): $(MAIN_OBJ) $(LIBS_A)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

$(BUILD)/tests/check_%: $(BUILD)/tests/unit/check_%.o $(TESTLIB_OBJ) $(LIBS_A)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS) $(CHECK_LIBS)

# Plain-main replay of each fuzz target over its seed corpus (works with gcc).
$(BUILD)/tests/replay_%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(LIBS_A)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/e2e/%.o $(LIBS_A)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

# `make deps` installs what is missing (Debian packages, tests/js's npm
# packages) and says what; check/demo/bench/asan/fuzz run it only when the
# cheap check (one dpkg-query, node_modules present) finds something missing,
# so on an up-to-date machine nothing is installed and nothing is printed.
deps:
	@sh tools/deps.sh

need-deps:
	@sh tools/deps.sh --check || $(MAKE) --no-print-directory deps

check: need-deps
	@$(MAKE) --no-print-directory all
	@sh tools/run-tests.sh $(BUILD)

unit: all
	@sh tools/run-tests.sh $(BUILD) unit

fuzz-replay: all
	@sh tools/run-tests.sh $(BUILD) fuzz

e2e: all
	@sh tools/run-tests.sh $(BUILD) e2e

demo: need-deps
	@$(MAKE) --no-print-directory $(SLIPTAP)
	@sh tools/demo.sh $(BUILD)

bench: need-deps
	@$(MAKE) --no-print-directory all
	@sh tools/bench.sh $(BUILD)

# The whole suite under AddressSanitizer + UBSan, built with clang in its own
# build directory (WERROR=1 on the command line reaches it too).
ASAN_BUILD ?= build-asan
asan: need-deps
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CC=clang \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    CFLAGS="-O1 -g" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tools/run-tests.sh $(ASAN_BUILD)

# libFuzzer: tools/fuzz.sh builds the libraries and every tests/fuzz/fuzz_*.c
# with clang and the project's flags plus -fsanitize=fuzzer-no-link,address,
# undefined in $(FUZZ_BUILD) (target `fuzzers` there), then runs each target
# (or only those named in FUZZ_TARGETS, e.g. rfc2217) for FUZZ_TIME seconds,
# seeded from its corpus.
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS ?=
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
fuzzers: $(FUZZ_BIN)
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIBS_A)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o %.a,$^) $(LDLIBS)

fuzz: need-deps
	@sh tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

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

# clean removes $(BUILD); with the default BUILD also the asan and fuzz builds.
CLEAN_DIRS := $(BUILD)
ifeq ($(origin BUILD),file)
CLEAN_DIRS += $(ASAN_BUILD) $(FUZZ_BUILD)
endif
clean:
	rm -rf $(CLEAN_DIRS)

-include $(ALL_OBJ:.o=.d)
