# fuzz.mk: libFuzzer targets. Every tests/fuzz/fuzz_*.c is linked with all of
# sluice's objects (but main) and libsluice's (lib/) built by clang with
# ASan+UBSan.
FUZZ_BUILD := build-fuzz
FUZZ_CC    := clang
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
              -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -pthread -Isrc -Iinclude \
              -DSLUICE_VERSION='"fuzz"' -DSLUICE_BUILD_OPTS='"fuzz"'
SRCS       := $(sort $(shell find src -name '*.c' ! -path src/core/main.c) \
                     $(wildcard lib/*.c))
OBJS       := $(SRCS:%.c=$(FUZZ_BUILD)/%.o)
TARGETS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

all: $(TARGETS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(OBJS)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(OBJS)

-include $(OBJS:.o=.d)
