/* reply_prod.h: the producer of configured replies; st->prod_arg is the
 * struct http_reply to send. */
#ifndef SLUICE_PROXY_REPLY_PROD_H
#define SLUICE_PROXY_REPLY_PROD_H

#include "proxy/producer-t.h"
#include "http/reply-t.h"

extern const struct producer_ops prod_reply;

#endif
