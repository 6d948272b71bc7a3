/* bug.c: the report printed when an always-on assertion fails. */
#include <execinfo.h>
#include <unistd.h>
#include "core/compiler.h"

void bug_report(const char *file, int line, const char *func, const char *cond)
{
	void *bt[32];
	int n;

	fprintf(stderr, "FATAL: sluice: BUG at %s:%d in %s(): check failed: %s\n",
		file, line, func, cond);
	n = backtrace(bt, ARRAY_SIZE(bt));
	backtrace_symbols_fd(bt, n, STDERR_FILENO);
	abort();
}
