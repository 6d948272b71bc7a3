/* sl_query.c: libsluice's query language over a group of records.
 *
 *   query   := or
 *   or      := and { "or" and }
 *   and     := unary { "and" unary }
 *   unary   := "not" unary | "(" query ")" | test
 *   test    := field [ op value ]         (no op: the field is present)
 *   op      := == != < <= > >= ~ !~
 *   value   := "quoted" | 'quoted' | bare word (up to a blank or paren)
 *   field   := name [ ":" header-or-label ] [ "[" n "]" ]
 *
 * A test is true when at least one record of the group satisfies it. The
 * named fields map to tags: status RespStatus, bestatus BerespStatus,
 * method ReqMethod, url ReqURL, protocol ReqProtocol, host ReqHeader:Host,
 * client ReqStart[1], frontend ReqStart[3], backend Backend[1], server
 * Backend[2], vxid the transaction id; any tag name works too. Numbers
 * compare as numbers, the rest as strings; ~ is a POSIX extended regex.
 * Errors name what was expected and the 1-based column. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl_int.h"

#define MAX_NEST 64

enum qop { OP_EXIST, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_RE,
	   OP_NRE };

enum qkind { Q_AND, Q_OR, Q_NOT, Q_TEST };

struct qnode {
	enum qkind kind;
	struct qnode *a, *b;
	/* Q_TEST */
	unsigned tag;            /* 0: vxid */
	char *name;              /* header name or timestamp label */
	int word;                /* 0: whole value, else the n-th word */
	enum qop op;
	char *sval;
	double nval;
	int is_num;
	int has_re;
	regex_t re;
};

struct sl_query {
	unsigned magic;
	struct qnode *root;
};

struct parser {
	const char *s;
	size_t p;
	int depth;
	int err;
};

static const struct {
	const char *name;
	unsigned tag;
	const char *hdr;
	int word;
} aliases[] = {
	{ "status",   SL_TAG_RespStatus,   NULL,   0 },
	{ "bestatus", SL_TAG_BerespStatus, NULL,   0 },
	{ "method",   SL_TAG_ReqMethod,    NULL,   0 },
	{ "url",      SL_TAG_ReqURL,       NULL,   0 },
	{ "protocol", SL_TAG_ReqProtocol,  NULL,   0 },
	{ "host",     SL_TAG_ReqHeader,    "Host", 0 },
	{ "client",   SL_TAG_ReqStart,     NULL,   1 },
	{ "frontend", SL_TAG_ReqStart,     NULL,   3 },
	{ "backend",  SL_TAG_Backend,      NULL,   1 },
	{ "server",   SL_TAG_Backend,      NULL,   2 },
	{ "vxid",     0,                   NULL,   0 },
};

static void node_free(struct qnode *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->name);
	free(n->sval);
	if (n->has_re)
		regfree(&n->re);
	free(n);
}

static int perr(struct parser *ps, size_t col, const char *fmt, const char *a)
{
	char msg[512];

	if (ps->err)
		return -1;
	snprintf(msg, sizeof(msg), fmt, a ? a : "");
	ps->err = 1;
	sli_err(SL_EINVAL, "query: %s at column %zu", msg, col + 1);
	return -1;
}

static void skip_blanks(struct parser *ps)
{
	while (ps->s[ps->p] == ' ' || ps->s[ps->p] == '\t' ||
	       ps->s[ps->p] == '\n' || ps->s[ps->p] == '\r')
		ps->p++;
}

static int is_field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == ':' || c == '[' || c == ']';
}

/* The keyword kw (and, or, not) at the current position? */
static int at_keyword(struct parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	return !strncasecmp(ps->s + ps->p, kw, n) &&
	       !is_field_char(ps->s[ps->p + n]);
}

/* A short, printable excerpt of the text at column p, for messages. */
static const char *excerpt(const struct parser *ps, size_t p, char *buf,
			   size_t sz)
{
	size_t n = 0;

	while (ps->s[p + n] && n + 1 < sz && n < 20 &&
	       ps->s[p + n] != ' ')
		n++;
	memcpy(buf, ps->s + p, n);
	buf[n] = 0;
	return buf;
}

