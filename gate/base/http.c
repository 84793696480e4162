/*
 * http.c — fetches profiles, dumps and baselines over HTTP(S) and file://
 * with libcurl, the only module that links against it.
 *
 * The far end is untrusted and often a production pprof endpoint, so every
 * transfer is fenced in: a whole-transfer timeout, a redirect limit, a body
 * cap enforced in the write callback (and up front from Content-Length),
 * only the http, https and file schemes (redirects may not switch to file://,
 * or a hostile server could make us read local files), TLS verified unless
 * the caller opts out.  Status codes are checked here rather than with
 * CURLOPT_FAILONERROR so the message can carry the status line and the first
 * line of the server's answer ("HTTP 404 Not Found: Unknown profile").
 *
 * Credentials come in three places — user:password@ in the URL, the userpwd
 * option, Authorization-style headers — and none may reach an error message:
 * messages name the redacted URL, and as a second fence the finished message
 * is scrubbed of every secret we were given, in case libcurl or the server
 * ever echoes one.
 *
 * libcurl is loaded on the first fetch (dlopen), not linked: it pulls in
 * some forty libraries (TLS, Kerberos, LDAP, ICU) whose loading and
 * relocation cost every leakgate process about 3 ms of CPU, and most never
 * fetch anything.  Without libcurl a fetch fails with a message saying so.
 */
#define _GNU_SOURCE /* memmem */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

#define DEFAULT_TIMEOUT 30.0
#define DEFAULT_REDIRECTS 3L
#define REASON_MAX 64    /* status-line reason phrase we keep */
#define SNIPPET_MAX 120  /* server text quoted in an error */
#define SECRET_MIN 4     /* shorter secrets would mangle ordinary words */

/* What the write and header callbacks accumulate. */
struct transfer {
	struct lg_buf *body;
	size_t start;  /* body->len before the transfer: the cap counts from here */
	size_t cap;
	int over;      /* the callback refused data past the cap */
	char reason[REASON_MAX]; /* of the last status line seen */
};

/* The libcurl functions this module calls, from the loaded library. */
static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} api;

#define LIBCURL_SONAME "libcurl.so.4"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;
static char load_error[256]; /* why libcurl could not be loaded, or "" */

/*
 * Loads libcurl and runs curl_global_init, once (it is not thread-safe in
 * every libcurl build).  On failure global_rc stays an error and, when the
 * library or one of its functions is missing, load_error says which.
 */
static void global_init(void)
{
	void *h = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!h) {
		const char *e = dlerror();

		snprintf(load_error, sizeof(load_error), "cannot load %s (%s): install libcurl "
			 "(Debian: libcurl4) to fetch URLs", LIBCURL_SONAME, e ? e : "not found");
		return;
	}
#define LOAD(field, name)                                               \
	do {                                                            \
		*(void **)&api.field = dlsym(h, name);                  \
		if (!api.field && !missing)                             \
			missing = name;                                 \
	} while (0)
	LOAD(global_init, "curl_global_init");
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(slist_append, "curl_slist_append");
	LOAD(slist_free_all, "curl_slist_free_all");
#undef LOAD
	if (missing) {
		snprintf(load_error, sizeof(load_error), "%s has no %s: it is not a libcurl "
			 "this leakgate can use", LIBCURL_SONAME, missing);
		return; /* the handle stays open: nothing is unloaded while in use */
	}
	global_rc = api.global_init(CURL_GLOBAL_DEFAULT);
}

int lg_http_is_url(const char *s)
{
	return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8) ||
		     !strncasecmp(s, "file://", 7));
}

/* Start and end of the authority (host part) of `url`, or 0 if it has none. */
static int authority(const char *url, size_t *start, size_t *end)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	*start = (size_t)(p + 3 - url);
	*end = *start + strcspn(url + *start, "/?#");
	return 1;
}

char *lg_http_redact(const char *url)
{
	struct lg_buf b = LG_BUF_INIT;
	size_t start, end, at = 0, i;

	if (!url)
		return lg_xstrdup("");
	if (!authority(url, &start, &end))
		return lg_xstrdup(url);
	/* The last '@' ends the userinfo: a password may itself contain '@'. */
	for (i = start; i < end; i++)
		if (url[i] == '@')
			at = i + 1;
	if (!at)
		return lg_xstrdup(url);
	lg_buf_add(&b, url, start);
	lg_buf_adds(&b, "***@");
	lg_buf_adds(&b, url + at);
	return lg_buf_detach(&b, NULL);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb; /* libcurl guarantees size == 1 */

	if (n > t->cap - (t->body->len - t->start)) {
		t->over = 1;
		return 0; /* anything but n aborts with CURLE_WRITE_ERROR */
	}
	lg_buf_add(t->body, data, n);
	return n;
}

