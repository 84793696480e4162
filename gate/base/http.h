/*
 * http.h — fetching profiles, dumps and baselines over HTTP(S) (and
 * file:// URLs), the only user of libcurl.
 *
 * Bodies are untrusted: their size is capped, redirects are limited, TLS is
 * verified unless the caller turns it off, and transfers have a timeout.
 * Credentials (user:password, Authorization headers) never appear in error
 * messages or in anything lg_http_redact returns.
 */
#ifndef LG_HTTP_H
#define LG_HTTP_H

#include <stddef.h>

#include "util.h"

#define LG_HTTP_MAX_BODY ((size_t)256 << 20)

struct lg_http_opts {
	double timeout;            /* whole transfer, seconds (0 = 30) */
	long max_redirects;        /* (0 = 3; negative = none) */
	char *const *headers;      /* "Name: value" lines */
	size_t nheaders;
	const char *userpwd;       /* "user:password" for basic auth, or NULL */
	const char *cacert;        /* CA bundle file, or NULL for the system's */
	const char *cert, *key;    /* client certificate and key (PEM), or NULL */
	int insecure;              /* skip TLS verification (explicit opt-in) */
	size_t max_bytes;          /* body cap (0 = LG_HTTP_MAX_BODY) */
};

/* 1 when `s` looks like a URL this module fetches (http, https, file). */
int lg_http_is_url(const char *s);

/*
 * Fetches `url` into `body` (appending).  Returns 0 on a 2xx answer (or a
 * readable file:// URL); -1 with `err` for anything else: connection and
 * TLS failures, timeouts, non-2xx status (named in the message), a body
 * over the cap.  `status` (may be NULL) gets the HTTP status, 0 if none.
 */
int lg_http_fetch(const char *url, const struct lg_http_opts *o, struct lg_buf *body,
		  long *status, struct lg_err *err);

/* A copy of `url` with any user:password@ part replaced by "***@". */
char *lg_http_redact(const char *url);

#endif
