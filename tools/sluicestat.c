/* sluicestat: the counters of a running sluice, once as text (-1), JSON
 * (-j), Prometheus text (--prometheus), or live on a terminal (ncurses)
 * with per-second rates. It uses libsluice only; see doc/tools.md. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "sluice/sluice.h"

#define PROG "sluicestat"
#include "tool.h"

enum mode { M_LIVE, M_ONCE, M_JSON, M_PROM, M_SECTIONS };

struct opts {
	const char *name;
	double wait;
	int wait_set;
	double interval;
	enum mode mode;
	char **globs;            /* -f, a leading '^' excludes */
	size_t nglobs;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options]\n"
"The counters of a running sluice: live on a terminal by default.\n"
"\n"
"  -n NAME       instance name (default \"sluice\"), or the path of its file\n"
"  -t SECONDS    wait this long for the instance, \"off\" = forever\n"
"                (default: forever for the live view, 5 otherwise)\n"
"  -1            print every counter once as text and exit:\n"
"                NAME VALUE AVERAGE-PER-SECOND DESCRIPTION\n"
"  -j, --json    print once as JSON and exit\n"
"  --prometheus  print once in Prometheus text exposition format and exit\n"
"  --sections    list the sections of the shared-memory file and exit\n"
"  -f GLOB       only counters whose name (type.ident.field) matches;\n"
"                repeatable; '^GLOB' excludes\n"
"  -i SECONDS    live view refresh interval (default 1)\n"
"  -h            this help\n"
"Live view keys: q quit, arrows/PgUp/PgDn/Home/End scroll, z hide zeros.\n"
"Exit status: 0 done, 1 cannot read (no instance, bad version, corrupt\n"
"file), 2 bad usage.\n");
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void full_name(const struct sl_counter *c, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s.%s.%s", c->type, c->ident, c->name);
}

static int wanted(const struct opts *o, const struct sl_counter *c)
{
	char name[256];
	int any_incl = 0, in = 0;

	if (!o->nglobs)
		return 1;
	full_name(c, name, sizeof(name));
	for (size_t i = 0; i < o->nglobs; i++) {
		const char *g = o->globs[i];

		if (g[0] == '^') {
			if (!fnmatch(g + 1, name, 0))
				return 0;
		} else {
			any_incl = 1;
			if (!fnmatch(g, name, 0))
				in = 1;
		}
	}
	return !any_incl || in;
}

static int attach(const struct opts *o, struct sl_shm **shm)
{
	int ret = sl_open(shm, o->name, 0);

	if ((ret == SL_ENOENT || ret == SL_ENOTREADY || ret == SL_EBUSY) &&
	    o->wait != 0) {
		char path[4096];

		if (sl_resolve(o->name, path, sizeof(path)) == 0 &&
		    o->name && strchr(o->name, '/'))
			fprintf(stderr, PROG ": waiting for instance file "
				"%s\n", path);
		else if (sl_resolve(o->name, path, sizeof(path)) == 0)
			fprintf(stderr, PROG ": waiting for instance '%s' "
				"(%s)\n", o->name ? o->name : "sluice", path);
		ret = sl_open_wait(shm, o->name, 0, o->wait);
	}
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", sl_last_error());
		return ret;
	}
	return 0;
}

static void reading(const struct sl_shm *shm)
{
	struct sl_info in;

	sl_info(shm, &in);
	if (!in.instance[0] || strchr(in.instance, '/'))
		fprintf(stderr, PROG ": reading instance file %s (pid %lld%s)\n",
			in.path, (long long)in.master_pid,
			in.alive ? "" : ", not running: its last state");
	else
		fprintf(stderr, PROG ": reading instance '%s' from %s "
			"(pid %lld%s)\n", in.instance, in.path,
			(long long)in.master_pid,
			in.alive ? "" : ", not running: its last state");
}

/* ------------------------------------------------------------ one shot */

