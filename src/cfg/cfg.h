/* cfg.h: configuration loading (HAProxy syntax) and the registry through
 * which every room declares its own sections, keywords and checks. */
#ifndef SLUICE_CFG_CFG_H
#define SLUICE_CFG_CFG_H

#include <stddef.h>
#include <stdio.h>

struct proxy;

/* ------------------------------------------------------------------ loading
 *
 * Lifecycle: cfg_parse_file()/cfg_parse_buffer() once per file (state such
 * as the current "defaults" carries over from one file to the next), then
 * cfg_check() once; cfg_load() does both for a single file. The result is
 * `global` and `proxies_list`. cfg_deinit() frees everything the parser
 * built and resets `global` to its defaults, so parsing may start again.
 * None of these functions is thread-safe: call them before the workers run.
 */

/* Parse a file and run the post-parse checks. Returns 0 when the
 * configuration is usable, -1 after printing every error found. */
int cfg_load(const char *path);

/* Parse one file / one memory buffer named <name> in messages. The buffer
 * need not be NUL-terminated; NUL bytes inside are errors. Return 0 or -1. */
int cfg_parse_file(const char *path);
int cfg_parse_buffer(const char *name, const char *data, size_t len);

/* Run the registered post-parse checks (resolve backends, assign server ids,
 * check limits...). Returns 0 when no error was reported since the last
 * cfg_deinit(), -1 otherwise; after parse errors it returns -1 at once. */
int cfg_check(void);

/* Free all proxies, servers, listeners and strings created by the parser,
 * reset `global` and the error counters. Must not be called while the
 * runtime still uses the objects (listeners' fds are not closed here). */
void cfg_deinit(void);

/* Messages go to stderr unless another stream is set (NULL: stderr). */
void cfg_set_error_stream(FILE *f);

/* Errors and warnings reported since the last cfg_deinit(). */
int cfg_nb_errors(void);
int cfg_nb_warnings(void);

/* Print every registered section and keyword with its usage, then every
 * "option" name, bind option and server option (`sluice -x keywords`). */
void cfg_dump_keywords(FILE *f);

/* ----------------------------------------------------------------- limits */

#define CFG_MAX_LINE    65536   /* bytes per line, also after ${VAR} expansion */
#define CFG_MAX_ARGS    64      /* words per line, like HAProxy */
#define CFG_MAX_ERRORS  20      /* parsing stops after this many errors */

/* --------------------------------------------------------------- sections */

#define CFG_SEC_GLOBAL    0x01
#define CFG_SEC_DEFAULTS  0x02
#define CFG_SEC_FRONTEND  0x04
#define CFG_SEC_BACKEND   0x08
#define CFG_SEC_LISTEN    0x10
#define CFG_SEC_HTTP_ERRORS 0x20  /* "http-errors NAME": errorfile lines */
#define CFG_SEC_PROXIES   (CFG_SEC_DEFAULTS | CFG_SEC_FRONTEND | CFG_SEC_BACKEND | CFG_SEC_LISTEN)

/* What a keyword handler knows about where it is. */
struct cfg_ctx {
	const char *file;             /* interned: lives until cfg_deinit() */
	int line;
	unsigned section;             /* CFG_SEC_* of the current section */
	const char *section_name;     /* "frontend", ... */
	int neg;                      /* the line started with "no" */
	struct proxy *px;             /* proxy sections: the section's proxy */
	struct proxy *defpx;          /* proxy sections: defaults it inherited (or NULL) */
};

/* A section header ("frontend NAME"). begin() is called with the whole header
 * line; it reports its own errors and returns 0 if the section's lines can be
 * parsed (even after an error, e.g. a bad name), -1 to skip them. end() is
 * optional and called when the next header or the end of a file is reached. */
struct cfg_section {
	const char *name;
	unsigned id;                  /* CFG_SEC_* */
	int (*begin)(struct cfg_ctx *ctx, int argc, char **args);
	void (*end)(struct cfg_ctx *ctx);
	struct cfg_section *next;     /* registry link */
};

/* --------------------------------------------------------------- keywords */

#define CFG_KW_NEG  0x1           /* accepts the "no" prefix (ctx->neg set) */

/* A keyword is matched on the first word of a line. Multi-word keywords
 * ("timeout connect", "option forwardfor", "stats socket") register their
 * first word and dispatch on the second through their own small table.
 * parse() gets args[0] = the keyword (without a "no" prefix) and argc >= 1;
 * it may modify the strings; it returns 0 or -1 after reporting with
 * cfg_alert(). */
