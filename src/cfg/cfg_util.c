/* cfg_util.c: value parsers (integers, times, sizes, names) shared by every
 * keyword, with the standard error messages. */
#include <limits.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"

/* Leading decimal digits of s into *v; *end past them. CFG_ERR_SYNTAX when
 * there is no digit, CFG_ERR_RANGE when the number does not fit. */
static int parse_digits(const char *s, unsigned long long *v, const char **end)
{
	unsigned long long n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return CFG_ERR_SYNTAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = *p - '0';

		if (n > (ULLONG_MAX - d) / 10) {
			/* keep scanning so that "99999999999999999999x" is a
			 * syntax error, not a range error */
			while (*p >= '0' && *p <= '9')
				p++;
			*end = p;
			return CFG_ERR_RANGE;
		}
		n = n * 10 + d;
	}
	*v = n;
	*end = p;
	return 0;
}

int cfg_parse_uint(const char *s, unsigned long long min, unsigned long long max,
		   unsigned long long *out)
{
	unsigned long long v = 0;
	const char *end;
	int ret = parse_digits(s, &v, &end);

	if (ret == CFG_ERR_SYNTAX || *end)
		return CFG_ERR_SYNTAX;
	if (ret == CFG_ERR_RANGE || v < min || v > max)
		return CFG_ERR_RANGE;
	*out = v;
	return 0;
}

int cfg_parse_time(const char *s, unsigned *ms)
{
	static const struct { const char *unit; unsigned long long mult; } units[] = {
		{ "",   1 },     { "ms", 1 },       { "s", 1000 },
		{ "m",  60000 }, { "h",  3600000 }, { "d", 86400000 },
	};
	unsigned long long v = 0, r;
	const char *end;
	int ret = parse_digits(s, &v, &end);
	size_t i;

	if (ret == CFG_ERR_SYNTAX)
		return CFG_ERR_SYNTAX;
	if (strcmp(end, "us") == 0) {
		if (ret == CFG_ERR_RANGE)
			return CFG_ERR_RANGE;
		r = v / 1000 + (v % 1000 != 0);   /* round up: 1us is not "no timeout" */
		if (r > CFG_TIME_MAX_MS)
			return CFG_ERR_RANGE;
		*ms = (unsigned)r;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (ret == CFG_ERR_RANGE || v > CFG_TIME_MAX_MS / units[i].mult)
			return CFG_ERR_RANGE;
		*ms = (unsigned)(v * units[i].mult);
		return 0;
	}
	return CFG_ERR_SYNTAX;
}

int cfg_parse_size(const char *s, unsigned long long *bytes)
{
	unsigned long long v = 0, mult = 1;
	const char *end;
	int ret = parse_digits(s, &v, &end);

	if (ret == CFG_ERR_SYNTAX)
		return CFG_ERR_SYNTAX;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mult = 1ULL << 10; break;
		case 'm': case 'M': mult = 1ULL << 20; break;
		case 'g': case 'G': mult = 1ULL << 30; break;
		default: return CFG_ERR_SYNTAX;
		}
		if (end[1])
			return CFG_ERR_SYNTAX;
	}
	if (ret == CFG_ERR_RANGE || v > ULLONG_MAX / mult)
		return CFG_ERR_RANGE;
	*bytes = v * mult;
	return 0;
}

int cfg_get_uint(const struct cfg_ctx *ctx, const char *kw, const char *arg,
		 unsigned long long min, unsigned long long max, unsigned long long *out)
{
	switch (cfg_parse_uint(arg, min, max, out)) {
	case 0:
		return 0;
	case CFG_ERR_RANGE:
		return cfg_alert(ctx, "'%s': value '%s' out of range (expected an integer between %llu and %llu)",
				 kw, arg, min, max);
	default:
		return cfg_alert(ctx, "'%s': invalid value '%s' (expected an integer between %llu and %llu)",
				 kw, arg, min, max);
	}
}

int cfg_get_time(const struct cfg_ctx *ctx, const char *kw, const char *arg, unsigned *ms)
{
	switch (cfg_parse_time(arg, ms)) {
	case 0:
		return 0;
	case CFG_ERR_RANGE:
		return cfg_alert(ctx, "'%s': time value '%s' is too large (max %u ms, about 24.8 days)",
				 kw, arg, CFG_TIME_MAX_MS);
	default:
		return cfg_alert(ctx, "'%s': invalid time value '%s' (expected a number with an optional "
				 "unit us, ms, s, m, h, d)", kw, arg);
	}
}

