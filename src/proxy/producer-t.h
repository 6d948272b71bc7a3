/* producer-t.h: where a response comes from when it is not a server
 * connection: an internal producer running in the stream (what HAProxy
 * calls an applet): a configured reply today (http-request return,
 * errorfile, monitor-uri), the cache and the statistics page next.
 *
 * The stream calls start() once, then more() whenever its response buffer
 * has room, until more() says the response is complete; release() last,
 * whether it completed or the exchange was cut. All on the stream's
 * thread, no lock. A producer writes the head through the codec
 * (h1_emit_rsp() today) and body bytes as they are. */
#ifndef SLUICE_PROXY_PRODUCER_T_H
#define SLUICE_PROXY_PRODUCER_T_H

struct stream;

struct producer_ops {
	const char *name;
	/* required: queue the response head (and what of the body fits) into
	 * st->rsp_out, which is allocated and empty; st->prod_arg is what the
	 * stream was given. Returns 0, or -1 when it cannot (the stream then
	 * cuts the exchange). */
	int (*start)(struct stream *st);
	/* optional (NULL: start() wrote everything): more body into
	 * st->rsp_out, which has room. Returns 1 once complete, else 0. */
	int (*more)(struct stream *st);
	/* optional: free what start() took */
	void (*release)(struct stream *st);
};

#endif
