/* sluicencsa: one line per request from a running sluice's log, in Apache's
 * combined log format, a custom format (-F) or JSON (--json). It uses
 * libsluice only; see doc/tools.md for the format directives. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sluice/sluice.h"

#define PROG "sluicencsa"
#include "tool.h"
#define COMBINED "%h %l %u %t \"%r\" %s %b \"%{Referer}i\" \"%{User-agent}i\""

/* One compiled format directive. */
enum dkind {
	D_TEXT, D_CLIENT, D_DASH, D_USER, D_TIME, D_TIMEFMT, D_REQLINE,
	D_STATUS, D_BYTES_CLF, D_BYTES, D_DUR_US, D_DUR_S, D_REQHDR,
	D_RESPHDR, D_METHOD, D_PATH, D_QUERY, D_PROTO, D_IN, D_OUT, D_VAR,
};

enum var {
	V_VXID, V_BACKEND, V_SERVER, V_FRONTEND, V_CLIENT_PORT, V_BESTATUS,
	V_TIMESTAMP,
};

struct directive {
	enum dkind kind;
	char *arg;               /* text, header name, time format, label */
	enum var var;
};

struct fmt {
	struct directive *d;
	size_t n;
};

/* What a request group says, gathered once per group. */
struct reqinfo {
	const struct sl_txn *req;
	const struct sl_txn *bereq;
	const char *client, *client_port, *frontend;
	const char *method, *url, *proto;
	const char *status;
	const char *backend;     /* whole Backend payload */
	double start;            /* Timestamp Start, unix */
	double duration;         /* seconds, -1 unknown */
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options]\n"
"One line per request of a running sluice, Apache combined format by default.\n"
"\n"
"  -n NAME     instance name (default \"sluice\"), or the path of its file\n"
"  -t SECONDS  wait this long for the instance, \"off\" = forever\n"
"              (default: forever when following, 5 with -d)\n"
"  -d          read the whole ring, oldest first, then exit\n"
"  -F FORMAT   custom format (see doc/tools.md), e.g. '%%h %%r %%s %%D'\n"
"  --json      one JSON object per request, typed fields\n"
"  -q QUERY    only requests that match, e.g. 'status >= 500'\n"
"  -T SECONDS  log incomplete requests after this long (default 30)\n"
"  -k N        stop after N lines\n"
"  -r FILE     read a binary log file (sluicelog -w) instead\n"
"  -h          this help\n"
"Directives: %%h %%l %%u %%t %%{strftime}t %%r %%s %%b %%B %%D %%T %%I %%O\n"
"%%{Header}i %%{Header}o %%m %%U %%q %%H %%{vxid|backend|server|frontend|\n"
"client_port|bestatus|Timestamp:Label}x %%%%.\n"
"Exit status: 0 done, 1 cannot read, 2 bad usage.\n");
}

/* ---------------------------------------------------------------- format */

static void add(struct fmt *f, enum dkind k, const char *arg, size_t alen)
{
	struct directive *d;

	f->d = realloc(f->d, (f->n + 1) * sizeof(*f->d));
	if (!f->d)
		exit(1);
	d = &f->d[f->n++];
	memset(d, 0, sizeof(*d));
	d->kind = k;
	if (arg) {
		d->arg = malloc(alen + 1);
		if (!d->arg)
			exit(1);
		memcpy(d->arg, arg, alen);
		d->arg[alen] = 0;
	}
}

static void fmt_error(const char *msg, const char *s, size_t col)
{
	fprintf(stderr, PROG ": -F: %s at column %zu\n  %s\n  %*s^\n", msg,
		col + 1, s, (int)col, "");
	exit(2);
}

