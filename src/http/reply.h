/* reply.h: building the responses known at configuration time. Every
 * function is for the configuration phase (not thread-safe). */
#ifndef SLUICE_HTTP_REPLY_H
#define SLUICE_HTTP_REPLY_H

#include <stddef.h>
#include "http/reply-t.h"

struct cfg_ctx;

/* The codes sluice generates itself and so accepts errorfiles for:
 * HAProxy's list (200 for monitor-uri, 400, 401, 403, 404, 405, 407, 408,
 * 410, 413, 425, 429, 500, 501, 502, 503, 504) and the ones sluice's parser
 * adds (414, 431, 505). Returns the slot of <status> in a proxy's table,
 * -1 when it is not one of them. */
int http_err_slot(int status);
int http_err_status(int slot);
/* Those codes as a list for messages: "200, 400, ..., 505". */
extern const char http_err_codes_txt[];

/* The bytes of file <path>, at most <max> (NUL-terminated, *len its size),
 * for keyword <kw>'s messages. NULL (reported) when it cannot be read, is
 * not a regular file or is larger. The caller frees it. */
char *http_reply_read_file(struct cfg_ctx *ctx, const char *kw, const char *path, size_t max,
			   size_t *len);

/* A whole HTTP/1.x response read from file <path> ("errorfile"), checked as
 * HAProxy does when it loads one: a valid status line and headers, a body
 * of the length its Content-Length says (or the rest of the file), no
 * Transfer-Encoding, at most <max> bytes. The file's own status is sent.
 * An empty file gives an HTTP_REPLY_F_EMPTY reply. Reports on ctx; NULL on
 * error. */
struct http_reply *http_reply_from_file(struct cfg_ctx *ctx, const char *path, size_t max);

/* A response made of <status>, an optional content type, <nb> extra
 * headers (names and values), and a body of <len> bytes (copied). With no
 * content type and no body the reply carries "content-length: 0" only.
 * NULL (reported) when it exceeds <max> bytes. */
struct http_reply *http_reply_build(struct cfg_ctx *ctx, int status, const char *ctype,
				    const char *const *hdr_names, const char *const *hdr_values,
				    unsigned nb, const char *body, size_t len, size_t max);

/* Bytes the head takes once emitted (an upper bound, for buffer checks). */
size_t http_reply_head_size(const struct http_reply *r);

#endif
