/* sl_follow.c: libsluice's follow loop, shared by sluicelog, sluicencsa
 * and any program that wants the same behaviour: attach (waiting if asked),
 * read, group, filter, call back; reattach after restarts; flush groups on
 * overruns; stop when caught up (dump), at the end of a file, when asked.
 * Messages for the user go through the notice callback. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sl_int.h"

#define CHECK_EVERY 0.1          /* seconds between sl_check() when idle */
/* Sleep after a pass that found records. The reader often shares a CPU
 * with the proxy: a long sleep leaves it a long backlog, and the scheduler
 * then runs the reader over it in one burst while the proxy's event loop
 * waits (10 ms of records at full rate hold the proxy up for over a
 * millisecond, every 10 ms). Short sleeps while records come keep each
 * burst short; the sleep doubles on every idle pass up to the poll. */
#define POLL_BUSY 0.0005

struct follow {
	const struct sl_follow_opts *o;
	struct sl_shm *shm;
	struct sl_cursor *c;
	struct sl_group *g;
	int stopped;             /* STOPPED was told */
};

static void notice(const struct follow *f, enum sl_event ev,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void notice(const struct follow *f, enum sl_event ev,
		   const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!f->o->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->o->notice(f->o->priv, ev, msg);
}

/* How to name the instance in messages: its name, or its file when it
 * was given as a path (the header then holds the path, maybe cut). */
static int label(const struct sl_info *in, char *buf, size_t sz)
{
	if (!in->instance[0] || strchr(in->instance, '/')) {
		snprintf(buf, sz, "instance file %s", in->path);
		return 1;
	}
	snprintf(buf, sz, "instance '%s'", in->instance);
	return 0;
}

/* The grouper's callback: the query, then the user's. */
static int filter(void *priv, const struct sl_txn *const *txn, size_t n,
		  enum sl_deliver why)
{
	const struct follow *f = priv;

	if (f->o->query && !sl_query_match(f->o->query, txn, n))
		return 0;
	return f->o->cb(f->o->priv, txn, n, why);
}

static int attach(struct follow *f)
{
	const struct sl_follow_opts *o = f->o;
	struct sl_info info;
	char name[4200];
	int ret;

	if (o->file) {
		ret = sl_cursor_open_file(&f->c, o->file, 0);
		if (ret == 0)
			notice(f, SL_EV_ATTACHED, "reading binary log file %s",
			       o->file);
		return ret;
	}
	ret = sl_open(&f->shm, o->name, 0);
	if ((ret == SL_ENOENT || ret == SL_ENOTREADY || ret == SL_EBUSY) &&
	    o->wait != 0) {
		char path[4096];

		if (sl_resolve(o->name, path, sizeof(path)) < 0)
			return SL_EINVAL;
		if (strchr(path, '/') && o->name && strchr(o->name, '/'))
			notice(f, SL_EV_WAITING, "waiting for instance file "
			       "%s", path);
		else
			notice(f, SL_EV_WAITING, "waiting for instance '%s' "
			       "(%s)", o->name && *o->name ? o->name :
			       "sluice", path);
		ret = sl_open_wait(&f->shm, o->name, 0, o->wait);
	}
	if (ret < 0)
		return ret;
	sl_info(f->shm, &info);
	if (label(&info, name, sizeof(name)))
		notice(f, SL_EV_ATTACHED, "reading %s (pid %lld%s)", name,
		       (long long)info.master_pid,
		       info.alive ? "" : ", not running: its last state");
	else
		notice(f, SL_EV_ATTACHED, "reading %s from %s (pid %lld%s)",
		       name, info.path, (long long)info.master_pid,
		       info.alive ? "" : ", not running: its last state");
	return sl_cursor_new(&f->c, f->shm,
			     o->dump ? SL_CURSOR_HEAD : SL_CURSOR_TAIL);
}

/* Idle: look at the instance. Returns 0 or an SL_E* code. */
static int check(struct follow *f)
{
	struct sl_info info;
	char name[4200];
	int ret = sl_check(f->shm);

	if (ret < 0)
		return ret;
	sl_info(f->shm, &info);
	label(&info, name, sizeof(name));
	if (ret == SL_CHECK_RESTARTED) {
		f->stopped = 0;
		notice(f, SL_EV_RESTARTED, "%s restarted, reattached to %s "
		       "(pid %lld)", name, info.path,
		       (long long)info.master_pid);
	} else if (ret == SL_CHECK_STOPPED && !f->stopped) {
		f->stopped = 1;
		notice(f, SL_EV_STOPPED, "%s stopped (pid %lld no longer holds "
		       "%s, or it was removed); waiting for it to come back",
		       name, (long long)info.master_pid, info.path);
	} else if (ret != SL_CHECK_STOPPED && f->stopped && info.alive) {
		f->stopped = 0;
	}
	return 0;
}

static int loop(struct follow *f)
{
	const struct sl_follow_opts *o = f->o;
	double poll = o->poll > 0 ? o->poll : 0.01, last_check = sli_mono();
	double nap = poll;
	struct sl_cursor_stats st;
	struct sl_record rec;
	unsigned long n = 0, n_slept = 0;
	uint64_t overruns = 0;
	int ret;

	for (;;) {
		if (o->stop && *o->stop)
			return sl_group_flush(f->g, SL_DELIVER_FLUSH);
		ret = sl_cursor_next(f->c, &rec);
		switch (ret) {
		case SL_NEXT_RECORD:
			ret = sl_group_feed(f->g, &rec);
			if (ret)
				return ret;
			if (++n % 8192 == 0 && (ret = sl_group_tick(f->g)))
				return ret;
			continue;
		case SL_NEXT_LOST:
			sl_cursor_stats(f->c, &st);
			if (st.overruns == overruns) {
				/* one record overwritten, not a resync */
				notice(f, SL_EV_LOST, "lost 1 record: "
				       "overwritten by a lagging writer");
				continue;
			}
			overruns = st.overruns;
			notice(f, SL_EV_LOST, "lost %llu records (%llu bytes): "
			       "the reader was too slow; resynced",
			       (unsigned long long)st.last_lost_records,
			       (unsigned long long)st.last_lost_bytes);
			/* fall through */
		case SL_NEXT_RESTART:
			ret = sl_group_flush(f->g, SL_DELIVER_FLUSH);
			if (ret)
				return ret;
			continue;
		case SL_NEXT_EOF:
			return sl_group_flush(f->g, SL_DELIVER_FLUSH);
		case SL_NEXT_NONE:
			break;
		default:
			return ret;
		}
		/* caught up */
		if (o->dump)
			return sl_group_flush(f->g, SL_DELIVER_FLUSH);
		if ((ret = sl_group_tick(f->g)))
			return ret;
		if (o->notice)
			o->notice(o->priv, SL_EV_IDLE, "");
		if (sli_mono() - last_check >= CHECK_EVERY) {
			last_check = sli_mono();
			if ((ret = check(f)) < 0)
				return ret;
		}
		if (n != n_slept)
			nap = POLL_BUSY < poll ? POLL_BUSY : poll;
		else if ((nap *= 2) > poll)
			nap = poll;
		n_slept = n;
		sli_sleep(nap);
	}
}

int sl_follow(const struct sl_follow_opts *o)
{
	struct follow f;
	int ret;

	if (!o->cb)
		return sli_err(SL_EINVAL, "sl_follow: no callback");
	memset(&f, 0, sizeof(f));
	f.o = o;
	ret = attach(&f);
	if (ret == 0)
		ret = sl_group_new(&f.g, &o->group, filter, &f);
	if (ret == 0)
		ret = loop(&f);
	if (f.c && f.shm) {
		struct sl_cursor_stats st;

		sl_cursor_stats(f.c, &st);
		if (st.lost_records)
			notice(&f, SL_EV_LOST, "lost %llu records in all (%llu "
			       "overruns, %llu records overwritten), read "
			       "%llu", (unsigned long long)st.lost_records,
			       (unsigned long long)st.overruns,
			       (unsigned long long)st.rejected,
			       (unsigned long long)st.records);
	}
	sl_group_free(&f.g);
	sl_cursor_free(&f.c);
	sl_close(&f.shm);
	return ret;
}