static int parse_field(struct parser *ps, struct qnode *n)
{
	size_t start = ps->p, len, base;
	char name[128], *colon, *brk;
	int tag;

	while (is_field_char(ps->s[ps->p]))
		ps->p++;
	len = ps->p - start;
	if (len == 0) {
		char buf[32];

		if (!ps->s[start])
			return perr(ps, start, "expected a field name, found "
				    "the end%s", NULL);
		return perr(ps, start, "expected a field name, found '%s'",
			    excerpt(ps, start, buf, sizeof(buf)));
	}
	if (len >= sizeof(name))
		return perr(ps, start, "field name too long%s", NULL);
	memcpy(name, ps->s + start, len);
	name[len] = 0;
	n->word = 0;
	if ((brk = strchr(name, '['))) {
		char *end;
		long w = strtol(brk + 1, &end, 10);

		if (brk[1] < '0' || brk[1] > '9' || end[0] != ']' || end[1] ||
		    w < 1 || w > 255)
			return perr(ps, start + (size_t)(brk - name),
				    "expected '[N]' with N from 1 to 255 "
				    "after the field name%s", NULL);
		n->word = (int)w;
		*brk = 0;
	}
	base = strlen(name);
	if ((colon = strchr(name, ':'))) {
		*colon = 0;
		if (!colon[1])
			return perr(ps, start + base, "expected a header name "
				    "or a label after ':'%s", NULL);
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcasecmp(name, aliases[i].name))
			continue;
		if (colon)
			return perr(ps, start + strlen(name), "field '%s' "
				    "takes no ':name'", aliases[i].name);
		n->tag = aliases[i].tag;
		if (aliases[i].hdr && !(n->name = strdup(aliases[i].hdr)))
			return -1;
		if (!n->word)
			n->word = aliases[i].word;
		return 0;
	}
	tag = sl_tag_lookup(name);
	if (tag < 0)
		return perr(ps, start, "unknown field '%s' (a tag name or "
			    "status, bestatus, method, url, protocol, host, "
			    "client, frontend, backend, server, vxid)", name);
	n->tag = (unsigned)tag;
	if (colon) {
		if (!sli_is_header_tag(n->tag) && n->tag != SL_TAG_Timestamp)
			return perr(ps, start + strlen(name), "tag '%s' takes "
				    "no ':name' (only header tags and "
				    "Timestamp do)", name);
		if (!(n->name = strdup(colon + 1)))
			return -1;
	}
	return 0;
}

static int parse_op(struct parser *ps, enum qop *op)
{
	const char *s = ps->s + ps->p;
	static const struct { const char *t; enum qop op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "!~", OP_NRE }, { "<", OP_LT },
		{ ">", OP_GT }, { "~", OP_RE },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].t);

		if (!strncmp(s, ops[i].t, n)) {
			*op = ops[i].op;
			ps->p += n;
			return 1;
		}
	}
	if (s[0] == '=')
		return perr(ps, ps->p, "'=' is not an operator (use '==')%s",
			    NULL);
	return 0;
}

static const char *op_text(enum qop op)
{
	static const char *const t[] = { "", "==", "!=", "<", "<=", ">",
					 ">=", "~", "!~" };
	return t[op];
}

/* A quoted or bare value into a new string. */
static int parse_value(struct parser *ps, enum qop op, char **out)
{
	size_t start = ps->p, n = 0;
	char q = ps->s[ps->p], *v;

	if (q == '"' || q == '\'') {
		size_t cap = strlen(ps->s + start) + 1;

		if (!(v = malloc(cap)))
			return -1;
		ps->p++;
		while (ps->s[ps->p] && ps->s[ps->p] != q) {
			char c = ps->s[ps->p++];

			if (c == '\\' && ps->s[ps->p])
				c = ps->s[ps->p++];
			v[n++] = c;
		}
		if (ps->s[ps->p] != q) {
			free(v);
			return perr(ps, start, "unterminated string (missing "
				    "%s)", q == '"' ? "'\"'" : "\"'\"");
		}
		ps->p++;
		v[n] = 0;
		*out = v;
		return 0;
	}
	while (ps->s[ps->p] && !strchr(" \t\r\n()", ps->s[ps->p]))
		ps->p++;
	if (ps->p == start)
		return perr(ps, start, "expected a value after '%s'",
			    op_text(op));
	n = ps->p - start;
	if (!(v = malloc(n + 1)))
		return -1;
	memcpy(v, ps->s + start, n);
	v[n] = 0;
	*out = v;
	return 0;
}