struct cfg_kw {
	const char *kw;
	unsigned sections;            /* CFG_SEC_* where it applies */
	unsigned ignored;             /* CFG_SEC_* where it is accepted, warned about
	                               * and ignored (HAProxy's "has no frontend
	                               * capability" cases) */
	unsigned flags;               /* CFG_KW_* */
	const char *usage;            /* "maxconn <number>": messages and docs */
	int (*parse)(struct cfg_ctx *ctx, int argc, char **args);
};

#define CFG_KW_END { .kw = NULL }

/* A table of keywords ended by CFG_KW_END. */
struct cfg_kw_list {
	const struct cfg_kw *kws;
	struct cfg_kw_list *next;     /* registry link */
};

/* Checks run by cfg_check() in increasing order; they report with
 * cfg_alert_at()/cfg_warn_at() and return 0 or -1. */
#define CFG_POST_GLOBAL    10
#define CFG_POST_PROXY     20     /* names, backends, modes */
#define CFG_POST_SERVER    30     /* server ids, LB algorithms */
#define CFG_POST_LISTENER  40     /* bind addresses */

struct cfg_postparser {
	const char *name;
	int order;                    /* CFG_POST_* */
	int (*check)(void);
	struct cfg_postparser *next;  /* registry link */
};

/* Called by cfg_deinit() to free what a room built while parsing. */
struct cfg_deinit_hook {
	void (*fn)(void);
	struct cfg_deinit_hook *next; /* registry link */
};

void cfg_register_section(struct cfg_section *sec);
void cfg_register_keywords(struct cfg_kw_list *kwl);
void cfg_register_postparser(struct cfg_postparser *pp);
void cfg_register_deinit(struct cfg_deinit_hook *hook);

/* Registration from the implementing file, run before main():
 *   static const struct cfg_kw my_kws[] = { { "maxconn", ... }, CFG_KW_END };
 *   CFG_REGISTER_KEYWORDS(my_kws);
 */