static void compile(struct fmt *f, const char *s)
{
	static const struct { char c; enum dkind k; } simple[] = {
		{ 'h', D_CLIENT }, { 'l', D_DASH }, { 'u', D_USER },
		{ 't', D_TIME }, { 'r', D_REQLINE }, { 's', D_STATUS },
		{ 'b', D_BYTES_CLF }, { 'B', D_BYTES }, { 'D', D_DUR_US },
		{ 'T', D_DUR_S }, { 'm', D_METHOD }, { 'U', D_PATH },
		{ 'q', D_QUERY }, { 'H', D_PROTO }, { 'I', D_IN },
		{ 'O', D_OUT },
	};
	size_t i = 0;

	while (s[i]) {
		size_t start = i;

		if (s[i] == '\\' && s[i + 1]) {
			char c = s[i + 1] == 'n' ? '\n' : s[i + 1] == 't' ?
				 '\t' : s[i + 1];

			add(f, D_TEXT, &c, 1);
			i += 2;
			continue;
		}
		if (s[i] != '%') {
			while (s[i] && s[i] != '%' && s[i] != '\\')
				i++;
			add(f, D_TEXT, s + start, i - start);
			continue;
		}
		i++;
		if (s[i] == '%') {
			add(f, D_TEXT, "%", 1);
			i++;
			continue;
		}
		if (s[i] == '{') {
			const char *close = strchr(s + i, '}');
			const char *arg = s + i + 1;
			size_t alen;
			char k;

			if (!close)
				fmt_error("missing '}'", s, i);
			alen = (size_t)(close - arg);
			k = close[1];
			i = (size_t)(close - s) + 2;
			if (k == 'i' || k == 'o') {
				if (!alen)
					fmt_error("empty header name", s, start);
				add(f, k == 'i' ? D_REQHDR : D_RESPHDR, arg,
				    alen);
			} else if (k == 't') {
				add(f, D_TIMEFMT, arg, alen);
			} else if (k == 'x') {
				static const struct { const char *n; enum var v; }
				vars[] = {
					{ "vxid", V_VXID },
					{ "backend", V_BACKEND },
					{ "server", V_SERVER },
					{ "frontend", V_FRONTEND },
					{ "client_port", V_CLIENT_PORT },
					{ "bestatus", V_BESTATUS },
				};
				size_t j;

				add(f, D_VAR, arg, alen);
				if (alen > 10 && !strncmp(arg, "Timestamp:", 10)) {
					f->d[f->n - 1].var = V_TIMESTAMP;
					continue;
				}
				for (j = 0; j < sizeof(vars) / sizeof(vars[0]);
				     j++)
					if (strlen(vars[j].n) == alen &&
					    !strncmp(vars[j].n, arg, alen))
						break;
				if (j == sizeof(vars) / sizeof(vars[0]))
					fmt_error("unknown %{...}x variable "
						  "(vxid, backend, server, "
						  "frontend, client_port, "
						  "bestatus, Timestamp:Label)",
						  s, start);
				f->d[f->n - 1].var = vars[j].v;
			} else {
				fmt_error("expected i, o, t or x after "
					  "'%{...}'", s, i - 1);
			}
			continue;
		}
		{
			size_t j;

			for (j = 0; j < sizeof(simple) / sizeof(simple[0]);
			     j++)
				if (simple[j].c == s[i])
					break;
			if (!s[i] || j == sizeof(simple) / sizeof(simple[0]))
				fmt_error("unknown directive", s, start);
			add(f, simple[j].k, NULL, 0);
			i++;
		}
	}
}

/* -------------------------------------------------------- request facts */

