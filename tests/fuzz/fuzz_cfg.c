/* fuzz_cfg.c: libFuzzer target feeding arbitrary bytes to the configuration
 * parser as one file, then the post-parse checks, then freeing everything.
 * Name resolution is off (no DNS traffic); messages go to /dev/null. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cfg/cfg.h"
#include "net/addr.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sink = fopen("/dev/null", "w");
	cfg_set_error_stream(sink);
	addr_set_resolve(0);
	setenv("FUZZ_ADDR", "127.0.0.1:8080", 1);
	setenv("FUZZ_EMPTY", "", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cfg_parse_buffer("fuzz.cfg", (const char *)data, size);
	cfg_check();
	cfg_deinit();
	return 0;
}
