/* fuzz_shm.c: libFuzzer target for libsluice's readers. The input is:
 *   - a shared-memory segment file (anything not below): attached through
 *     a memfd, then every record read from the oldest, grouped by request
 *     and matched against a query, the counters snapshotted, the section
 *     list and a check walked;
 *   - a binary log file when it starts with "SLUICELG": read to the end;
 *   - a query when it starts with "Q:": compiled (and matched on nothing).
 * Nothing may crash, leak or read out of bounds, whatever the bytes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sluice/sluice.h"

static struct sl_query *query;

static int on_group(void *priv, const struct sl_txn *const *txn, size_t n,
		    enum sl_deliver why)
{
	size_t *count = priv;
	const char *v;

	(void)why;
	*count += (size_t)sl_query_match(query, txn, n);
	for (size_t i = 0; i < n; i++)
		(void)sl_txn_find(txn[i], SL_TAG_ReqHeader, "Host", &v);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sl_query_new(&query, "status >= 500 or url ~ \"^/a\" or "
			 "ReqHeader:Host == x or Timestamp:Resp[2] > 0.1") < 0)
		abort();
	return 0;
}

/* Read every record of c into a request grouper. */
static void drain(struct sl_cursor *c)
{
	struct sl_group_opts o = { SL_GROUP_REQUEST, 0, 64, 1 << 20, 1 };
	struct sl_group *g;
	struct sl_record r;
	size_t matched = 0;

	if (sl_group_new(&g, &o, on_group, &matched) < 0)
		return;
	for (int i = 0; i < 100000; i++) {
		int ret = sl_cursor_next(c, &r);

		if (ret == SL_NEXT_RECORD) {
			if (r.data[r.len] != 0)
				abort();        /* the promised NUL */
			sl_group_feed(g, &r);
		} else if (ret == SL_NEXT_LOST || ret == SL_NEXT_RESTART) {
			sl_group_flush(g, SL_DELIVER_FLUSH);
		} else {
			break;
		}
	}
	sl_group_flush(g, SL_DELIVER_FLUSH);
	sl_group_free(&g);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	char path[64];
	struct sl_cursor *c;
	int fd = memfd_create("fuzz_binlog", 0);

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (sl_cursor_open_file(&c, path, 0) == 0) {
			drain(c);
			sl_cursor_free(&c);
		}
	}
	close(fd);
}

static void fuzz_query(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sl_query *q;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = 0;
	if (sl_query_new(&q, text) == 0) {
		sl_query_match(q, NULL, 0);
		sl_query_free(&q);
	}
	free(text);
}

static void fuzz_segment(const uint8_t *data, size_t size)
{
	char path[64];
	struct sl_shm *shm;
	struct sl_cursor *c;
	struct sl_counters *cs;
	struct sl_info info;
	int fd = memfd_create("fuzz_shm", 0);

	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (sl_open(&shm, path, SL_OPEN_NOWAIT) == 0) {
		sl_info(shm, &info);
		for (size_t i = 0; i < sl_section_count(shm); i++) {
			struct sl_section s;

			sl_section_get(shm, i, &s);
		}
		if (sl_cursor_new(&c, shm, SL_CURSOR_HEAD) == 0) {
			drain(c);
			sl_cursor_free(&c);
		}
		if (sl_counters_snapshot(shm, &cs) == 0) {
			uint64_t sum = 0;

			for (size_t i = 0; i < sl_counters_len(cs); i++) {
				const struct sl_counter *k = sl_counters_at(cs, i);

				sum += k->value + strlen(k->name) +
				       strlen(k->doc) + strlen(k->type) +
				       strlen(k->ident);
			}
			(void)sum;
			sl_counters_free(&cs);
		}
		sl_check(shm);
		sl_close(&shm);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 8 && !memcmp(data, "SLUICELG", 8))
		fuzz_file(data, size);
	else if (size >= 2 && !memcmp(data, "Q:", 2))
		fuzz_query(data + 2, size - 2);
	else
		fuzz_segment(data, size);
	return 0;
}
