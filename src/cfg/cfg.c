/* cfg.c: reads configuration files: tokenizer, section switching, keyword
 * dispatch, error reports and the registries other rooms fill.
 *
 * Lifecycle of a load:
 *   1. before main(), each room registers its sections, keyword tables,
 *      post-parse checks and deinit hooks (CFG_REGISTER_* in cfg.h);
 *   2. cfg_parse_buffer() splits each line into words (quotes, escapes,
 *      ${VAR}), switches section on a header line and otherwise hands the
 *      words to the keyword registered for the current section;
 *   3. cfg_check() runs the post-parse checks in their order;
 *   4. cfg_deinit() runs the deinit hooks and forgets the file names.
 * Errors do not stop parsing until CFG_MAX_ERRORS were reported, so that one
 * run shows most mistakes of a file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "core/init.h"

#define CFG_MAX_FILE_SIZE (64U << 20)   /* refuse larger files */
#define CFG_MAX_VARNAME   255

static struct cfg_section *sections;
static struct cfg_kw_list *keywords;
static struct cfg_postparser *postparsers;   /* sorted by order */
static struct cfg_deinit_hook *deinit_hooks;

static FILE *err_stream;
static int nb_errors, nb_warnings;
static int gave_up;                          /* CFG_MAX_ERRORS reached */

/* Interned file names: proxies and rules keep pointers to them. */
struct cfg_file_name {
	struct cfg_file_name *next;
	char name[];
};
static struct cfg_file_name *file_names;

/* ------------------------------------------------------------ registries */

void cfg_register_section(struct cfg_section *sec)
{
	struct cfg_section *s;

	for (s = sections; s; s = s->next)
		BUG_ON(strcmp(s->name, sec->name) == 0 || s->id == sec->id);
	sec->next = sections;
	sections = sec;
}

void cfg_register_keywords(struct cfg_kw_list *kwl)
{
	const struct cfg_kw *kw, *old;
	struct cfg_kw_list *l;

	/* Two handlers for one word in one section would make the second one
	 * unreachable: refuse it before main() rather than debug it later. */
	for (kw = kwl->kws; kw->kw; kw++) {
		ASSERT(kw->parse != NULL && kw->sections != 0);
		for (l = keywords; l; l = l->next)
			for (old = l->kws; old->kw; old++)
				BUG_ON(strcmp(old->kw, kw->kw) == 0 &&
				       ((old->sections | old->ignored) & (kw->sections | kw->ignored)));
	}
	kwl->next = keywords;
	keywords = kwl;
}

void cfg_register_postparser(struct cfg_postparser *pp)
{
	struct cfg_postparser **p = &postparsers;

	while (*p && (*p)->order <= pp->order)
		p = &(*p)->next;
	pp->next = *p;
	*p = pp;
}

void cfg_register_deinit(struct cfg_deinit_hook *hook)
{
	hook->next = deinit_hooks;
	deinit_hooks = hook;
}

/* --------------------------------------------------------------- reports */

void cfg_set_error_stream(FILE *f)
{
	err_stream = f;
}

int cfg_nb_errors(void)
{
	return nb_errors;
}

int cfg_nb_warnings(void)
{
	return nb_warnings;
}

static FILE *out(void)
{
	return err_stream ? err_stream : stderr;
}

/* Messages quote words from the file: cut them to a sane length and replace
 * control characters so that a hostile file cannot drive the terminal. */
static void report(const char *level, const char *file, int line, const char *fmt, va_list ap)
{
	char msg[1024];
	FILE *f = out();
	int n;
	char *p;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (file)
		fprintf(f, "[%s] %s:%d: %s\n", level, file, line, msg);
	else
		fprintf(f, "[%s] %s\n", level, msg);
	fflush(f);
}

/* Count an error; print it unless we already gave up. */
static void alert_v(const char *file, int line, const char *fmt, va_list ap)
{
	nb_errors++;
	if (gave_up)
		return;
	report("ALERT", file, line, fmt, ap);
	if (nb_errors >= CFG_MAX_ERRORS) {
		fprintf(out(), "[ALERT] too many errors (%d), giving up\n", nb_errors);
		fflush(out());
		gave_up = 1;
	}
}

int cfg_alert(const struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alert_v(ctx->file, ctx->line, fmt, ap);
	va_end(ap);
	return -1;
}

int cfg_alert_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alert_v(file, line, fmt, ap);
	va_end(ap);
	return -1;
}

int cfg_warn(const struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	nb_warnings++;
	va_start(ap, fmt);
	report("WARNING", ctx->file, ctx->line, fmt, ap);
	va_end(ap);
	return 0;
}