/* The n-th word of s (1-based) into buf; NULL if there is none. */
static const char *word(const char *s, int n, char *buf, size_t sz)
{
	if (!s)
		return NULL;
	for (int i = 1;; i++) {
		size_t len = 0;

		while (*s == ' ')
			s++;
		if (!*s)
			return NULL;
		while (s[len] && s[len] != ' ')
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

static const char *find(const struct sl_txn *t, unsigned tag,
			const char *name)
{
	const char *v = NULL;

	if (t && sl_txn_find(t, tag, name, &v))
		return v;
	return NULL;
}

/* The "since start" seconds of a Timestamp label; -1 if absent. */
static double since_start(const struct sl_txn *t, const char *label)
{
	char buf[64];
	const char *v = find(t, SL_TAG_Timestamp, label);

	if (!v || !word(v, 2, buf, sizeof(buf)))
		return -1;
	return strtod(buf, NULL);
}

static void gather(struct reqinfo *ri, const struct sl_txn *const *txn,
		   size_t n)
{
	static char cl[128], port[16], fe[128];
	const char *v;
	char buf[64];

	memset(ri, 0, sizeof(*ri));
	for (size_t i = 0; i < n; i++) {
		if (txn[i]->type == SL_TXN_REQ && !ri->req)
			ri->req = txn[i];
		else if (txn[i]->type == SL_TXN_BEREQ && !ri->bereq)
			ri->bereq = txn[i];
	}
	if (!ri->req)
		return;
	v = find(ri->req, SL_TAG_ReqStart, NULL);
	ri->client = word(v, 1, cl, sizeof(cl));
	ri->client_port = word(v, 2, port, sizeof(port));
	ri->frontend = word(v, 3, fe, sizeof(fe));
	ri->method = find(ri->req, SL_TAG_ReqMethod, NULL);
	ri->url = find(ri->req, SL_TAG_ReqURL, NULL);
	ri->proto = find(ri->req, SL_TAG_ReqProtocol, NULL);
	ri->status = find(ri->req, SL_TAG_RespStatus, NULL);
	ri->backend = find(ri->req, SL_TAG_Backend, NULL);
	if (!ri->backend)
		ri->backend = find(ri->bereq, SL_TAG_Backend, NULL);
	ri->start = -1;
	v = find(ri->req, SL_TAG_Timestamp, "Start");
	if (v && word(v, 1, buf, sizeof(buf)))
		ri->start = strtod(buf, NULL);
	ri->duration = since_start(ri->req, "Resp");
	if (ri->duration < 0)
		ri->duration = since_start(ri->req, "End");
}

/* Body bytes sent (RespAcct second word), -1 if unknown. */
static long long acct_field(const struct sl_txn *t, unsigned tag, int w)
{
	char buf[32];
	const char *v = find(t, tag, NULL);

	if (!v || !word(v, w, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/* ---------------------------------------------------------------- output */

/* A value in a log line: quotes, backslashes and control bytes escaped;
 * "-" when absent. */
static void put_esc(const char *s)
{
	if (!s || !*s) {
		putchar_unlocked('-');
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar_unlocked(c);
	}
}

static void put_time(double t, const char *fmt)
{
	char buf[256];
	struct tm tm;
	time_t sec;

	if (t < 0) {
		fputs(fmt ? "-" : "[-]", stdout);
		return;
	}
	sec = (time_t)t;
	localtime_r(&sec, &tm);
	if (!strftime(buf, sizeof(buf), fmt ? fmt : "[%d/%b/%Y:%H:%M:%S %z]",
		      &tm))
		buf[0] = 0;
	fputs(buf, stdout);
}

/* Basic authentication user name, decoded; NULL if none. */
static const char *basic_user(const struct sl_txn *req, char *out, size_t sz)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *v = find(req, SL_TAG_ReqHeader, "Authorization");
	unsigned acc = 0, bits = 0;
	size_t n = 0;

	if (!v || strncasecmp(v, "Basic ", 6))
		return NULL;
	for (v += 6; *v == ' '; v++)
		;
	for (; *v && *v != '=' && n + 1 < sz; v++) {
		const char *p = strchr(b64, *v);

		if (!p || !*v)
			return NULL;
		acc = acc << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = 0;
	if (!(v = memchr(out, ':', n)))
		return NULL;
	out[v - out] = 0;
	return out;
}

static void put_var(const struct directive *d, const struct reqinfo *ri)
{
	char buf[256];
	const char *v = NULL;

	switch (d->var) {
	case V_VXID:
		printf("%u", ri->req->vxid);
		return;
	case V_BACKEND:
		v = word(ri->backend, 1, buf, sizeof(buf));
		break;
	case V_SERVER:
		v = word(ri->backend, 2, buf, sizeof(buf));
		break;
	case V_FRONTEND:
		v = ri->frontend;
		break;
	case V_CLIENT_PORT:
		v = ri->client_port;
		break;
	case V_BESTATUS:
		v = find(ri->bereq, SL_TAG_BerespStatus, NULL);
		break;
	case V_TIMESTAMP: {
		double s = since_start(ri->req, d->arg + 10);

		if (s >= 0) {
			printf("%.6f", s);
			return;
		}
		break;
	}
	}
	put_esc(v);
}

static void line(const struct fmt *f, const struct reqinfo *ri)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct directive *d = &f->d[i];
		char buf[256];
		long long b;

		switch (d->kind) {
		case D_TEXT:    fputs(d->arg, stdout); break;
		case D_CLIENT:  put_esc(ri->client); break;
		case D_DASH:    putchar_unlocked('-'); break;
		case D_USER:
			put_esc(basic_user(ri->req, buf, sizeof(buf)));
			break;
		case D_TIME:    put_time(ri->start, NULL); break;
		case D_TIMEFMT: put_time(ri->start, d->arg); break;
		case D_REQLINE:
			put_esc(ri->method);
			putchar_unlocked(' ');
			put_esc(ri->url);
			putchar_unlocked(' ');
			put_esc(ri->proto);
			break;
		case D_STATUS:  put_esc(ri->status); break;
		case D_BYTES_CLF:
		case D_BYTES:
			b = acct_field(ri->req, SL_TAG_RespAcct, 2);
			if (b > 0 || (b == 0 && d->kind == D_BYTES))
				printf("%lld", b);
			else
				putchar_unlocked(d->kind == D_BYTES ? '0' : '-');
			break;
		case D_DUR_US:
			if (ri->duration >= 0)
				printf("%lld", (long long)(ri->duration * 1e6));
			else
				putchar_unlocked('-');
			break;
		case D_DUR_S:
			if (ri->duration >= 0)
				printf("%lld", (long long)ri->duration);
			else
				putchar_unlocked('-');
			break;
		case D_REQHDR:
			put_esc(find(ri->req, SL_TAG_ReqHeader, d->arg));
			break;
		case D_RESPHDR:
			put_esc(find(ri->req, SL_TAG_RespHeader, d->arg));
			break;
		case D_METHOD:  put_esc(ri->method); break;
		case D_PATH:
			if (ri->url) {
				size_t n = strcspn(ri->url, "?");

				snprintf(buf, sizeof(buf), "%.*s", (int)n,
					 ri->url);
				put_esc(buf);
			} else {
				putchar_unlocked('-');
			}
			break;
		case D_QUERY:
			if (ri->url && strchr(ri->url, '?'))
				put_esc(strchr(ri->url, '?'));
			break;
		case D_PROTO:   put_esc(ri->proto); break;
		case D_IN:
			b = acct_field(ri->req, SL_TAG_ReqAcct, 3);
			b >= 0 ? printf("%lld", b) : putchar_unlocked('-');
			break;
		case D_OUT:
			b = acct_field(ri->req, SL_TAG_RespAcct, 3);
			b >= 0 ? printf("%lld", b) : putchar_unlocked('-');
			break;
		case D_VAR:     put_var(d, ri); break;
		}
	}
	putchar_unlocked('\n');
}

/* A JSON string, or null. */
static void js(const char *key, const char *v, int *first)
{
	printf("%s\"%s\":", *first ? "" : ",", key);
	*first = 0;
	if (!v) {
		fputs("null", stdout);
		return;
	}
	putchar_unlocked('"');
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar_unlocked(c);
	}
	putchar_unlocked('"');
}

/* A JSON integer from text, or null when it is not one. */
static void jint(const char *key, const char *v, int *first)
{
	char *end;
	long long n;

	printf("%s\"%s\":", *first ? "" : ",", key);
	*first = 0;
	if (v) {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (end != v && !*end && !errno) {
			printf("%lld", n);
			return;
		}
	}
	fputs("null", stdout);
}

static void jnum(const char *key, long long v, int ok, int *first)
{
	printf("%s\"%s\":", *first ? "" : ",", key);
	*first = 0;
	if (ok)
		printf("%lld", v);
	else
		fputs("null", stdout);
}

static void json(const struct reqinfo *ri, enum sl_deliver why)
{
	char b1[256], b2[256], tbuf[64], ubuf[256];
	long long b;
	int first = 1;

	putchar_unlocked('{');
	jnum("vxid", ri->req->vxid, 1, &first);
	printf(",\"timestamp\":");
	if (ri->start >= 0) {
		struct tm tm;
		time_t sec = (time_t)ri->start;

		printf("%.6f", ri->start);
		gmtime_r(&sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		js("time", tbuf, &first);
	} else {
		fputs("null", stdout);
		js("time", NULL, &first);
	}
	js("client", ri->client, &first);
	jint("client_port", ri->client_port, &first);
	js("frontend", ri->frontend, &first);
	js("user", basic_user(ri->req, ubuf, sizeof(ubuf)), &first);
	js("method", ri->method, &first);
	js("url", ri->url, &first);
	js("protocol", ri->proto, &first);
	jint("status", ri->status, &first);
	b = acct_field(ri->req, SL_TAG_RespAcct, 2);
	jnum("bytes", b, b >= 0, &first);
	b = acct_field(ri->req, SL_TAG_ReqAcct, 3);
	jnum("bytes_in", b, b >= 0, &first);
	b = acct_field(ri->req, SL_TAG_RespAcct, 3);
	jnum("bytes_out", b, b >= 0, &first);
	jnum("duration_us", (long long)(ri->duration * 1e6),
	     ri->duration >= 0, &first);
	js("backend", word(ri->backend, 1, b1, sizeof(b1)), &first);
	js("server", word(ri->backend, 2, b2, sizeof(b2)), &first);
	jint("backend_status", find(ri->bereq, SL_TAG_BerespStatus, NULL),
	     &first);
	js("host", find(ri->req, SL_TAG_ReqHeader, "Host"), &first);
	js("referer", find(ri->req, SL_TAG_ReqHeader, "Referer"), &first);
	js("user_agent", find(ri->req, SL_TAG_ReqHeader, "User-Agent"),
	   &first);
	printf(",\"complete\":%s}\n", why == SL_DELIVER_COMPLETE ? "true" :
	       "false");
}

/* ------------------------------------------------------------------ main */

struct state {
	const struct fmt *fmt;
	int json;
	long long limit, lines;
};

static int on_group(void *priv, const struct sl_txn *const *txn, size_t n,
		    enum sl_deliver why)
{
	struct state *s = priv;
	struct reqinfo ri;

	gather(&ri, txn, n);
	if (!ri.req)
		return 0;
	if (s->json)
		json(&ri, why);
	else
		line(s->fmt, &ri);
	if (ferror(stdout))
		return 1;
	if (s->limit > 0 && ++s->lines >= s->limit)
		return 1;
	return 0;
}

static void on_notice(void *priv, enum sl_event ev, const char *msg)
{
	(void)priv;
	fflush(stdout);
	if (ev != SL_EV_IDLE)
		fprintf(stderr, PROG ": %s\n", msg);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *file = NULL, *format = NULL, *query = NULL;
	double wait = 0, gtimeout = 0;
	int wait_set = 0, dump = 0, c, ret;
	struct sl_follow_opts fo;
	struct sl_query *q = NULL;
	struct state s;
	struct fmt f;
	struct sigaction sa;

	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	while ((c = getopt_long(argc, argv, "n:t:dF:q:T:k:r:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 't':
			wait = parse_seconds(optarg, "-t", 1);
			wait_set = 1;
			break;
		case 'd': dump = 1; break;
		case 'F': format = optarg; break;
		case 'J': s.json = 1; break;
		case 'q': query = optarg; break;
		case 'T':
			gtimeout = parse_seconds(optarg, "-T", 1);
			if (gtimeout <= 0)
				die_usage("%s: expected a positive number of "
					  "seconds", "-T");
			break;
		case 'k': {
			char *end;

			s.limit = strtoll(optarg, &end, 10);
			if (end == optarg || *end || s.limit < 0)
				die_usage("-k: expected a non-negative "
					  "integer, not '%s'", optarg);
			break;
		}
		case 'r': file = optarg; break;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (format && s.json)
		die_usage("choose -F or --json, not both%s", "");
	compile(&f, format ? format : COMBINED);
	s.fmt = &f;
	if (!wait_set)
		wait = dump ? 5 : -1;
	if (query && sl_query_new(&q, query) < 0) {
		fprintf(stderr, PROG ": %s\n  %s\n", sl_last_error(), query);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	memset(&fo, 0, sizeof(fo));
	fo.name = name;
	fo.file = file;
	fo.wait = wait;
	fo.dump = dump;
	fo.group.mode = SL_GROUP_REQUEST;
	fo.group.timeout = gtimeout;
	fo.query = q;
	fo.cb = on_group;
	fo.notice = on_notice;
	fo.priv = &s;
	fo.stop = &stop_flag;
	ret = sl_follow(&fo);
	fflush(stdout);
	if (ret < 0)
		fprintf(stderr, PROG ": %s\n", sl_last_error());
	sl_query_free(&q);
	for (size_t i = 0; i < f.n; i++)
		free(f.d[i].arg);
	free(f.d);
	return ret < 0 || ferror(stdout) ? 1 : 0;
}
