# sluice — GNU Makefile.
#
#   make                 build ./sluice (-O2 -g -Wall -Wextra -Werror)
#   make run             install missing packages, build, start the quick-start
#   make test            install missing packages, build, run every test
#   make unit            build and run the C unit tests
#   make unit-bin        build the C unit tests (with SAN=1 BUILD=build-asan:
#                        the sanitizer ones, which the test suite runs)
#   make fuzz            build the libFuzzer targets (clang) into build-fuzz/
#   make asan            build ASan+UBSan binaries into build-asan/: sluice,
#                        libsluice, its tools and example (the tests' sanitizer
#                        pass runs them all)
#   make tsan            build a ThreadSanitizer binary into build-tsan/sluice
#   make test-sanitize   run the integration suite against the ASan binary
#   make bench           run the side-by-side benchmark (not a test)
#   make bench-lb        reuse and balancing over 4 origins (not a test)
#   make bench-log       what the shared-memory log costs (not a test)
#
# Options: CC=, BUILD= (object dir), SAN=1 (ASan+UBSan), SAN=thread (TSan),
# V=1 (verbose).

VERSION  := 0.1.0
CC       ?= gcc
BUILD    ?= build
PYTHON   := /usr/bin/python3

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -pthread -Isrc -fno-strict-aliasing
LDLIBS   += -pthread
LDFLAGS  += -rdynamic         # symbol names in pool reports and backtraces
ifeq ($(SAN),1)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined $(filter-out -O2 -g,$(CFLAGS))
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
# -Wno-tsan: TSan does not model fences (the log writer's release fence
# orders its ring stores for readers in other processes, not threads)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=thread -Wno-tsan \
            $(filter-out -O2 -g,$(CFLAGS))
LDFLAGS  += -fsanitize=thread
endif

# main.o records how it was built, for "sluice -vv".
BUILD_OPTS := CC=$(CC) CFLAGS=$(strip $(CFLAGS))
CFLAGS   += -DSLUICE_VERSION='"$(VERSION)"'
$(BUILD)/src/core/main.o: CFLAGS += -DSLUICE_BUILD_OPTS='"$(BUILD_OPTS)"'

SRCS     := $(sort $(shell find src -name '*.c'))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
MAINOBJ  := $(BUILD)/src/core/main.o
LIBOBJS  := $(filter-out $(MAINOBJ),$(OBJS))
UNITSRC  := $(sort $(wildcard tests/unit/test_*.c))
UNITBIN  := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/unit/%)

# An object whose source was moved or removed would still be linked by the
# tests that take every object under $(BUILD)/src (test_shm_sluice.py's
# harness) and register its keywords twice: forget such objects.
STALE    := $(filter-out $(OBJS),$(shell find $(BUILD)/src -name '*.o' 2>/dev/null))
ifneq ($(STALE),)
$(shell rm -f $(STALE) $(STALE:.o=.d))
endif

ifneq ($(V),1)
Q := @
endif

ifeq ($(BUILD),build)
TARGET := sluice
else
TARGET := $(BUILD)/sluice
endif

.PHONY: all run test unit unit-bin fuzz asan tsan test-sanitize bench bench-lb bench-log deps clean
all: $(TARGET)

$(TARGET): $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

unit-bin: $(UNITBIN)

unit: $(UNITBIN)
	$(Q)fail=0; for t in $(UNITBIN); do $$t || fail=1; done; exit $$fail

deps:
	$(Q)scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-quickstart.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all

tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread build-tsan/sluice

fuzz:
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk

test: deps
	$(Q)$(MAKE) --no-print-directory all unit asan tsan fuzz
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 unit-bin
	$(Q)scripts/test.sh

test-sanitize: asan
	$(Q)SLUICE_BIN=$(CURDIR)/build-asan/sluice SLUICE_TOOLS_DIR=build-asan \
		$(PYTHON) -m pytest -q tests/integration

bench: all
	$(Q)bench/run.sh

bench-lb: all
	$(Q)bench/lb.sh

bench-log: all
	$(Q)bench/logcost.sh

clean:
	rm -rf build build-asan build-tsan build-fuzz sluice

-include $(OBJS:.o=.d)

# ---------------------------------------------------------------------------
# libsluice (lib/, include/sluice/), its tools (tools/), its example and its
# unit test. The library takes nothing from src/ but the format header
# src/shm/shm-t.h. Products (BUILD=build):
#   lib/libsluice.a, lib/libsluice.so.1 (+ lib/libsluice.so)  the library
#   ./sluicelog ./sluicencsa ./sluicestat                      the tools
#   build/examples/sl-example                                  the example
# The tools link the static library; the example links the shared one
# (symbol map lib/libsluice.map), found through a relative rpath.
ifeq ($(filter -Iinclude,$(CFLAGS)),)
CFLAGS      += -Iinclude
endif
SL_SRCS     := $(sort $(wildcard lib/*.c))
SL_OBJS     := $(SL_SRCS:%.c=$(BUILD)/%.o)
SL_MAP      := lib/libsluice.map
ifeq ($(BUILD),build)
SL_DIR      := lib
SL_TOOLDIR  := .
SL_RPATH    := $$ORIGIN/../../lib
else
SL_DIR      := $(BUILD)/lib
SL_TOOLDIR  := $(BUILD)
SL_RPATH    := $$ORIGIN/../lib
endif
SL_A        := $(SL_DIR)/libsluice.a
SL_SO       := $(SL_DIR)/libsluice.so.1
SL_TOOLS    := $(addprefix $(SL_TOOLDIR)/,sluicelog sluicencsa sluicestat)
SL_EXAMPLE  := $(BUILD)/examples/sl-example
SL_CURSES   := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)

.PHONY: libsluice tools sl-clean
all: libsluice tools $(SL_EXAMPLE)
libsluice: $(SL_A) $(SL_SO)
tools: $(SL_TOOLS)
clean: sl-clean

$(SL_OBJS): CFLAGS += -fPIC

$(SL_A): $(SL_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(SL_SO): $(SL_OBJS) $(SL_MAP)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libsluice.so.1 \
		-Wl,--version-script=$(SL_MAP) -o $@ $(SL_OBJS) -pthread
	$(Q)ln -sf libsluice.so.1 $(SL_DIR)/libsluice.so

$(SL_TOOLDIR)/sluicelog $(SL_TOOLDIR)/sluicencsa: $(SL_TOOLDIR)/%: $(BUILD)/tools/%.o $(SL_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SL_A) $(LDLIBS)

$(SL_TOOLDIR)/sluicestat: $(BUILD)/tools/sluicestat.o $(SL_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SL_A) $(SL_CURSES) $(LDLIBS)

$(SL_EXAMPLE): examples/sl-example.c $(SL_SO)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -L$(SL_DIR) -lsluice \
		-Wl,-rpath,'$(SL_RPATH)' $(LDLIBS)

# The library's unit test links the library only, not sluice's objects.
$(BUILD)/tests/unit/test_libsluice: tests/unit/test_libsluice.c $(SL_A)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SL_A) $(LDLIBS)

sl-clean:
	rm -f lib/libsluice.a lib/libsluice.so lib/libsluice.so.1 \
		sluicelog sluicencsa sluicestat

-include $(SL_OBJS:.o=.d) $(wildcard $(BUILD)/tools/*.d)
