/* sluicelog: print (or save) the log records of a running sluice, grouped
 * by request, filtered by tag, transaction or query. It uses libsluice
 * only; see doc/tools.md for the options and the output format. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/sluice.h"

#define PROG "sluicelog"
#include "tool.h"

struct opts {
	const char *name;
	const char *read_file;
	const char *write_file;
	const char *query;
	double wait;
	int wait_set;
	int dump;
	enum sl_grouping mode;
	int with_session;
	double group_timeout;
	size_t max_txns;
	long long limit;          /* -k */
	long long vxid;           /* -V, -1 = all */
	unsigned char show[256];  /* tags printed */
};

struct state {
	struct opts *o;
	struct sl_writer *w;
	long long groups;
	int werr;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options]\n"
"Print the log records of a running sluice, grouped by request.\n"
"\n"
"  -n NAME     instance name (default \"sluice\"), or the path of its file\n"
"  -t SECONDS  wait this long for the instance, \"off\" = forever\n"
"              (default: forever when following, 5 with -d)\n"
"  -d          dump the whole ring, oldest first, then exit\n"
"  -g MODE     grouping: raw, vxid, request (default), session\n"
"  -s          with -g request: put each request's session first\n"
"  -i TAGS     print only these tags (comma-separated, globs: Req*)\n"
"  -x TAGS     do not print these tags\n"
"  -q QUERY    only groups that match, e.g. 'status >= 500'\n"
"  -V VXID     only groups holding this transaction\n"
"  -T SECONDS  deliver incomplete groups after this long (default 30)\n"
"  -L N        at most N transactions held while grouping (default 20000)\n"
"  -k N        stop after N groups\n"
"  -w FILE     write the records to FILE (binary; \"-\" = stdout)\n"
"  -r FILE     read records from FILE instead of an instance (\"-\" = stdin)\n"
"  -h          this help\n"
"Exit status: 0 done, 1 cannot read (no instance, bad version, corrupt\n"
"file), 2 bad usage. See doc/tools.md.\n");
}

/* -i / -x: tag names or globs, comma-separated. */
static void tag_list(unsigned char *show, const char *list, int on,
		     const char *opt)
{
	char *copy = strdup(list), *tok, *save = NULL;

	if (!copy)
		exit(1);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int hit = 0;

		for (unsigned t = 1; t < 256; t++) {
			const char *n = sl_tag_name(t);

			if (n && !fnmatch(tok, n, FNM_CASEFOLD)) {
				show[t] = (unsigned char)on;
				hit = 1;
			}
		}
		if (!hit) {
			fprintf(stderr, PROG ": %s: no tag matches '%s' "
				"(tags: ", opt, tok);
			for (unsigned t = 1, first = 1; t < 256; t++)
				if (sl_tag_name(t)) {
					fprintf(stderr, "%s%s", first ? "" :
						", ", sl_tag_name(t));
					first = 0;
				}
			fprintf(stderr, ")\n");
			exit(2);
		}
	}
	free(copy);
}

/* Output: a group is built in <out> and written with one fwrite. At full
 * rate the reader spends its time here: no printf, no stdio call per
 * piece. */
static struct {
	char *p;
	size_t len, cap;
} out;

/* Grows <out> for <n> more bytes (exits when memory runs out: nothing
 * sensible remains to do). */
static char *out_grow(size_t n)
{
	size_t cap = out.cap ? out.cap : 1 << 16;
	char *np;

	while (out.len + n > cap)
		cap *= 2;
	np = realloc(out.p, cap);
	if (!np) {
		fprintf(stderr, "sluicelog: out of memory\n");
		exit(1);
	}
	out.p = np;
	out.cap = cap;
	return out.p + out.len;
}

/* Room for <n> more bytes: never NULL, also for n == 0 (main() allocates
 * the buffer first), since the callers hand it to memcpy and memset, whose
 * pointers must be valid whatever the length. */
static inline char *out_room(size_t n)
{
	if (__builtin_expect(out.len + n <= out.cap, 1))
		return out.p + out.len;
	return out_grow(n);
}

static inline void out_put(const void *p, size_t n)
{
	memcpy(out_room(n), p, n);
	out.len += n;
}

static inline void out_putc(char c)
{
	*out_room(1) = c;
	out.len++;
}

static inline void out_puts(const char *s)
{
	out_put(s, strlen(s));
}

static inline void out_putu(uint32_t v)
{
	char b[10], *e = b + sizeof(b), *q = e;

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_put(q, (size_t)(e - q));
}

static inline void out_spaces(size_t n)
{
	memset(out_room(n), ' ', n);
	out.len += n;
}

/* Whether the 8 bytes of <x> hold a control byte (< 0x20 or 0x7f). */
static inline int has_ctl(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t del = x ^ (0x7f * ones);

	return (((x - 0x20 * ones) & ~x) | ((del - ones) & ~del)) & high ? 1 : 0;
}