static void print_once(const struct opts *o, const struct sl_shm *shm,
		       const struct sl_counters *cs)
{
	struct sl_info in;
	double up;

	sl_info(shm, &in);
	up = sl_counters_time(cs) - (double)in.created;
	for (size_t i = 0; i < sl_counters_len(cs); i++) {
		const struct sl_counter *c = sl_counters_at(cs, i);
		char name[256];

		if (!wanted(o, c))
			continue;
		full_name(c, name, sizeof(name));
		if (c->kind == SL_KIND_GAUGE || up <= 0)
			printf("%-44s %14llu %14s  %s\n", name,
			       (unsigned long long)c->value, ".", c->doc);
		else
			printf("%-44s %14llu %14.2f  %s\n", name,
			       (unsigned long long)c->value,
			       (double)c->value / up, c->doc);
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const struct opts *o, const struct sl_shm *shm,
		       const struct sl_counters *cs)
{
	struct sl_info in;
	int first = 1;

	sl_info(shm, &in);
	printf("{\"instance\":");
	json_str(in.instance);
	printf(",\"path\":");
	json_str(in.path);
	printf(",\"pid\":%lld,\"created\":%lld,\"timestamp\":%.6f,"
	       "\"counters\":{", (long long)in.master_pid,
	       (long long)in.created, sl_counters_time(cs));
	for (size_t i = 0; i < sl_counters_len(cs); i++) {
		const struct sl_counter *c = sl_counters_at(cs, i);
		char name[256];

		if (!wanted(o, c))
			continue;
		full_name(c, name, sizeof(name));
		printf("%s\n", first ? "" : ",");
		first = 0;
		json_str(name);
		printf(":{\"type\":");
		json_str(c->type);
		printf(",\"ident\":");
		json_str(c->ident);
		printf(",\"field\":");
		json_str(c->name);
		printf(",\"kind\":\"%s\",\"value\":%llu,\"description\":",
		       c->kind == SL_KIND_GAUGE ? "gauge" : "counter",
		       (unsigned long long)c->value);
		json_str(c->doc);
		putchar('}');
	}
	printf("\n}}\n");
}

/* A Prometheus metric name part: [a-zA-Z0-9_], others become '_'. */
static void prom_name(char *dst, size_t sz, const struct sl_counter *c)
{
	size_t n = 0;
	int len = snprintf(dst, sz, "sluice_%s_%s", c->type, c->name);

	if (len < 0)
		dst[0] = 0;
	for (char *p = dst; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9' && n > 0) || *p == '_'))
			*p = '_';
}

static void prom_escape(const char *s, int label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '"' && label)
			fputs("\\\"", stdout);
		else
			putchar(*s);
	}
}

/* Families (type + field) are printed once each, with every ident. */
static void print_prom(const struct opts *o, const struct sl_counters *cs)
{
	size_t n = sl_counters_len(cs);
	unsigned char *done = calloc(n ? n : 1, 1);

	if (!done)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		const struct sl_counter *c = sl_counters_at(cs, i);
		char name[256];

		if (done[i] || !wanted(o, c))
			continue;
		prom_name(name, sizeof(name), c);
		printf("# HELP %s ", name);
		prom_escape(c->doc, 0);
		printf("\n# TYPE %s %s\n", name,
		       c->kind == SL_KIND_GAUGE ? "gauge" : "counter");
		for (size_t j = i; j < n; j++) {
			const struct sl_counter *d = sl_counters_at(cs, j);
			char dn[256];

			if (done[j] || !wanted(o, d))
				continue;
			prom_name(dn, sizeof(dn), d);
			if (strcmp(dn, name))
				continue;
			done[j] = 1;
			printf("%s{name=\"", name);
			prom_escape(d->ident, 1);
			printf("\"} %llu\n", (unsigned long long)d->value);
		}
	}
	free(done);
}

static const char *class_name(unsigned c)
{
	switch (c) {
	case SL_CLASS_FREE:     return "free";
	case SL_CLASS_LOG:      return "log";
	case SL_CLASS_COUNTERS: return "counters";
	case SL_CLASS_COOL:     return "cool";
	default:                return "?";
	}
}

static void print_sections(const struct sl_shm *shm)
{
	printf("%-9s %-10s %-24s %12s %12s %s\n", "CLASS", "TYPE", "IDENT",
	       "OFFSET", "LENGTH", "COOL-UNTIL");
	for (size_t i = 0; i < sl_section_count(shm); i++) {
		struct sl_section s;

		sl_section_get(shm, i, &s);
		printf("%-9s %-10s %-24s %12llu %12llu %lld\n",
		       class_name(s.class_), s.type[0] ? s.type : "-",
		       s.ident[0] ? s.ident : "-",
		       (unsigned long long)s.offset,
		       (unsigned long long)s.len, (long long)s.cool_until);
	}
}

/* ------------------------------------------------------------ live view */

struct live {
	const struct opts *o;
	struct sl_shm *shm;
	struct sl_counters *cur, *prev;
	double *rate;            /* per counter of cur, -1 unknown */
	size_t nrate;
	int top, hide_zero;
	char status[256];
};

