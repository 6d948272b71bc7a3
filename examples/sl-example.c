/* sl-example.c: how a program uses libsluice to read a running sluice.
 *
 *   cc -Iinclude sl-example.c -Llib -lsluice -o sl-example
 *   ./sl-example [NAME]          (NAME: the instance's -n, or its file)
 *
 * It attaches to the instance (waiting up to 5 s for it), prints the
 * request counters of every frontend, then the last log records in the
 * ring, grouped by request, with the status of each request. */
#include <stdio.h>
#include <string.h>

#include <sluice/sluice.h>

/* Called by the grouper with one request and its backend requests. */
static int on_request(void *priv, const struct sl_txn *const *txn, size_t n,
		      enum sl_deliver why)
{
	const char *url = "-", *status = "-";
	int *count = priv;

	(void)why;
	/* txn[0] is the request (request grouping without the session);
	 * sl_txn_find() looks a tag up in one transaction */
	sl_txn_find(txn[0], SL_TAG_ReqURL, NULL, &url);
	sl_txn_find(txn[0], SL_TAG_RespStatus, NULL, &status);
	printf("request %u: %s -> %s (%zu transactions, %zu records)\n",
	       txn[0]->vxid, url, status, n, txn[0]->n_records);
	(*count)++;
	return 0;                /* non-zero would stop the feeding call */
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "sluice";
	struct sl_group_opts gopts = { .mode = SL_GROUP_REQUEST };
	struct sl_shm *shm;
	struct sl_counters *cs;
	struct sl_cursor *cur;
	struct sl_group *grp;
	struct sl_record rec;
	struct sl_info info;
	int ret, requests = 0;

	/* 1. Attach. Every failure has a message naming the file. */
	if (sl_open_wait(&shm, name, 0, 5.0) < 0) {
		fprintf(stderr, "sl-example: %s\n", sl_last_error());
		return 1;
	}
	sl_info(shm, &info);
	printf("instance %s, file %s, pid %lld\n", info.instance, info.path,
	       (long long)info.master_pid);

	/* 2. Counters: one snapshot, read at leisure. */
	if (sl_counters_snapshot(shm, &cs) == 0) {
		for (size_t i = 0; i < sl_counters_len(cs); i++) {
			const struct sl_counter *c = sl_counters_at(cs, i);

			if (!strcmp(c->type, "frontend") &&
			    !strcmp(c->name, "requests"))
				printf("frontend %s: %llu requests\n", c->ident,
				       (unsigned long long)c->value);
		}
		sl_counters_free(&cs);
	}

	/* 3. Log: a cursor from the oldest record, records fed to a
	 * grouper that calls on_request() with each complete request. */
	if (sl_cursor_new(&cur, shm, SL_CURSOR_HEAD) < 0) {
		fprintf(stderr, "sl-example: %s\n", sl_last_error());
		sl_close(&shm);
		return 1;
	}
	sl_group_new(&grp, &gopts, on_request, &requests);
	while ((ret = sl_cursor_next(cur, &rec)) != SL_NEXT_NONE) {
		if (ret == SL_NEXT_RECORD)
			sl_group_feed(grp, &rec);
		else if (ret == SL_NEXT_LOST)
			/* the writer went round the ring past us */
			printf("(records lost)\n");
		else if (ret < 0)
			break;
	}
	/* caught up: what is still open is delivered as incomplete */
	sl_group_flush(grp, SL_DELIVER_FLUSH);
	printf("%d requests in the ring\n", requests);

	/* A program that follows the log would now sleep a little, call
	 * sl_check() every 100 ms or so (SL_CHECK_RESTARTED: the cursor
	 * moves to the new file by itself) and call sl_cursor_next()
	 * again; sl_follow() does all of that. */
	sl_group_free(&grp);
	sl_cursor_free(&cur);
	sl_close(&shm);
	return ret < 0 ? 1 : 0;
}