static int parse_num(const char *s, double *v)
{
	char *end;

	if (!*s)
		return 0;
	*v = strtod(s, &end);
	return end != s && *end == 0;
}

/* glibc's regcomp() copies a subexpression for each bound ("a{3}" is
 * "aaa", "a+" is "aa*"), so stacked or nested repetitions grow the
 * compiled size exponentially: estimate it first, and refuse repetition
 * operators that follow one another (undefined in POSIX anyway). Returns
 * NULL or what is wrong. */
#define RE_MAX_SIZE  20000
#define RE_MAX_NEST  32

static const char *regex_too_big(const char *re)
{
	uint64_t cur[RE_MAX_NEST + 1], last[RE_MAX_NEST + 1];
	int d = 0, rep = 0;

	if (strlen(re) > 4096)
		return "regular expression longer than 4096 bytes";
	cur[0] = last[0] = 0;
	for (const char *p = re; *p; p++) {
		uint64_t k = 0;

		switch (*p) {
		case '\\':
			if (p[1])
				p++;
			cur[d]++;
			last[d] = 1;
			rep = 0;
			continue;
		case '[':
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' ||
						  p[1] == '=')) {
					const char *e = strchr(p + 2, p[1]);

					p = e && e[1] == ']' ? e + 1 : p + 1;
				}
				p++;
			}
			if (!*p)
				return NULL;     /* regcomp says why */
			cur[d]++;
			last[d] = 1;
			rep = 0;
			continue;
		case '(':
			if (d == RE_MAX_NEST)
				return "regular expression nested too deeply";
			d++;
			cur[d] = last[d] = 0;
			rep = 0;
			continue;
		case ')':
			if (d == 0)
				break;
			k = cur[d] ? cur[d] : 1;
			d--;
			cur[d] += k;
			last[d] = k;
			rep = 0;
			if (cur[d] > RE_MAX_SIZE)
				return "regular expression too large once "
				       "expanded";
			continue;
		case '|':
			last[d] = 0;
			rep = 0;
			continue;
		case '*': case '?':
			k = 1;
			break;
		case '+':
			k = 2;
			break;
		case '{': {
			unsigned long m = 0, n = 0;
			const char *q = p + 1;

			while (*q >= '0' && *q <= '9' && m < 100000)
				m = m * 10 + (unsigned long)(*q++ - '0');
			n = m;
			if (*q == ',') {
				n = 0;
				for (q++; *q >= '0' && *q <= '9' && n < 100000; q++)
					n = n * 10 + (unsigned long)(*q - '0');
			}
			if (*q != '}')
				return NULL;     /* regcomp says why */
			k = (m > n ? m : n) + 1;
			p = q;
			break;
		}
		default:
			cur[d]++;
			last[d] = 1;
			rep = 0;
			continue;
		}
		/* a repetition operator */
		if (rep)
			return "repetition operators that follow one another";
		rep = 1;
		if (k > 256)
			return "repetition bound above 255";
		cur[d] += last[d] * (k - 1);
		last[d] *= k;
		if (cur[d] > RE_MAX_SIZE)
			return "regular expression too large once expanded";
	}
	return NULL;
}

static struct qnode *parse_or(struct parser *ps);

static struct qnode *parse_test(struct parser *ps)
{
	struct qnode *n = calloc(1, sizeof(*n));
	size_t vstart;