/* Index of cur's i-th counter in prev, or -1. */
static long find_prev(const struct sl_counters *prev,
		      const struct sl_counter *c, size_t hint)
{
	size_t n = prev ? sl_counters_len(prev) : 0;

	for (size_t k = 0; k < n; k++) {
		size_t j = (hint + k) % n;
		const struct sl_counter *p = sl_counters_at(prev, j);

		if (!strcmp(p->name, c->name) && !strcmp(p->ident, c->ident) &&
		    !strcmp(p->type, c->type))
			return (long)j;
	}
	return -1;
}

static void compute_rates(struct live *lv)
{
	size_t n = sl_counters_len(lv->cur);
	double dt = lv->prev ? sl_counters_mono(lv->cur) -
		    sl_counters_mono(lv->prev) : 0;

	free(lv->rate);
	lv->rate = malloc((n ? n : 1) * sizeof(*lv->rate));
	if (!lv->rate)
		exit(1);
	lv->nrate = n;
	for (size_t i = 0; i < n; i++) {
		const struct sl_counter *c = sl_counters_at(lv->cur, i);
		long j = dt > 0 ? find_prev(lv->prev, c, i) : -1;
		const struct sl_counter *p = j >= 0 ?
			sl_counters_at(lv->prev, (size_t)j) : NULL;

		if (!p || c->kind == SL_KIND_GAUGE || c->value < p->value)
			lv->rate[i] = -1;
		else
			lv->rate[i] = (double)(c->value - p->value) / dt;
	}
}

static void draw(struct live *lv)
{
	struct sl_info in;
	int rows, cols, y = 3, shown = 0, total = 0;
	double up;
	char tbuf[32];
	time_t now = time(NULL);
	struct tm tm;

	getmaxyx(stdscr, rows, cols);
	erase();
	sl_info(lv->shm, &in);
	up = (double)now - (double)in.created;
	localtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	attron(A_BOLD);
	mvprintw(0, 0, "sluicestat  instance '%s'  pid %lld  up %lldd "
		 "%02lld:%02lld:%02lld  %s", strchr(in.instance, '/') ?
		 in.path : in.instance,
		 (long long)in.master_pid, (long long)up / 86400,
		 (long long)up % 86400 / 3600, (long long)up % 3600 / 60,
		 (long long)up % 60, tbuf);
	attroff(A_BOLD);
	mvprintw(1, 0, "%.*s", cols > 0 ? cols - 1 : 0, lv->status[0] ?
		 lv->status : in.path);
	attron(A_REVERSE);
	mvprintw(2, 0, "%-44s %14s %12s %12s", "NAME", "VALUE", "RATE/s",
		 "AVG/s");
	attroff(A_REVERSE);
	for (size_t i = 0; lv->cur && i < sl_counters_len(lv->cur); i++) {
		const struct sl_counter *c = sl_counters_at(lv->cur, i);
		char name[256], rate[32], avg[32];

		if (!wanted(lv->o, c) || (lv->hide_zero && c->value == 0))
			continue;
		if (total++ < lv->top)
			continue;
		if (y >= rows - 1)
			continue;
		full_name(c, name, sizeof(name));
		if (i < lv->nrate && lv->rate[i] >= 0)
			snprintf(rate, sizeof(rate), "%.1f", lv->rate[i]);
		else
			snprintf(rate, sizeof(rate), ".");
		if (c->kind != SL_KIND_GAUGE && up > 0)
			snprintf(avg, sizeof(avg), "%.2f",
				 (double)c->value / up);
		else
			snprintf(avg, sizeof(avg), ".");
		mvprintw(y++, 0, "%-44.44s %14llu %12s %12s  %.*s", name,
			 (unsigned long long)c->value, rate, avg,
			 cols > 90 ? cols - 90 : 0, c->doc);
		shown++;
	}
	if (lv->top > 0 && lv->top >= total)
		lv->top = total > 0 ? total - 1 : 0;
	attron(A_REVERSE);
	mvprintw(rows - 1, 0, "q quit  arrows/PgUp/PgDn scroll  z %s zeros  "
		 "%d-%d of %d", lv->hide_zero ? "show" : "hide",
		 total ? lv->top + 1 : 0, lv->top + shown, total);
	attroff(A_REVERSE);
	refresh();
}

