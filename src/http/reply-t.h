/* reply-t.h: a response known at configuration time (errorfile, http-request
 * return, monitor-uri): a head and a body, emitted by the codec of the
 * client's connection. */
#ifndef SLUICE_HTTP_REPLY_T_H
#define SLUICE_HTTP_REPLY_T_H

#include "http/msg-t.h"

#define HTTP_REPLY_MAGIC 0x52504c59U

/* Status codes a proxy may have an errorfile for (http_err_slot()). */
#define HTTP_ERR_SLOTS 20

#define HTTP_REPLY_F_EMPTY  0x0001   /* empty errorfile: close without answering */

/* Built while the configuration is read and never changed after: threads
 * read it without locks. msg holds the status, the headers (hdrs[] and
 * their bytes live in <store>) and HTTP_MF_CL with body_len; the body
 * follows in <body>. Shared between proxies (defaults, errorfiles); every
 * reply is freed by cfg_deinit(). */
struct http_reply {
	unsigned magic;
	unsigned flags;               /* HTTP_REPLY_F_* */
	struct http_msg msg;
	struct ist body;
	char *store;                  /* the bytes msg and body point into */
	const char *conf_file;        /* where it was defined */
	int conf_line;
	struct http_reply *next;      /* all replies, for cfg_deinit() */
};

#endif