#define CFG_REGISTER_KEYWORDS(table)                                        \
	static struct cfg_kw_list cfg_kwl_##table = { .kws = (table) };     \
	__attribute__((constructor)) static void cfg_kwl_reg_##table(void)  \
	{ cfg_register_keywords(&cfg_kwl_##table); }

#define CFG_REGISTER_SECTION(sec)                                           \
	__attribute__((constructor)) static void cfg_sec_reg_##sec(void)    \
	{ cfg_register_section(&(sec)); }

#define CFG_REGISTER_POSTPARSER(id, ord, fn)                                \
	static struct cfg_postparser cfg_pp_##id = {                        \
		.name = #id, .order = (ord), .check = (fn) };               \
	__attribute__((constructor)) static void cfg_pp_reg_##id(void)      \
	{ cfg_register_postparser(&cfg_pp_##id); }

#define CFG_REGISTER_DEINIT(id, f)                                          \
	static struct cfg_deinit_hook cfg_di_##id = { .fn = (f) };          \
	__attribute__((constructor)) static void cfg_di_reg_##id(void)      \
	{ cfg_register_deinit(&cfg_di_##id); }

/* ------------------------------------------------ server and bind options
 *
 * Options after "server NAME ADDR" and "bind ADDR" are keywords of their
 * own, registered from the file that implements them (a health check's
 * options live with the checks). parse() gets args[0] = the option and its
 * <nargs> values after it; it returns 0 or -1 after cfg_alert(). */
struct server;
struct listener;

struct srv_kw {
	const char *kw;
	int nargs;                    /* values that follow the option */
	const char *usage;            /* "weight <0-256>" */
	int (*parse)(struct cfg_ctx *ctx, struct server *srv, char **args);
};

struct bind_kw {
	const char *kw;
	int nargs;
	const char *usage;
	int (*parse)(struct cfg_ctx *ctx, struct listener *li, char **args);
};

struct srv_kw_list {
	const struct srv_kw *kws;     /* ended by an entry with kw == NULL */
	struct srv_kw_list *next;
};

struct bind_kw_list {
	const struct bind_kw *kws;
	struct bind_kw_list *next;
};

void cfg_register_srv_keywords(struct srv_kw_list *l);
void cfg_register_bind_keywords(struct bind_kw_list *l);
const struct srv_kw *cfg_find_srv_kw(const char *kw);
const struct bind_kw *cfg_find_bind_kw(const char *kw);

#define SRV_REGISTER_KEYWORDS(table)                                        \
	static struct srv_kw_list srv_kwl_##table = { .kws = (table) };     \
	__attribute__((constructor)) static void srv_kwl_reg_##table(void)  \
	{ cfg_register_srv_keywords(&srv_kwl_##table); }

#define BIND_REGISTER_KEYWORDS(table)                                       \
	static struct bind_kw_list bind_kwl_##table = { .kws = (table) };   \
	__attribute__((constructor)) static void bind_kwl_reg_##table(void) \
	{ cfg_register_bind_keywords(&bind_kwl_##table); }

/* "option NAME ..." sub-keywords registered by the rooms that implement
 * them (proxy_cfg.c keeps the HTTP connection-mode ones). parse() gets
 * args[0] = "option", args[1] = NAME; ctx->neg is set for "no option". */
struct cfg_opt_kw {
	const char *name;
	const char *usage;            /* "option redispatch": docs (sluice -x keywords) */
	int (*parse)(struct cfg_ctx *ctx, int argc, char **args);
};

struct cfg_opt_kw_list {
	const struct cfg_opt_kw *kws;  /* ended by an entry with name == NULL */
	struct cfg_opt_kw_list *next;
};

void cfg_register_options(struct cfg_opt_kw_list *l);
const struct cfg_opt_kw *cfg_find_option(const char *name);

/* The registries as they stand, for the docs and for tests: each is a list
 * of tables, each table ended by an entry whose name is NULL. */
const struct cfg_kw_list *cfg_keyword_lists(void);
const struct cfg_opt_kw_list *cfg_option_lists(void);
const struct srv_kw_list *cfg_srv_kw_lists(void);
const struct bind_kw_list *cfg_bind_kw_lists(void);

#define CFG_REGISTER_OPTIONS(table)                                         \
	static struct cfg_opt_kw_list opt_kwl_##table = { .kws = (table) }; \
	__attribute__((constructor)) static void opt_kwl_reg_##table(void)  \
	{ cfg_register_options(&opt_kwl_##table); }

/* ---------------------------------------------------------------- reports */

/* "[ALERT] file:line: message" at the current line; counts an error and
 * returns -1 so that handlers can `return cfg_alert(ctx, ...);`. */
int cfg_alert(const struct cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "[WARNING] file:line: message"; returns 0. */
int cfg_warn(const struct cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same for a line other than the current one (post-parse checks). */
int cfg_alert_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_warn_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------- value parsing
 * (cfg_util.c) Pure parsers return 0, CFG_ERR_SYNTAX or CFG_ERR_RANGE. */

#define CFG_ERR_SYNTAX  (-1)
#define CFG_ERR_RANGE   (-2)

#define CFG_TIME_MAX_MS 2147483647U  /* about 24.8 days, like HAProxy */

/* Decimal integer without sign or spaces, min <= value <= max. */
int cfg_parse_uint(const char *s, unsigned long long min, unsigned long long max,
		   unsigned long long *out);
/* Integer with an optional unit us, ms (default), s, m, h, d; the result is
 * in milliseconds, microseconds rounded up; at most CFG_TIME_MAX_MS. */
int cfg_parse_time(const char *s, unsigned *ms);
/* Integer with an optional unit k, m, g (powers of 1024, either case). */
int cfg_parse_size(const char *s, unsigned long long *bytes);

/* The same, reporting errors for keyword <kw> (e.g. "timeout connect") in
 * the standard form; return 0 or -1. */
int cfg_get_uint(const struct cfg_ctx *ctx, const char *kw, const char *arg,
		 unsigned long long min, unsigned long long max, unsigned long long *out);
int cfg_get_time(const struct cfg_ctx *ctx, const char *kw, const char *arg, unsigned *ms);
int cfg_get_size(const struct cfg_ctx *ctx, const char *kw, const char *arg,
		 unsigned long long min, unsigned long long max, unsigned long long *out);

/* Check that <kw> got between min and max arguments after its name
 * (argc counts the keyword words too: <words> of them). Reports
 * "'kw': missing argument (expected 'usage')" or "too many arguments". */
int cfg_check_argc(const struct cfg_ctx *ctx, const char *kw, const char *usage,
		   int argc, int words, int min, int max);

/* 1 if <name> is a valid proxy/server name: letters, digits, '-', '_', '.',
 * ':' and not empty. Sets *bad to the first invalid character otherwise. */
int cfg_valid_name(const char *name, char *bad);

/* Copy of <s> or abort: configuration parsing has no graceful way out of
 * memory exhaustion. */
char *cfg_strdup(const char *s);
void *cfg_calloc(size_t n, size_t size);

#endif