/* The payload, with control bytes escaped so a line stays a line. */
static void put_payload(const struct sl_record *r)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)r->data;
	uint32_t i = 0, len = r->len;
	char *q = out_room((size_t)len * 4 + 1);

	for (;;) {
		/* runs without control bytes, a word at a time */
		while (i + 8 <= len) {
			uint64_t x;

			memcpy(&x, p + i, 8);
			if (has_ctl(x))
				break;
			memcpy(q, &x, 8);
			q += 8;
			i += 8;
		}
		if (i == len)
			break;
		if (len >= 8 && i + 8 > len) {
			/* the tail, as the payload's last word: bytes already
			 * copied are copied again, the same */
			uint64_t x;

			memcpy(&x, p + len - 8, 8);
			if (!has_ctl(x)) {
				memcpy(q - (i + 8 - len), &x, 8);
				q += len - i;
				break;
			}
		}
		unsigned char c = p[i++];

		if (c >= 0x20 && c != 0x7f) {
			*q++ = (char)c;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			*q++ = '\\';
			*q++ = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		} else {
			*q++ = '\\';
			*q++ = 'x';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 15];
		}
	}
	*q++ = '\n';
	out.len = (size_t)(q - out.p);
}

/* The label of a line, "<side> <tag name left-aligned in 15>", for each
 * side ('c', 'b', '-') and tag: built once, copied with one fixed-size
 * copy per line instead of strlen, memset and three small copies. */
#define LABEL_MAX 32
static struct {
	char s[LABEL_MAX];
	unsigned char len;
} labels[3][256];

static void labels_init(void)
{
	static const char sides[3] = { 'c', 'b', '-' };

	for (unsigned k = 0; k < 3; k++)
		for (unsigned t = 0; t < 256; t++) {
			const char *name = sl_tag_name(t) ? sl_tag_name(t) : "?";
			int n = snprintf(labels[k][t].s, LABEL_MAX, "%c %-15s",
					 sides[k], name);

			labels[k][t].len = (unsigned char)(n < LABEL_MAX ? n : LABEL_MAX - 1);
		}
}

static unsigned side(unsigned flags)
{
	return flags & SL_F_CLIENT ? 0 : flags & SL_F_BACKEND ? 1 : 2;
}

/* "<vxid right-aligned in 10> <label>", or the same with <indent> spaces
 * (at most INDENT_MAX) instead of the vxid. */
#define INDENT_MAX 64
static void put_head(size_t indent, int with_vxid, uint32_t vxid, unsigned flags,
		     unsigned tag)
{
	static const char spaces[INDENT_MAX] =
		"                                                                ";
	char *q = out_room(INDENT_MAX + LABEL_MAX);

	if (with_vxid) {
		char *e = q + 10;

		memcpy(q, spaces, 16);
		do {
			*--e = (char)('0' + vxid % 10);
			vxid /= 10;
		} while (vxid);
		q += 11;
	} else {
		memcpy(q, spaces, INDENT_MAX);
		q += indent < INDENT_MAX ? indent : INDENT_MAX;
	}
	memcpy(q, labels[side(flags)][tag & 255].s, LABEL_MAX);
	out.len = (size_t)(q - out.p) + labels[side(flags)][tag & 255].len;
}

static const char *type_name(enum sl_txn_type t)
{
	switch (t) {
	case SL_TXN_SESS:  return "sess";
	case SL_TXN_REQ:   return "req";
	case SL_TXN_BEREQ: return "bereq";
	default:           return "txn";
	}
}

static const char *why_name(enum sl_deliver why)
{
	switch (why) {
	case SL_DELIVER_TIMEOUT: return "timeout";
	case SL_DELIVER_MEMORY:  return "memory bound";
	case SL_DELIVER_FLUSH:   return "flushed";
	default:                 return "";
	}
}

static void print_group(const struct opts *o, const struct sl_txn *const *txn,
			size_t n, enum sl_deliver why)
{
	if (o->mode == SL_GROUP_RAW) {
		const struct sl_record *r = &txn[0]->records[0];

		if (!o->show[r->tag])
			return;
		put_head(0, 1, r->vxid, r->flags, r->tag);
		put_payload(r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sl_txn *t = txn[i];
		int ind = (int)t->level * 2;

		out_spaces((size_t)ind);
		out_puts(type_name(t->type));
		out_putc(' ');
		out_putu(t->vxid);
		if (t->parent) {
			out_puts(" parent ");
			out_putu(t->parent);
		}
		if (t->reason[0]) {
			out_putc(' ');
			out_puts(t->reason);
		}
		if (!t->complete) {
			out_puts(" [incomplete: ");
			out_puts(why == SL_DELIVER_COMPLETE ? "session still open" : why_name(why));
			out_putc(']');
		}
		out_putc('\n');
		for (size_t j = 0; j < t->n_records; j++) {
			const struct sl_record *r = &t->records[j];

			if (!o->show[r->tag])
				continue;
			put_head((size_t)ind + 4, 0, 0, r->flags, r->tag);
			put_payload(r);
		}
	}
	out_putc('\n');
}

static int on_group(void *priv, const struct sl_txn *const *txn, size_t n,
		    enum sl_deliver why)
{
	struct state *s = priv;
	const struct opts *o = s->o;

	if (o->vxid >= 0) {
		size_t i;

		for (i = 0; i < n && txn[i]->vxid != (uint32_t)o->vxid; i++)
			;
		if (i == n)
			return 0;
	}
	if (s->w) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < txn[i]->n_records; j++)
				if (sl_writer_put(s->w,
						  &txn[i]->records[j]) < 0) {
					s->werr = 1;
					return 1;
				}
	} else {
		out.len = 0;
		print_group(o, txn, n, why);
		if (out.len)
			fwrite_unlocked(out.p, 1, out.len, stdout);
		if (ferror(stdout)) {
			s->werr = 1;
			return 1;
		}
	}
	if (o->limit > 0 && ++s->groups >= o->limit)
		return 1;
	return 0;
}