/* Keeps the reason phrase of each status line ("HTTP/1.1 404 Not Found"). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb, i = 0, len;

	if (n < 5 || memcmp(data, "HTTP/", 5))
		return n;
	t->reason[0] = '\0';
	while (i < n && data[i] != ' ')
		i++; /* protocol */
	while (i < n && data[i] == ' ')
		i++;
	while (i < n && data[i] >= '0' && data[i] <= '9')
		i++; /* status */
	while (i < n && data[i] == ' ')
		i++;
	len = n - i;
	while (len && (data[i + len - 1] == '\r' || data[i + len - 1] == '\n'))
		len--;
	if (len >= sizeof(t->reason))
		len = sizeof(t->reason) - 1;
	memcpy(t->reason, data + i, len);
	t->reason[len] = '\0';
	return n;
}

/* HTTP/2 has no reason phrase; these are the answers a profile fetch meets. */
static const char *standard_reason(long status)
{
	static const struct {
		long code;
		const char *text;
	} table[] = {
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(table); i++)
		if (table[i].code == status)
			return table[i].text;
	return "";
}

/* Appends ": <first line of the body>" when the body starts as plain text. */
static void add_snippet(struct lg_buf *msg, const char *body, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < SNIPPET_MAX && body[i] != '\n' && body[i] != '\r'; i++)
		if ((unsigned char)body[i] < 0x20 || (unsigned char)body[i] > 0x7e)
			return; /* binary, or not worth quoting */
	while (i && body[i - 1] == ' ')
		i--;
	if (!i)
		return;
	lg_buf_adds(msg, ": ");
	lg_buf_add(msg, body, i);
	if (i == SNIPPET_MAX)
		lg_buf_adds(msg, "...");
}

/* Replaces every occurrence of `secret` (its first `len` bytes) in `s` by "***". */
static void scrub(struct lg_buf *s, const char *secret, size_t len)
{
	struct lg_buf out = LG_BUF_INIT;
	const char *p = s->buf, *hit;

	if (len < SECRET_MIN || !memmem(s->buf, s->len, secret, len))
		return;
	while ((hit = memmem(p, s->len - (size_t)(p - s->buf), secret, len))) {
		lg_buf_add(&out, p, (size_t)(hit - p));
		lg_buf_adds(&out, "***");
		p = hit + len;
	}
	lg_buf_adds(&out, p);
	lg_buf_release(s);
	*s = out;
}

/* Scrubs the password (and whole user:password) of a "user:password" pair. */
static void scrub_userpwd(struct lg_buf *s, const char *up, size_t len)
{
	const char *colon = memchr(up, ':', len);

	scrub(s, up, len);
	if (colon)
		scrub(s, colon + 1, len - (size_t)(colon + 1 - up));
}

/* Removes everything secret that `url` and `o` carry from the message. */
static void scrub_secrets(struct lg_buf *s, const char *url, const struct lg_http_opts *o)
{
	size_t start, end, i;
	const char *at;

	if (authority(url, &start, &end)) {
		for (at = NULL, i = start; i < end; i++)
			if (url[i] == '@')
				at = url + i;
		if (at)
			scrub_userpwd(s, url + start, (size_t)(at - url) - start);
	}
	if (o->userpwd)
		scrub_userpwd(s, o->userpwd, strlen(o->userpwd));
	for (i = 0; i < o->nheaders; i++) {
		const char *v = o->headers[i] ? strchr(o->headers[i], ':') : NULL;

		if (!v)
			continue;
		v += strspn(v + 1, " \t") + 1;
		scrub(s, v, strlen(v));
		/* "Bearer TOKEN" / "Basic B64": the token alone, too. */
		if (strchr(v, ' '))
			scrub(s, strrchr(v, ' ') + 1, strlen(strrchr(v, ' ') + 1));
	}
}

static long timeout_ms(const struct lg_http_opts *o)
{
	double t = o->timeout > 0 ? o->timeout : DEFAULT_TIMEOUT;

	if (t > 86400.0)
		t = 86400.0;
	return t * 1000.0 < 1.0 ? 1L : (long)(t * 1000.0 + 0.5);
}