int cfg_get_size(const struct cfg_ctx *ctx, const char *kw, const char *arg,
		 unsigned long long min, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;

	switch (cfg_parse_size(arg, &v)) {
	case 0:
		if (v >= min && v <= max) {
			*out = v;
			return 0;
		}
		/* fall through */
	case CFG_ERR_RANGE:
		return cfg_alert(ctx, "'%s': size '%s' out of range (expected between %llu and %llu bytes)",
				 kw, arg, min, max);
	default:
		return cfg_alert(ctx, "'%s': invalid size '%s' (expected a number with an optional "
				 "unit k, m, g)", kw, arg);
	}
}

int cfg_check_argc(const struct cfg_ctx *ctx, const char *kw, const char *usage,
		   int argc, int words, int min, int max)
{
	int n = argc - words;

	if (n < min)
		return cfg_alert(ctx, "'%s': missing argument (expected '%s')", kw, usage);
	if (max >= 0 && n > max)
		return cfg_alert(ctx, "'%s': too many arguments (expected '%s')", kw, usage);
	return 0;
}

int cfg_valid_name(const char *name, char *bad)
{
	const char *p;

	if (!*name) {
		*bad = 0;
		return 0;
	}
	for (p = name; *p; p++) {
		unsigned char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':')) {
			*bad = *p;
			return 0;
		}
	}
	return 1;
}

static void __attribute__((noreturn)) oom(void)
{
	fprintf(stderr, "[ALERT] out of memory while parsing the configuration\n");
	exit(EXIT_FAILURE);
}

char *cfg_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		oom();
	return d;
}

void *cfg_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		oom();
	return p;
}

/* ---- server and bind option registries ---- */

static struct srv_kw_list *srv_kw_lists;
static struct bind_kw_list *bind_kw_lists;

/* A second entry under a registered name would never be reached: refuse
 * it before main(), as cfg_register_keywords() does. */
void cfg_register_srv_keywords(struct srv_kw_list *l)
{
	for (const struct srv_kw *k = l->kws; k->kw; k++) {
		ASSERT(k->parse != NULL && k->usage != NULL);
		BUG_ON(cfg_find_srv_kw(k->kw) != NULL);
	}
	l->next = srv_kw_lists;
	srv_kw_lists = l;
}

void cfg_register_bind_keywords(struct bind_kw_list *l)
{
	for (const struct bind_kw *k = l->kws; k->kw; k++) {
		ASSERT(k->parse != NULL && k->usage != NULL);
		BUG_ON(cfg_find_bind_kw(k->kw) != NULL);
	}
	l->next = bind_kw_lists;
	bind_kw_lists = l;
}

const struct srv_kw *cfg_find_srv_kw(const char *kw)
{
	for (struct srv_kw_list *l = srv_kw_lists; l; l = l->next)
		for (const struct srv_kw *k = l->kws; k->kw; k++)
			if (strcmp(k->kw, kw) == 0)
				return k;
	return NULL;
}

const struct bind_kw *cfg_find_bind_kw(const char *kw)
{
	for (struct bind_kw_list *l = bind_kw_lists; l; l = l->next)
		for (const struct bind_kw *k = l->kws; k->kw; k++)
			if (strcmp(k->kw, kw) == 0)
				return k;
	return NULL;
}

static struct cfg_opt_kw_list *opt_kw_lists;

void cfg_register_options(struct cfg_opt_kw_list *l)
{
	for (const struct cfg_opt_kw *k = l->kws; k->name; k++) {
		ASSERT(k->parse != NULL && k->usage != NULL);
		BUG_ON(cfg_find_option(k->name) != NULL);
	}
	l->next = opt_kw_lists;
	opt_kw_lists = l;
}

const struct cfg_opt_kw_list *cfg_option_lists(void)
{
	return opt_kw_lists;
}

const struct srv_kw_list *cfg_srv_kw_lists(void)
{
	return srv_kw_lists;
}

const struct bind_kw_list *cfg_bind_kw_lists(void)
{
	return bind_kw_lists;
}

const struct cfg_opt_kw *cfg_find_option(const char *name)
{
	for (struct cfg_opt_kw_list *l = opt_kw_lists; l; l = l->next)
		for (const struct cfg_opt_kw *k = l->kws; k->name; k++)
			if (strcmp(k->name, name) == 0)
				return k;
	return NULL;
}
