/* test_init.c: the start-up steps and reference texts registries
 * (core/init.h): hooks run by order, INIT_STOP runs them all whatever
 * they return, references add up by order under one name, and the rooms'
 * own references are registered. (The other stages are the real start-up:
 * the integration tests run them.) */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "core/init.h"

static char trace[256];

static void note(const char *s)
{
	strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
}

/* stage INIT_STOP only: the rooms' own hooks there just stop what did not
 * start (the stats socket) */
static int stop_b(void) { note("B"); return -1; }
static int stop_a(void) { note("A"); return 0; }
static int stop_c(void) { note("C"); return 0; }
INIT_REGISTER(t_stop_b, INIT_STOP, 2, stop_b);
INIT_REGISTER(t_stop_c, INIT_STOP, 3, stop_c);
INIT_REGISTER(t_stop_a, INIT_STOP, 1, stop_a);

static void doc_two(FILE *f) { fputs("two\n", f); }
static void doc_one(FILE *f) { fputs("one\n", f); }
INIT_REGISTER_DOC(t_two, "zz-test", 20, doc_two);
INIT_REGISTER_DOC(t_one, "zz-test", 10, doc_one);

static char *capture(void (*fn)(FILE *f, const char *arg), const char *arg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fn(f, arg);
	fclose(f);
	return out;
}

static void print_doc(FILE *f, const char *name)
{
	CHECK_INT(init_print_doc(name, f), 0);
}

static void print_names(FILE *f, const char *unused)
{
	init_print_doc_names(f);
}

int main(void)
{
	char *s;

	/* the STOP stage runs every hook, in order, whatever they return */
	trace[0] = '\0';
	CHECK_INT(init_run(INIT_STOP), 0);
	CHECK(strstr(trace, "ABC") != NULL);

	s = capture(print_doc, "zz-test");
	CHECK(s && strcmp(s, "one\ntwo\n") == 0);
	free(s);
	CHECK_INT(init_print_doc("no such reference", stdout), -1);

	/* the rooms' references, sorted, each named once */
	s = capture(print_names, NULL);
	CHECK(s && strcmp(s, "counters, keywords, logtags, zz-test") == 0);
	if (s && strcmp(s, "counters, keywords, logtags, zz-test") != 0)
		printf("    got: %s\n", s);
	free(s);
	return UNIT_SUMMARY("test_init");
}