/* Sets every option of the transfer; returns the first failing code. */
static CURLcode configure(CURL *c, const char *url, const struct lg_http_opts *o,
			  struct curl_slist *hdrs, struct transfer *t, char *errbuf)
{
	long redirects = o->max_redirects ? o->max_redirects : DEFAULT_REDIRECTS;
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                        \
	do {                                                 \
		if (rc == CURLE_OK)                          \
			rc = api.easy_setopt(c, opt, val);   \
	} while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https,file");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM: we may run in threads */
	SET(CURLOPT_TIMEOUT_MS, timeout_ms(o));
	SET(CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, redirects > 0 ? redirects : 0L);
	SET(CURLOPT_FAILONERROR, 0L);
	SET(CURLOPT_USERAGENT, "leakgate/" LG_VERSION);
	SET(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->cap);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, t);
	if (o->cacert)
		SET(CURLOPT_CAINFO, o->cacert);
	if (o->cert)
		SET(CURLOPT_SSLCERT, o->cert);
	if (o->key)
		SET(CURLOPT_SSLKEY, o->key);
	if (o->userpwd) {
		SET(CURLOPT_USERPWD, o->userpwd);
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (hdrs)
		SET(CURLOPT_HTTPHEADER, hdrs);
#undef SET
	return rc;
}

/* Describes a failed transfer (after the "'URL': " prefix) into `msg`. */
static void describe_failure(struct lg_buf *msg, CURLcode rc, const char *errbuf,
			     const struct transfer *t, const struct lg_http_opts *o)
{
	long redirects = o->max_redirects ? o->max_redirects : DEFAULT_REDIRECTS;

	if (t->over || rc == CURLE_FILESIZE_EXCEEDED)
		lg_buf_addf(msg, "body larger than %zu bytes", t->cap);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		lg_buf_addf(msg, "timed out after %ld ms", timeout_ms(o));
	else if (rc == CURLE_TOO_MANY_REDIRECTS)
		lg_buf_addf(msg, "too many redirects (stopped after %ld)", redirects);
	else if (rc == CURLE_UNSUPPORTED_PROTOCOL)
		lg_buf_addf(msg, "unsupported or disallowed protocol (%s)",
			    *errbuf ? errbuf : api.easy_strerror(rc));
	else
		lg_buf_adds(msg, *errbuf ? errbuf : api.easy_strerror(rc));
	while (msg->len && msg->buf[msg->len - 1] == '\n')
		msg->buf[--msg->len] = '\0';
}

int lg_http_fetch(const char *url, const struct lg_http_opts *opts, struct lg_buf *body,
		  long *status, struct lg_err *err)
{
	static const struct lg_http_opts defaults;
	const struct lg_http_opts *o = opts ? opts : &defaults;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct transfer t;
	struct curl_slist *hdrs = NULL;
	struct lg_buf msg = LG_BUF_INIT;
	char *shown = lg_http_redact(url);
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	size_t i;
	int ret = -1;

	memset(&t, 0, sizeof(t));
	t.body = body;
	t.start = body->len;
	t.cap = o->max_bytes ? o->max_bytes : LG_HTTP_MAX_BODY;
	if (status)
		*status = 0;
	lg_buf_addf(&msg, "'%s': ", shown);
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK || !(c = api.easy_init())) {
		lg_buf_adds(&msg, load_error[0] ? load_error : "cannot initialise libcurl");
		goto out;
	}
	for (i = 0; i < o->nheaders; i++) {
		struct curl_slist *n = api.slist_append(hdrs, o->headers[i]);

		if (!n) {
			lg_buf_adds(&msg, "cannot build the request headers");
			goto out;
		}
		hdrs = n;
	}
	rc = configure(c, url, o, hdrs, &t, errbuf);
	if (rc == CURLE_OK)
		rc = api.easy_perform(c);
	api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (status)
		*status = code;
	if (rc != CURLE_OK) {
		describe_failure(&msg, rc, errbuf, &t, o);
		goto out;
	}
	/* file:// has no status; anything from a server must be 2xx. */
	if (code && (code < 200 || code > 299)) {
		lg_buf_addf(&msg, "HTTP %ld %s", code, t.reason[0] ? t.reason : standard_reason(code));
		while (msg.buf[msg.len - 1] == ' ')
			msg.buf[--msg.len] = '\0';
		add_snippet(&msg, body->buf + t.start, body->len - t.start);
		goto out;
	}
	ret = 0;
out:
	if (ret) {
		/* A failed fetch appends nothing: no half bodies for the caller. */
		body->len = t.start;
		body->buf[body->len] = '\0';
		scrub_secrets(&msg, url, o);
		lg_error(err, "%s", msg.buf);
	}
	if (hdrs)
		api.slist_free_all(hdrs);
	if (c)
		api.easy_cleanup(c);
	lg_buf_release(&msg);
	free(shown);
	return ret;
}