static void on_notice(void *priv, enum sl_event ev, const char *msg)
{
	struct state *s = priv;

	if (ev == SL_EV_IDLE) {
		if (s->w)
			sl_writer_flush(s->w);
		fflush(stdout);
		return;
	}
	fflush(stdout);
	fprintf(stderr, PROG ": %s\n", msg);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	struct state s;
	struct sl_follow_opts fo;
	struct sl_query *q = NULL;
	struct sigaction sa;
	int c, ret;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.mode = SL_GROUP_REQUEST;
	o.vxid = -1;
	labels_init();
	memset(o.show, 1, sizeof(o.show));
	{
		int incl = 0;

		while ((c = getopt_long(argc, argv, "n:t:dg:si:x:q:V:T:L:k:w:r:h",
					longopts, NULL)) != -1) {
			switch (c) {
			case 'n': o.name = optarg; break;
			case 't':
				o.wait = parse_seconds(optarg, "-t", 1);
				o.wait_set = 1;
				break;
			case 'd': o.dump = 1; break;
			case 'g':
				if (!strcmp(optarg, "raw"))
					o.mode = SL_GROUP_RAW;
				else if (!strcmp(optarg, "vxid"))
					o.mode = SL_GROUP_VXID;
				else if (!strcmp(optarg, "request"))
					o.mode = SL_GROUP_REQUEST;
				else if (!strcmp(optarg, "session"))
					o.mode = SL_GROUP_SESSION;
				else
					die_usage("-g: expected raw, vxid, "
						  "request or session, not "
						  "'%s'", optarg);
				break;
			case 's': o.with_session = 1; break;
			case 'i':
				if (!incl)
					memset(o.show, 0, sizeof(o.show));
				incl = 1;
				tag_list(o.show, optarg, 1, "-i");
				break;
			case 'x': tag_list(o.show, optarg, 0, "-x"); break;
			case 'q': o.query = optarg; break;
			case 'V': o.vxid = parse_count(optarg, "-V"); break;
			case 'T':
				o.group_timeout = parse_seconds(optarg, "-T", 1);
				if (o.group_timeout <= 0)
					die_usage("%s: expected a positive "
						  "number of seconds", "-T");
				break;
			case 'L':
				o.max_txns = (size_t)parse_count(optarg, "-L");
				break;
			case 'k': o.limit = parse_count(optarg, "-k"); break;
			case 'w': o.write_file = optarg; break;
			case 'r': o.read_file = optarg; break;
			case 'h': usage(stdout); return 0;
			default:  usage(stderr); return 2;
			}
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!o.wait_set)
		o.wait = o.dump ? 5 : -1;
	/* -w without a filter keeps every record, in log order */
	if (o.write_file && !o.query && o.vxid < 0)
		o.mode = SL_GROUP_RAW;
	if (o.query && sl_query_new(&q, o.query) < 0) {
		fprintf(stderr, PROG ": %s\n  %s\n", sl_last_error(), o.query);
		return 2;
	}
	if (o.write_file && sl_writer_open(&s.w, o.write_file,
					   o.read_file ? o.read_file :
					   o.name ? o.name : "sluice") < 0) {
		fprintf(stderr, PROG ": %s\n", sl_last_error());
		sl_query_free(&q);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 18);
	out_grow(0);                 /* out.p is never NULL from here on */

	s.o = &o;
	memset(&fo, 0, sizeof(fo));
	fo.name = o.name;
	fo.file = o.read_file;
	fo.wait = o.wait;
	fo.dump = o.dump;
	fo.group.mode = o.mode;
	fo.group.timeout = o.group_timeout;
	fo.group.max_txns = o.max_txns;
	fo.group.with_session = o.with_session;
	fo.query = q;
	fo.cb = on_group;
	fo.notice = on_notice;
	fo.priv = &s;
	fo.stop = &stop_flag;
	ret = sl_follow(&fo);
	fflush(stdout);
	if (ret < 0)
		fprintf(stderr, PROG ": %s\n", sl_last_error());
	if (s.w && sl_writer_close(&s.w) < 0) {
		fprintf(stderr, PROG ": %s\n", sl_last_error());
		s.werr = 1;
	}
	if (s.werr && ret >= 0)
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
	sl_query_free(&q);
	return ret < 0 || s.werr ? 1 : 0;
}