/* Returns 0 when asked to quit, 1 on an error (message printed). */
static int live(const struct opts *o, struct sl_shm *shm)
{
	struct live lv;
	double next = 0;
	int ret = 0;
	char errbuf[512] = "";

	memset(&lv, 0, sizeof(lv));
	lv.o = o;
	lv.shm = shm;
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	while (!stop_flag) {
		int ch;

		if (now_mono() >= next) {
			int r = sl_check(shm);
			char tbuf[32];
			time_t now = time(NULL);
			struct tm tm;

			localtime_r(&now, &tm);
			strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
			if (r < 0) {
				snprintf(errbuf, sizeof(errbuf), "%s",
					 sl_last_error());
				ret = 1;
				break;
			}
			if (r == SL_CHECK_RESTARTED) {
				struct sl_info in;

				sl_info(shm, &in);
				snprintf(lv.status, sizeof(lv.status),
					 "%s: instance restarted, reattached "
					 "to %s (pid %lld)", tbuf, in.path,
					 (long long)in.master_pid);
				sl_counters_free(&lv.prev);
				sl_counters_free(&lv.cur);
			} else if (r == SL_CHECK_STOPPED) {
				snprintf(lv.status, sizeof(lv.status),
					 "%s: instance stopped; waiting for "
					 "it to come back", tbuf);
			} else if (strstr(lv.status, "stopped")) {
				lv.status[0] = 0;
			}
			sl_counters_free(&lv.prev);
			lv.prev = lv.cur;
			lv.cur = NULL;
			if (sl_counters_snapshot(shm, &lv.cur) < 0) {
				snprintf(errbuf, sizeof(errbuf), "%s",
					 sl_last_error());
				ret = 1;
				break;
			}
			compute_rates(&lv);
			next = now_mono() + o->interval;
			draw(&lv);
		}
		ch = getch();
		switch (ch) {
		case 'q': case 'Q':
			stop_flag = 1;
			break;
		case KEY_DOWN:  lv.top++; draw(&lv); break;
		case KEY_UP:    if (lv.top > 0) lv.top--; draw(&lv); break;
		case KEY_NPAGE: lv.top += LINES - 4; draw(&lv); break;
		case KEY_PPAGE:
			lv.top = lv.top > LINES - 4 ? lv.top - (LINES - 4) : 0;
			draw(&lv);
			break;
		case KEY_HOME:  lv.top = 0; draw(&lv); break;
		case KEY_END:   lv.top = 1 << 30; draw(&lv); break;
		case 'z': case 'Z':
			lv.hide_zero = !lv.hide_zero;
			lv.top = 0;
			draw(&lv);
			break;
		case KEY_RESIZE: draw(&lv); break;
		default: break;
		}
	}
	endwin();
	if (errbuf[0])
		fprintf(stderr, PROG ": %s\n", errbuf);
	sl_counters_free(&lv.prev);
	sl_counters_free(&lv.cur);
	free(lv.rate);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "sections", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	struct sl_shm *shm = NULL;
	struct sl_counters *cs = NULL;
	struct sigaction sa;
	int c, ret = 0;

	memset(&o, 0, sizeof(o));
	o.interval = 1;
	while ((c = getopt_long(argc, argv, "n:t:1jf:i:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n': o.name = optarg; break;
		case 't':
			o.wait = parse_seconds(optarg, "-t", 1);
			o.wait_set = 1;
			break;
		case '1': o.mode = M_ONCE; break;
		case 'j': o.mode = M_JSON; break;
		case 'P': o.mode = M_PROM; break;
		case 'S': o.mode = M_SECTIONS; break;
		case 'f':
			o.globs = realloc(o.globs, (o.nglobs + 1) *
					  sizeof(*o.globs));
			if (!o.globs)
				return 1;
			o.globs[o.nglobs++] = optarg;
			break;
		case 'i':
			o.interval = parse_seconds(optarg, "-i", 0);
			if (o.interval < 0.1)
				die_usage("%s: at least 0.1 seconds", "-i");
			break;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!o.wait_set)
		o.wait = o.mode == M_LIVE ? -1 : 5;
	if (o.mode == M_LIVE && (!isatty(STDOUT_FILENO) ||
				 !isatty(STDIN_FILENO))) {
		fprintf(stderr, PROG ": the live view needs a terminal; use "
			"-1, -j or --prometheus to print once\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (attach(&o, &shm) < 0)
		return 1;
	reading(shm);
	if (o.mode == M_LIVE) {
		ret = live(&o, shm);
		sl_close(&shm);
		free(o.globs);
		return ret;
	}
	if (o.mode == M_SECTIONS) {
		print_sections(shm);
	} else if (sl_counters_snapshot(shm, &cs) < 0) {
		fprintf(stderr, PROG ": %s\n", sl_last_error());
		ret = 1;
	} else if (o.mode == M_ONCE) {
		print_once(&o, shm, cs);
	} else if (o.mode == M_JSON) {
		print_json(&o, shm, cs);
	} else {
		print_prom(&o, cs);
	}
	sl_counters_free(&cs);
	sl_close(&shm);
	free(o.globs);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		ret = 1;
	}
	return ret;
}
