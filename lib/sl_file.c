/* sl_file.c: libsluice's binary log files (sluicelog -w / -r).
 *
 * Format, version 1, all integers little-endian:
 *   header, 96 bytes: "SLUICELG" (8), u32 version = 1, u32 head_size (96;
 *       readers skip what they do not know up to head_size), i64 created
 *       (unix seconds), instance name (64, NUL-padded), u64 reserved;
 *   then records, each: u8 tag (1..255), u8 reserved (0), u16 flags,
 *       u32 vxid, u32 len (< 2^24), then len payload bytes, no padding.
 * The file ends after the last whole record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_int.h"

#define FILE_MAGIC     "SLUICELG"
#define FILE_VERSION   1U
#define FILE_HEAD_SIZE 96U
#define FILE_REC_HEAD  12U
#define FILE_MAX_LEN   0xffffffU

struct sl_writer {
	unsigned magic;
	FILE *fp;
	int own;
	char *path;
};

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---------------------------------------------------------------- writer */

int sl_writer_open(struct sl_writer **wp, const char *path,
		   const char *instance)
{
	unsigned char head[FILE_HEAD_SIZE];
	struct sl_writer *w;

	*wp = NULL;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return sli_err(SL_ENOMEM, "out of memory");
	}
	w->magic = SLI_WRITER_MAGIC;
	if (!strcmp(path, "-")) {
		w->fp = stdout;
	} else {
		w->fp = fopen(path, "wb");
		w->own = 1;
		if (!w->fp) {
			int e = errno;

			free(w->path);
			free(w);
			return sli_err(SL_ESYS, "%s: cannot create: %s", path,
				       strerror(e));
		}
		setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
	}
	memset(head, 0, sizeof(head));
	memcpy(head, FILE_MAGIC, 8);
	put_le(head + 8, FILE_VERSION, 4);
	put_le(head + 12, FILE_HEAD_SIZE, 4);
	put_le(head + 16, (uint64_t)time(NULL), 8);
	if (instance)
		sli_copy_str((char *)head + 24, 64, instance, 63);
	if (fwrite(head, sizeof(head), 1, w->fp) != 1) {
		int e = errno;

		sl_writer_close(&w);
		return sli_err(SL_ESYS, "%s: write: %s", path, strerror(e));
	}
	*wp = w;
	return 0;
}

int sl_writer_put(struct sl_writer *w, const struct sl_record *rec)
{
	unsigned char h[FILE_REC_HEAD];
	uint32_t len = rec->len > FILE_MAX_LEN ? FILE_MAX_LEN : rec->len;

	if (rec->tag == 0 || rec->tag > 255)
		return sli_err(SL_EINVAL, "record with tag %u cannot be "
			       "written", rec->tag);
	h[0] = (unsigned char)rec->tag;
	h[1] = 0;
	put_le(h + 2, rec->flags & 0xffff, 2);
	put_le(h + 4, rec->vxid, 4);
	put_le(h + 8, len, 4);
	if (fwrite(h, sizeof(h), 1, w->fp) != 1 ||
	    (len && fwrite(rec->data, len, 1, w->fp) != 1))
		return sli_err(SL_ESYS, "%s: write: %s", w->path,
			       strerror(errno));
	return 0;
}

int sl_writer_flush(struct sl_writer *w)
{
	if (fflush(w->fp) != 0)
		return sli_err(SL_ESYS, "%s: write: %s", w->path,
			       strerror(errno));
	return 0;
}

int sl_writer_close(struct sl_writer **wp)
{
	struct sl_writer *w = *wp;
	int ret = 0;

	if (!w)
		return 0;
	if (fflush(w->fp) != 0 || ferror(w->fp))
		ret = sli_err(SL_ESYS, "%s: write: %s", w->path,
			      strerror(errno));
	if (w->own && fclose(w->fp) != 0 && ret == 0)
		ret = sli_err(SL_ESYS, "%s: close: %s", w->path,
			      strerror(errno));
	free(w->path);
	w->magic = 0;
	free(w);
	*wp = NULL;
	return ret;
}

/* ---------------------------------------------------------------- reader */

