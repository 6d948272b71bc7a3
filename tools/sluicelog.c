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

/* The payload, with control bytes escaped so a line stays a line. Runs
 * of printable bytes go out in one write. */
static void put_payload(const struct sl_record *r)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)r->data;
	uint32_t start = 0;

	for (uint32_t i = 0; i < r->len; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		if (i > start)
			fwrite_unlocked(p + start, 1, i - start, stdout);
		start = i + 1;
		if (c == '\t') {
			fputs("\\t", stdout);
		} else if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c == '\r') {
			fputs("\\r", stdout);
		} else {
			putchar_unlocked('\\');
			putchar_unlocked('x');
			putchar_unlocked(hex[c >> 4]);
			putchar_unlocked(hex[c & 15]);
		}
	}
	if (r->len > start)
		fwrite_unlocked(p + start, 1, r->len - start, stdout);
	putchar_unlocked('\n');
}

/* "<vxid right-aligned in 10> <side> <tag left-aligned in 14> ", without
 * printf: this is most of the output. */
static void put_head(int indent, int with_vxid, uint32_t vxid, char sidec,
		     const char *name)
{
	char buf[64], *e = buf + sizeof(buf), *p = e;
	size_t n = strlen(name);

	if (with_vxid) {
		do {
			*--p = (char)('0' + vxid % 10);
			vxid /= 10;
		} while (vxid);
		while (e - p < 10)
			*--p = ' ';
		fwrite_unlocked(p, 1, (size_t)(e - p), stdout);
		putchar_unlocked(' ');
	} else {
		for (int i = 0; i < indent; i++)
			putchar_unlocked(' ');
	}
	putchar_unlocked(sidec);
	putchar_unlocked(' ');
	fwrite_unlocked(name, 1, n, stdout);
	for (; n < 15; n++)
		putchar_unlocked(' ');
}

static char side(unsigned flags)
{
	return flags & SL_F_CLIENT ? 'c' : flags & SL_F_BACKEND ? 'b' : '-';
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
		const char *name = sl_tag_name(r->tag);

		if (!o->show[r->tag])
			return;
		put_head(0, 1, r->vxid, side(r->flags), name ? name : "?");
		put_payload(r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sl_txn *t = txn[i];
		int ind = (int)t->level * 2;

		printf("%*s%s %u", ind, "", type_name(t->type), t->vxid);
		if (t->parent)
			printf(" parent %u", t->parent);
		if (t->reason[0])
			printf(" %s", t->reason);
		if (!t->complete)
			printf(" [incomplete: %s]", why == SL_DELIVER_COMPLETE ?
			       "session still open" : why_name(why));
		putchar_unlocked('\n');
		for (size_t j = 0; j < t->n_records; j++) {
			const struct sl_record *r = &t->records[j];
			const char *name = sl_tag_name(r->tag);

			if (!o->show[r->tag])
				continue;
			put_head(ind + 4, 0, 0, side(r->flags),
				 name ? name : "?");
			put_payload(r);
		}
	}
	putchar_unlocked('\n');
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
		print_group(o, txn, n, why);
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
