/* unit.h: minimal check counting for sluice's standalone unit tests.
 *
 * Include it once per test program. CHECK() counts a pass or prints the
 * failing condition with file:line; CHECK_INT() also prints both values;
 * the _AT variants take the location explicitly, for helpers that check on
 * behalf of a caller. End main() with `return UNIT_SUMMARY("test_x");`,
 * which prints "test_x: N passed, M failed" and yields the exit status. */
#ifndef SLUICE_TESTS_UNIT_H
#define SLUICE_TESTS_UNIT_H

#include <stdio.h>

static unsigned long unit_passed, unit_failed;

static inline int unit_check(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		unit_passed++;
		return 1;
	}
	unit_failed++;
	printf("%s:%d: check failed: %s\n", file, line, what);
	return 0;
}

static inline int unit_check_int(long long a, long long b, const char *file,
				 int line, const char *ea, const char *eb)
{
	if (a == b) {
		unit_passed++;
		return 1;
	}
	unit_failed++;
	printf("%s:%d: check failed: %s == %s (%lld != %lld)\n",
	       file, line, ea, eb, a, b);
	return 0;
}

#define CHECK_AT(cond, file, line) unit_check(!!(cond), file, line, #cond)
#define CHECK(cond) CHECK_AT(cond, __FILE__, __LINE__)
#define CHECK_INT_AT(a, b, file, line) \
	unit_check_int((long long)(a), (long long)(b), file, line, #a, #b)
#define CHECK_INT(a, b) CHECK_INT_AT(a, b, __FILE__, __LINE__)

static inline int unit_summary(const char *name)
{
	printf("%s: %lu passed, %lu failed\n", name, unit_passed, unit_failed);
	fflush(stdout);
	return unit_failed ? 1 : 0;
}
#define UNIT_SUMMARY(name) unit_summary(name)

#endif
