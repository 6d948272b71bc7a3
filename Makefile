# sluice — GNU Makefile.
#
#   make                 build ./sluice (-O2 -g -Wall -Wextra -Werror)
#   make run             install missing packages, build, start the quick-start
#   make test            install missing packages, build, run every test
#   make unit            build and run the C unit tests
#   make fuzz            build the libFuzzer targets (clang) into build-fuzz/
#   make asan            build an ASan+UBSan binary into build-asan/sluice
#   make test-sanitize   run the integration suite against the ASan binary
#   make bench           run the side-by-side benchmark (not a test)
#
# Options: CC=, BUILD= (object dir), SAN=1 (ASan+UBSan), V=1 (verbose).

VERSION  := 0.1.0
CC       ?= gcc
BUILD    ?= build
PYTHON   := /usr/bin/python3

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -pthread -Isrc -fno-strict-aliasing
LDLIBS   += -pthread
ifeq ($(SAN),1)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined $(filter-out -O2 -g,$(CFLAGS))
LDFLAGS  += -fsanitize=address,undefined
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

ifneq ($(V),1)
Q := @
endif

ifeq ($(BUILD),build)
TARGET := sluice
else
TARGET := $(BUILD)/sluice
endif

.PHONY: all run test unit fuzz asan test-sanitize bench deps clean
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

unit: $(UNITBIN)
	$(Q)fail=0; for t in $(UNITBIN); do $$t || fail=1; done; exit $$fail

deps:
	$(Q)scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-quickstart.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 build-asan/sluice

fuzz:
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk

test: deps
	$(Q)$(MAKE) --no-print-directory all unit asan fuzz
	$(Q)scripts/test.sh

test-sanitize: asan
	$(Q)SLUICE_BIN=$(CURDIR)/build-asan/sluice $(PYTHON) -m pytest -q tests/integration

bench: all
	$(Q)bench/run.sh

clean:
	rm -rf build build-asan build-fuzz sluice

-include $(OBJS:.o=.d)