int cfg_warn_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	nb_warnings++;
	va_start(ap, fmt);
	report("WARNING", file, line, fmt, ap);
	va_end(ap);
	return 0;
}

/* Alert without a file:line (files that cannot be read). */
static int alert_nofile(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int alert_nofile(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	alert_v(NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------ tokenizer */

/* Output of the tokenizer for one line: words point into buf. */
struct cfg_words {
	char buf[CFG_MAX_LINE + CFG_MAX_ARGS + 1];
	char *args[CFG_MAX_ARGS + 1];
	int argc;
	size_t len;                   /* bytes used in buf */
	char err[160];                /* set when tokenizing fails */
};

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int emit(struct cfg_words *w, char c)
{
	if (w->len >= sizeof(w->buf) - 1) {
		snprintf(w->err, sizeof(w->err),
			 "line too long after environment variable expansion (max %d bytes)",
			 CFG_MAX_LINE);
		return -1;
	}
	w->buf[w->len++] = c;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Backslash at in[*i]. Escapes that mean something to the tokenizer (space,
 * '#', quotes, backslash, and '$' inside double quotes) and \t \n \r \xHH
 * are replaced; any other pair is kept as written so that regex escapes like
 * "\." or "\$" survive, as in HAProxy. */
static int unescape(struct cfg_words *w, const char *in, size_t len, size_t *i, int dquote)
{
	char c;
	int h, l;

	if (*i + 1 >= len) {
		snprintf(w->err, sizeof(w->err), "backslash at end of line");
		return -1;
	}
	c = in[*i + 1];
	*i += 2;
	if (c == '$' && dquote)
		return emit(w, c);
	switch (c) {
	case ' ': case '#': case '\\': case '\'': case '"':
		return emit(w, c);
	case 't':
		return emit(w, '\t');
	case 'n':
		return emit(w, '\n');
	case 'r':
		return emit(w, '\r');
	case 'x':
		h = *i < len ? hexval((unsigned char)in[*i]) : -1;
		l = *i + 1 < len ? hexval((unsigned char)in[*i + 1]) : -1;
		if (h < 0 || l < 0) {
			snprintf(w->err, sizeof(w->err), "invalid escape sequence '\\x' (expected \\xHH)");
			return -1;
		}
		if (h == 0 && l == 0) {
			snprintf(w->err, sizeof(w->err), "escape sequence '\\x00' is not allowed");
			return -1;
		}
		*i += 2;
		return emit(w, (char)(h << 4 | l));
	default:
		if (emit(w, '\\') < 0)
			return -1;
		return emit(w, c);
	}
}

static int is_var_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_var_char(int c)
{
	return isalnum(c) || c == '_';
}

/* '$' at in[*i]: "$NAME" (only in double quotes, <bare> set) or "${NAME}".
 * An unset variable expands to nothing, as in HAProxy. A '$' that starts no
 * reference is kept. */
static int expand_var(struct cfg_words *w, const char *in, size_t len, size_t *i, int bare)
{
	char name[CFG_MAX_VARNAME + 1];
	size_t p = *i + 1, n = 0;
	int braced = 0;
	const char *val;

	if (p < len && in[p] == '{') {
		braced = 1;
		p++;
	} else if (!bare || p >= len || !is_var_start((unsigned char)in[p])) {
		(*i)++;
		return emit(w, '$');
	}
	if (p >= len || !is_var_start((unsigned char)in[p]))
		goto bad;
	while (p < len && is_var_char((unsigned char)in[p])) {
		if (n >= CFG_MAX_VARNAME) {
			snprintf(w->err, sizeof(w->err),
				 "environment variable name too long (max %d characters)",
				 CFG_MAX_VARNAME);
			return -1;
		}
		name[n++] = in[p++];
	}
	name[n] = 0;
	if (braced) {
		if (p >= len || in[p] != '}')
			goto bad;
		p++;
	}
	*i = p;
	for (val = getenv(name); val && *val; val++)
		if (emit(w, *val) < 0)
			return -1;
	return 0;
bad:
	snprintf(w->err, sizeof(w->err),
		 "invalid environment variable reference (expected ${NAME}, NAME made of letters, digits and '_')");
	return -1;
}

/* Split in[0..len) into words. Returns 0 (w->argc may be 0 for blank and
 * comment lines) or -1 with w->err set. */
static int tokenize(struct cfg_words *w, const char *in, size_t len)
{
	size_t i = 0;
	int in_word = 0, squote = 0, dquote = 0;

	w->argc = 0;
	w->len = 0;
	w->err[0] = 0;
	while (i < len) {
		char c = in[i];

		if (squote) {
			/* strong quotes: nothing is interpreted */
			if (c == '\'')
				squote = 0;
			else if (emit(w, c) < 0)
				return -1;
			i++;
			continue;
		}
		if (dquote) {
			if (c == '"') {
				dquote = 0;
				i++;
			} else if (c == '\\') {
				if (unescape(w, in, len, &i, 1) < 0)
					return -1;
			} else if (c == '$') {
				if (expand_var(w, in, len, &i, 1) < 0)
					return -1;
			} else {
				if (emit(w, c) < 0)
					return -1;
				i++;
			}
			continue;
		}
		if (is_blank((unsigned char)c)) {
			if (in_word) {
				if (emit(w, 0) < 0)
					return -1;
				in_word = 0;
			}
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (!in_word) {
			if (w->argc >= CFG_MAX_ARGS) {
				snprintf(w->err, sizeof(w->err), "too many words on the line (max %d)",
					 CFG_MAX_ARGS);
				return -1;
			}
			w->args[w->argc++] = w->buf + w->len;
			in_word = 1;
		}
		if (c == '\'') {
			squote = 1;
			i++;
		} else if (c == '"') {
			dquote = 1;
			i++;
		} else if (c == '\\') {
			if (unescape(w, in, len, &i, 0) < 0)
				return -1;
		} else if (c == '$') {
			if (expand_var(w, in, len, &i, 0) < 0)
				return -1;
		} else {
			if (emit(w, c) < 0)
				return -1;
			i++;
		}
	}
	if (squote || dquote) {
		snprintf(w->err, sizeof(w->err), "missing closing %s quote",
			 squote ? "single" : "double");
		return -1;
	}
	if (in_word && emit(w, 0) < 0)
		return -1;
	w->args[w->argc] = NULL;
	return 0;
}

/* ------------------------------------------------------------- dispatch */

static struct cfg_section *find_section(const char *name)
{
	struct cfg_section *s;

	for (s = sections; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* "frontend, listen" for a mask of sections, in CFG_SEC_* order. */
static void section_list(unsigned mask, char *buf, size_t size)
{
	unsigned bit;
	size_t used = 0;

	buf[0] = 0;
	for (bit = 1; bit && used < size; bit <<= 1) {
		struct cfg_section *s;

		if (!(mask & bit))
			continue;
		for (s = sections; s && s->id != bit; s = s->next)
			;
		if (s)
			used += snprintf(buf + used, size - used, "%s%s", used ? ", " : "", s->name);
	}
}

static const char *intern_file(const char *name)
{
	struct cfg_file_name *f;
	size_t len = strlen(name);

	for (f = file_names; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f->name;
	f = malloc(sizeof(*f) + len + 1);
	if (!f) {
		fprintf(stderr, "[ALERT] out of memory while parsing the configuration\n");
		exit(EXIT_FAILURE);
	}
	memcpy(f->name, name, len + 1);
	f->next = file_names;
	file_names = f;
	return f->name;
}

/* HAProxy sections sluice does not have (yet): named in the error instead of
 * a cascade of "unknown keyword" for each of their lines. A section of the
 * same name registered later takes precedence. */
static const char *const foreign_sections[] = {
	"cache", "crt-store", "http-errors", "log-forward", "mailers", "peers",
	"program", "resolvers", "ring", "traces", "userlist",
};

static int is_foreign_section(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(foreign_sections); i++)
		if (strcmp(foreign_sections[i], name) == 0)
			return 1;
	return 0;
}

/* Hand one tokenized line to its keyword. */
static void dispatch(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct cfg_kw *match = NULL, *ign = NULL, *kw;
	struct cfg_kw_list *l;
	unsigned allowed = 0;
	char where[128];
	int any = 0;

	ctx->neg = 0;
	if (strcmp(args[0], "no") == 0) {
		if (argc < 2) {
			cfg_alert(ctx, "'no' must be followed by a keyword");
			return;
		}
		ctx->neg = 1;
		args++;
		argc--;
	}

	for (l = keywords; l && !match; l = l->next) {
		for (kw = l->kws; kw->kw; kw++) {
			if (strcmp(kw->kw, args[0]) != 0)
				continue;
			any = 1;
			allowed |= kw->sections;
			if (kw->sections & ctx->section) {
				match = kw;
				break;
			}
			if (kw->ignored & ctx->section)
				ign = kw;
		}
	}

	if (!any) {
		cfg_alert(ctx, "unknown keyword '%s' in '%s' section", args[0], ctx->section_name);
		return;
	}
	if (!match && !ign) {
		section_list(allowed, where, sizeof(where));
		cfg_alert(ctx, "'%s' is not allowed in '%s' section (allowed in: %s)",
			  args[0], ctx->section_name, where);
		return;
	}
	kw = match ? match : ign;
	if (ctx->neg && !(kw->flags & CFG_KW_NEG)) {
		cfg_alert(ctx, "'no' cannot be used with '%s'", args[0]);
		return;
	}
	if (!match) {
		section_list(kw->sections, where, sizeof(where));
		cfg_warn(ctx, "'%s' ignored in '%s' section: it only applies to %s",
			 args[0], ctx->section_name, where);
		return;
	}
	match->parse(ctx, argc, args);
}

/* Parse the lines of one buffer. Returns 0 if no error was reported. */
int cfg_parse_buffer(const char *name, const char *data, size_t len)
{
	struct cfg_section *cur = NULL;
	struct cfg_words *w;
	struct cfg_ctx ctx;
	size_t pos = 0;
	int errors_before = nb_errors;
	int skip = 0;

	if (gave_up)
		return -1;
	w = malloc(sizeof(*w));
	if (!w)
		return alert_nofile("out of memory while parsing '%s'", name);

	memset(&ctx, 0, sizeof(ctx));
	ctx.file = intern_file(name);

	while (pos < len && !gave_up) {
		const char *line = data + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *nul;

		pos += llen + (nl ? 1 : 0);
		ctx.line++;
		if (llen && line[llen - 1] == '\r')
			llen--;
		if (llen > CFG_MAX_LINE) {
			cfg_alert(&ctx, "line too long (%zu bytes, max %d)", llen, CFG_MAX_LINE);
			continue;
		}
		nul = memchr(line, 0, llen);
		if (nul) {
			cfg_alert(&ctx, "NUL character at column %zu is not allowed",
				  (size_t)(nul - line) + 1);
			continue;
		}
		if (tokenize(w, line, llen) < 0) {
			cfg_alert(&ctx, "%s", w->err);
			continue;
		}
		if (w->argc == 0)
			continue;

		struct cfg_section *sec = find_section(w->args[0]);
		if (sec) {
			if (cur && cur->end && !skip)
				cur->end(&ctx);
			cur = sec;
			ctx.section = sec->id;
			ctx.section_name = sec->name;
			ctx.px = ctx.defpx = NULL;
			ctx.neg = 0;
			skip = sec->begin(&ctx, w->argc, w->args) < 0;
			continue;
		}
		if (is_foreign_section(w->args[0])) {
			if (cur && cur->end && !skip)
				cur->end(&ctx);
			cfg_alert(&ctx, "'%s' sections are not supported; their lines are skipped",
				  w->args[0]);
			cur = NULL;
			skip = 1;
			continue;
		}
		if (!cur && !skip) {
			cfg_alert(&ctx, "'%s' found before any section (expected 'global', 'defaults', "
				  "'frontend', 'backend' or 'listen' first)", w->args[0]);
			continue;
		}
		if (skip)
			continue;
		dispatch(&ctx, w->argc, w->args);
	}
	if (cur && cur->end && !skip)
		cur->end(&ctx);
	free(w);
	return nb_errors > errors_before ? -1 : 0;
}

int cfg_parse_file(const char *path)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return alert_nofile("cannot open configuration file '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return alert_nofile("cannot read configuration file '%s': %s", path, strerror(EISDIR));
	}
	/* read in chunks: the file may be a pipe (-f /dev/stdin) */
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *n;

			if (cap >= CFG_MAX_FILE_SIZE) {
				free(data);
				close(fd);
				return alert_nofile("configuration file '%s' is too large (max %u MB)",
						    path, CFG_MAX_FILE_SIZE >> 20);
			}
			cap = cap ? cap * 2 : 16384;
			n = realloc(data, cap);
			if (!n) {
				free(data);
				close(fd);
				return alert_nofile("out of memory reading '%s'", path);
			}
			data = n;
		}
		r = read(fd, data + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(data);
			close(fd);
			return alert_nofile("cannot read configuration file '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		len += r;
	}
	close(fd);
	ret = cfg_parse_buffer(path, data, len);
	free(data);
	return ret;
}

/* Like HAProxy, cross-checks are skipped after parse errors: their reports
 * would mostly be consequences of the first ones (a backend whose header was
 * misspelt is "missing" everywhere it is used). */
int cfg_check(void)
{
	struct cfg_postparser *pp;

	if (nb_errors)
		return -1;
	for (pp = postparsers; pp; pp = pp->next)
		pp->check();
	return nb_errors ? -1 : 0;
}

int cfg_load(const char *path)
{
	if (cfg_parse_file(path) < 0)
		return -1;
	return cfg_check();
}

void cfg_deinit(void)
{
	struct cfg_deinit_hook *h;
	struct cfg_file_name *f;

	for (h = deinit_hooks; h; h = h->next)
		h->fn();
	while ((f = file_names)) {
		file_names = f->next;
		free(f);
	}
	nb_errors = nb_warnings = 0;
	gave_up = 0;
}

const struct cfg_kw_list *cfg_keyword_lists(void)
{
	return keywords;
}

static int kw_cmp(const void *a, const void *b)
{
	const struct cfg_kw *const *x = a, *const *y = b;

	return strcmp((*x)->kw, (*y)->kw);
}

/* Sub-keywords for the reference: name (for sorting) and usage. */
struct kw_docs {
	struct { const char *name, *usage; } *v;
	size_t n, size;
};

static void kw_docs_add(struct kw_docs *d, const char *name, const char *usage)
{
	if (d->n == d->size) {
		size_t size = d->size ? 2 * d->size : 32;
		void *v = realloc(d->v, size * sizeof(*d->v));

		if (!v)
			return;                 /* the reference is short by one */
		d->v = v;
		d->size = size;
	}
	d->v[d->n].name = name;
	d->v[d->n++].usage = usage ? usage : name;
}

static int kw_docs_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One block of sub-keywords: a title naming the keyword they follow and
 * the sections where it applies (from the keyword registry), then one
 * usage per line, sorted by name. Empties <d>. */
static void dump_sub(FILE *f, const char *title, const char *kw, const char *prefix,
		     struct kw_docs *d)
{
	unsigned mask = 0;
	char where[128];

	for (struct cfg_kw_list *l = keywords; l; l = l->next)
		for (const struct cfg_kw *k = l->kws; k->kw; k++)
			if (strcmp(k->kw, kw) == 0)
				mask |= k->sections;
	section_list(mask, where, sizeof(where));
	fprintf(f, "%s (after '%s', in: %s)\n", title, kw, where);
	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), kw_docs_cmp);
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "    %s%s\n", prefix, d->v[i].usage);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* One block per section, in CFG_SEC_* order, keywords sorted by name; then
 * the "option" names, the bind options and the server options, each from
 * its registry. */
void cfg_dump_keywords(FILE *f)
{
	const struct cfg_kw **all = NULL, *kw;
	struct cfg_kw_list *l;
	struct cfg_section *s;
	struct kw_docs sub = { 0 };
	size_t n = 0, i;
	unsigned bit;

	for (l = keywords; l; l = l->next)
		for (kw = l->kws; kw->kw; kw++)
			n++;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return;
	n = 0;
	for (l = keywords; l; l = l->next)
		for (kw = l->kws; kw->kw; kw++)
			all[n++] = kw;
	qsort(all, n, sizeof(*all), kw_cmp);

	for (bit = 1; bit; bit <<= 1) {
		for (s = sections; s && s->id != bit; s = s->next)
			;
		if (!s)
			continue;
		fprintf(f, "%s\n", s->name);
		for (i = 0; i < n; i++) {
			if ((all[i]->sections | all[i]->ignored) & bit)
				fprintf(f, "    %s%s%s\n", (all[i]->flags & CFG_KW_NEG) ? "[no] " : "",
					all[i]->usage ? all[i]->usage : all[i]->kw,
					(all[i]->sections & bit) ? "" : "    (ignored, with a warning)");
		}
	}
	free(all);

	for (const struct cfg_opt_kw_list *ol = cfg_option_lists(); ol; ol = ol->next)
		for (const struct cfg_opt_kw *ok = ol->kws; ok->name; ok++)
			kw_docs_add(&sub, ok->name, ok->usage);
	dump_sub(f, "options", "option", "[no] ", &sub);
	for (const struct bind_kw_list *bl = cfg_bind_kw_lists(); bl; bl = bl->next)
		for (const struct bind_kw *bk = bl->kws; bk->kw; bk++)
			kw_docs_add(&sub, bk->kw, bk->usage);
	dump_sub(f, "bind options", "bind", "", &sub);
	for (const struct srv_kw_list *sl = cfg_srv_kw_lists(); sl; sl = sl->next)
		for (const struct srv_kw *sk = sl->kws; sk->kw; sk++)
			kw_docs_add(&sub, sk->kw, sk->usage);
	dump_sub(f, "server options", "server", "", &sub);
}

INIT_REGISTER_DOC(keywords, "keywords", 0, cfg_dump_keywords);