int sl_cursor_open_file(struct sl_cursor **cp, const char *path,
			unsigned flags)
{
	unsigned char head[FILE_HEAD_SIZE];
	struct sl_cursor *c;
	uint32_t version, head_size;
	size_t got;
	FILE *fp;

	*cp = NULL;
	if (!strcmp(path, "-")) {
		fp = stdin;
	} else if (!(fp = fopen(path, "rb"))) {
		if (errno == ENOENT)
			return sli_err(SL_ENOENT, "%s does not exist", path);
		return sli_err(SL_ESYS, "%s: cannot open: %s", path,
			       strerror(errno));
	}
	got = fread(head, 1, sizeof(head), fp);
	if (got < 8 || memcmp(head, FILE_MAGIC, 8)) {
		if (fp != stdin)
			fclose(fp);
		return sli_err(SL_ECORRUPT, "%s: not a sluice binary log file "
			       "(bad magic)", path);
	}
	if (got < 16) {
		if (fp != stdin)
			fclose(fp);
		return sli_err(SL_ECORRUPT, "%s: truncated header", path);
	}
	version = (uint32_t)get_le(head + 8, 4);
	head_size = (uint32_t)get_le(head + 12, 4);
	if (version != FILE_VERSION) {
		if (fp != stdin)
			fclose(fp);
		return sli_err(SL_EVERSION, "%s: binary log format version %u, "
			       "this library reads %u", path, version,
			       FILE_VERSION);
	}
	if (got < sizeof(head) || head_size < FILE_HEAD_SIZE ||
	    head_size > 65536) {
		if (fp != stdin)
			fclose(fp);
		return sli_err(SL_ECORRUPT, "%s: corrupt or truncated header "
			       "(head_size %u, %zu bytes read)", path,
			       head_size, got);
	}
	for (uint32_t skip = head_size - FILE_HEAD_SIZE; skip; skip--)
		if (fgetc(fp) == EOF) {
			if (fp != stdin)
				fclose(fp);
			return sli_err(SL_ECORRUPT, "%s: truncated header",
				       path);
		}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->fpath = strdup(path))) {
		free(c);
		if (fp != stdin)
			fclose(fp);
		return sli_err(SL_ENOMEM, "out of memory");
	}
	c->magic = SLI_CURSOR_MAGIC;
	c->flags = flags;
	c->fp = fp;
	c->own_fp = fp != stdin;
	c->pos = head_size;
	c->started = 1;
	*cp = c;
	return 0;
}

int sli_file_next(struct sl_cursor *c, struct sl_record *rec)
{
	unsigned char h[FILE_REC_HEAD];
	FILE *fp = c->fp;
	size_t got;
	uint32_t len;

	got = fread(h, 1, sizeof(h), fp);
	if (got == 0) {
		if (ferror(fp))
			return sli_err(SL_ESYS, "%s: read: %s", c->fpath,
				       strerror(errno));
		return SL_NEXT_EOF;
	}
	if (got < sizeof(h))
		return sli_err(SL_ECORRUPT, "%s: truncated record at offset "
			       "%llu", c->fpath, (unsigned long long)c->pos);
	len = (uint32_t)get_le(h + 8, 4);
	if (h[0] == 0 || h[1] != 0 || len > FILE_MAX_LEN)
		return sli_err(SL_ECORRUPT, "%s: corrupt record at offset %llu "
			       "(tag %u, length %u)", c->fpath,
			       (unsigned long long)c->pos, h[0], len);
	if (sli_buf_reserve(c, len) < 0)
		return SL_ENOMEM;
	if (len && fread(c->buf, 1, len, fp) != len)
		return sli_err(SL_ECORRUPT, "%s: truncated record at offset "
			       "%llu (%u payload bytes announced)", c->fpath,
			       (unsigned long long)c->pos, len);
	c->buf[len] = 0;
	c->pos += FILE_REC_HEAD + len;
	c->st.records++;
	c->st.bytes += len;
	rec->tag = h[0];
	rec->flags = (unsigned)get_le(h + 2, 2);
	rec->vxid = (uint32_t)get_le(h + 4, 4);
	rec->len = len;
	rec->data = c->buf;
	return SL_NEXT_RECORD;
}

void sli_file_close(struct sl_cursor *c)
{
	if (c->own_fp && c->fp)
		fclose(c->fp);
	c->fp = NULL;
	free(c->fpath);
	c->fpath = NULL;
}