	if (!n) {
		sli_err(SL_ENOMEM, "out of memory");
		return NULL;
	}
	n->kind = Q_TEST;
	if (parse_field(ps, n) < 0)
		goto fail;
	skip_blanks(ps);
	n->op = OP_EXIST;
	{
		int r = parse_op(ps, &n->op);

		if (r < 0)
			goto fail;
		if (r == 0)
			return n;
	}
	skip_blanks(ps);
	vstart = ps->p;
	if (parse_value(ps, n->op, &n->sval) < 0)
		goto fail;
	n->is_num = parse_num(n->sval, &n->nval);
	switch (n->op) {
	case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		if (!n->is_num) {
			perr(ps, vstart, "expected a number after '%s'",
			     op_text(n->op));
			goto fail;
		}
		break;
	case OP_RE: case OP_NRE: {
		const char *why = regex_too_big(n->sval);
		int r;

		if (why) {
			perr(ps, vstart, "%s", why);
			goto fail;
		}
		r = regcomp(&n->re, n->sval, REG_EXTENDED | REG_NOSUB);

		if (r) {
			char eb[128], msg[256];

			regerror(r, &n->re, eb, sizeof(eb));
			snprintf(msg, sizeof(msg), "bad regular expression: "
				 "%.120s", eb);
			perr(ps, vstart, "%s", msg);
			goto fail;
		}
		n->has_re = 1;
		break;
	}
	default:
		break;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct qnode *binary(enum qkind k, struct qnode *a, struct qnode *b)
{
	struct qnode *n = calloc(1, sizeof(*n));

	if (!n) {
		node_free(a);
		node_free(b);
		sli_err(SL_ENOMEM, "out of memory");
		return NULL;
	}
	n->kind = k;
	n->a = a;
	n->b = b;
	return n;
}

static struct qnode *parse_unary(struct parser *ps)
{
	struct qnode *n;
	size_t start;

	skip_blanks(ps);
	start = ps->p;
	if (++ps->depth > MAX_NEST) {
		perr(ps, start, "query nested too deeply%s", NULL);
		return NULL;
	}
	if (at_keyword(ps, "not")) {
		ps->p += 3;
		n = parse_unary(ps);
		n = n ? binary(Q_NOT, n, NULL) : NULL;
	} else if (ps->s[ps->p] == '(') {
		ps->p++;
		n = parse_or(ps);
		if (n) {
			skip_blanks(ps);
			if (ps->s[ps->p] != ')') {
				char buf[32];

				if (ps->s[ps->p]) {
					perr(ps, ps->p, "expected ')' or an "
					     "operator, found '%s'",
					     excerpt(ps, ps->p, buf,
						     sizeof(buf)));
				} else {
					snprintf(buf, sizeof(buf), "%zu",
						 start + 1);
					perr(ps, ps->p, "expected ')' to close "
					     "the '(' of column %s", buf);
				}
				node_free(n);
				n = NULL;
			} else {
				ps->p++;
			}
		}
	} else if (at_keyword(ps, "and") || at_keyword(ps, "or")) {
		char buf[32];

		perr(ps, start, "expected a field name, found '%s'",
		     excerpt(ps, start, buf, sizeof(buf)));
		n = NULL;
	} else {
		n = parse_test(ps);
	}
	ps->depth--;
	return n;
}

static struct qnode *parse_and(struct parser *ps)
{
	struct qnode *n = parse_unary(ps);

	while (n) {
		skip_blanks(ps);
		if (!at_keyword(ps, "and"))
			break;
		ps->p += 3;
		{
			struct qnode *b = parse_unary(ps);

			if (!b) {
				node_free(n);
				return NULL;
			}
			n = binary(Q_AND, n, b);
		}
	}
	return n;
}

static struct qnode *parse_or(struct parser *ps)
{
	struct qnode *n = parse_and(ps);

	while (n) {
		skip_blanks(ps);
		if (!at_keyword(ps, "or"))
			break;
		ps->p += 2;
		{
			struct qnode *b = parse_and(ps);

			if (!b) {
				node_free(n);
				return NULL;
			}
			n = binary(Q_OR, n, b);
		}
	}
	return n;
}

int sl_query_new(struct sl_query **qp, const char *text)
{
	struct parser ps = { text, 0, 0, 0 };
	struct sl_query *q;
	struct qnode *root;

	*qp = NULL;
	skip_blanks(&ps);
	if (!text[ps.p])
		return sli_err(SL_EINVAL, "query: empty query");
	root = parse_or(&ps);
	if (root) {
		skip_blanks(&ps);
		if (text[ps.p]) {
			char buf[32];

			perr(&ps, ps.p, "expected 'and', 'or' or the end, "
			     "found '%s'", excerpt(&ps, ps.p, buf,
						   sizeof(buf)));
			node_free(root);
			root = NULL;
		}
	}
	if (!root) {
		if (!ps.err)
			return SL_ENOMEM;
		return SL_EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		node_free(root);
		return sli_err(SL_ENOMEM, "out of memory");
	}
	q->magic = SLI_QUERY_MAGIC;
	q->root = root;
	*qp = q;
	return 0;
}

void sl_query_free(struct sl_query **qp)
{
	if (!*qp)
		return;
	node_free((*qp)->root);
	(*qp)->magic = 0;
	free(*qp);
	*qp = NULL;
}

/* ---------------------------------------------------------- evaluation */

/* The n-th blank-separated word of s into buf. */
static const char *nth_word(const char *s, int n, char *buf, size_t sz)
{
	for (int i = 1;; i++) {
		size_t len = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return NULL;
		while (s[len] && s[len] != ' ' && s[len] != '\t')
			len++;
		if (i == n) {
			if (len >= sz)
				len = sz - 1;
			memcpy(buf, s, len);
			buf[len] = 0;
			return buf;
		}
		s += len;
	}
}

static int compare(const struct qnode *n, const char *v)
{
	double d;
	int num;

	if (n->op == OP_EXIST)
		return 1;
	if (n->op == OP_RE)
		return regexec(&n->re, v, 0, NULL, 0) == 0;
	if (n->op == OP_NRE)
		return regexec(&n->re, v, 0, NULL, 0) != 0;
	num = n->is_num && parse_num(v, &d);
	switch (n->op) {
	case OP_EQ: return num ? d == n->nval : !strcmp(v, n->sval);
	case OP_NE: return num ? d != n->nval : strcmp(v, n->sval) != 0;
	case OP_LT: return num && d < n->nval;
	case OP_LE: return num && d <= n->nval;
	case OP_GT: return num && d > n->nval;
	case OP_GE: return num && d >= n->nval;
	default:    return 0;
	}
}

static int record_matches(const struct qnode *n, const struct sl_record *r)
{
	char wbuf[1024], nbuf[16];
	const char *v = r->data;

	if (n->tag == 0) {
		snprintf(nbuf, sizeof(nbuf), "%u", r->vxid);
		return compare(n, nbuf);
	}
	if (r->tag != n->tag)
		return 0;
	if (n->name) {
		size_t len = strlen(n->name);

		if (strncasecmp(v, n->name, len) || v[len] != ':')
			return 0;
		v += len + 1;
		while (*v == ' ' || *v == '\t')
			v++;
	}
	if (n->word && !(v = nth_word(v, n->word, wbuf, sizeof(wbuf))))
		return 0;
	return compare(n, v);
}

static int eval(const struct qnode *n, const struct sl_txn *const *txn,
		size_t nt)
{
	switch (n->kind) {
	case Q_AND:
		return eval(n->a, txn, nt) && eval(n->b, txn, nt);
	case Q_OR:
		return eval(n->a, txn, nt) || eval(n->b, txn, nt);
	case Q_NOT:
		return !eval(n->a, txn, nt);
	case Q_TEST:
		for (size_t i = 0; i < nt; i++) {
			if (n->tag == 0 && txn[i]->n_records == 0) {
				struct sl_record r = { 0, 0, txn[i]->vxid, 0,
						       "" };

				if (record_matches(n, &r))
					return 1;
				continue;
			}
			for (size_t j = 0; j < txn[i]->n_records; j++)
				if (record_matches(n, &txn[i]->records[j]))
					return 1;
		}
		return 0;
	}
	return 0;
}

int sl_query_match(const struct sl_query *q, const struct sl_txn *const *txn,
		   size_t n)
{
	return eval(q->root, txn, n);
}
