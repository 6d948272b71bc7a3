/* tool.h: what the three tools share for their command lines and signals.
 * Include once, after defining PROG (the tool's name for messages). */
#ifndef SLUICE_TOOLS_TOOL_H
#define SLUICE_TOOLS_TOOL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set by SIGINT/SIGTERM; the follow loop polls it. */
static volatile int stop_flag;

static inline void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Bad usage: the message (with one %s for <arg>) and exit status 2. */
static inline void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(" PROG " -h for help)\n");
	exit(2);
}

/* Seconds for option <opt>; "off"/"inf" give -1 when <allow_off>. */
static inline double parse_seconds(const char *s, const char *opt, int allow_off)
{
	char *end;
	double v;

	if (allow_off && (!strcmp(s, "off") || !strcmp(s, "inf")))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || v < 0 || errno)
		die_usage(allow_off ? "%s: expected seconds or \"off\"" :
			  "%s: expected seconds", opt);
	return v;
}

static inline long long parse_count(const char *s, const char *opt)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || v < 0 || errno)
		die_usage("%s: expected a non-negative integer", opt);
	return v;
}

#endif
