/* http_rules.h: "http-request" rules. Today one action, "return" (the
 * response an internal producer sends), without conditions: the rules
 * language (ACLs, sample fetches, the other actions) builds on this. */
#ifndef SLUICE_RULES_HTTP_RULES_H
#define SLUICE_RULES_HTTP_RULES_H

struct proxy;
struct http_reply;

/* What the http-request rules of <px> decide for a request: 1 when a rule
 * answers it, with *reply the response to send (NULL: the proxy's
 * errorfile for *status, or the built-in page); 0 to go on. Read-only:
 * any thread. */
int http_req_rules_eval(const struct proxy *px, const struct http_reply **reply, int *status);

/* Free the rules of <px> (configuration teardown). */
void http_req_rules_free(struct proxy *px);

#endif
