/*
 * pattern.c — the seed's leak patterns: why a goroutine is stuck, in the
 * words of a fix.  The classifier combines the wait class the dump parser
 * derived with what the stack shows (os/exec, HTTP client and server loops,
 * timers, handlers) and, when readable, the source line the goroutine is
 * blocked on: `for v := range ch` and `<-ch` block the same way but need
 * different fixes.  Leak groups, dump summaries and `leakgate stacks` all
 * name patterns from this one table.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"
#include "pattern.h"

#define SOURCE_CAP ((size_t)8 << 20)

static const struct lg_pattern patterns[] = {
	{ "range-unclosed-chan", "range over a channel that is never closed",
	  "close the channel when the last sender is done, or stop the loop with a context or done channel" },
	{ "recv-no-sender", "receive with no sender",
	  "make sure every receive has a matching send, or select on ctx.Done() as well" },
	{ "send-no-receiver", "send with no receiver",
	  "give the channel a buffer of the number of sends, or select on ctx.Done() so the sender can give up" },
	{ "select-no-ready-case", "select with no ready case",
	  "add a case <-ctx.Done() (or a done channel) that the test cancels in t.Cleanup" },
	{ "select-forever", "select {} blocks forever",
	  "replace select {} with a wait on a context or done channel that is closed on shutdown" },
	{ "nil-channel", "operation on a nil channel blocks forever",
	  "initialise the channel with make before use; a nil channel never becomes ready" },
	{ "waitgroup-never-done", "WaitGroup that never reaches zero",
	  "call wg.Add before starting the goroutine and defer wg.Done() inside it" },
	{ "lock-never-released", "lock that is never released",
	  "defer mu.Unlock() right after mu.Lock(), and never copy a locked mutex" },
	{ "lock-wait", "waiting for a lock that is still held",
	  "another goroutine still holds the lock (the dump does not say which): make the holder "
	  "return when the test ends, and defer mu.Unlock() right after mu.Lock()" },
	{ "cond-never-signalled", "Cond.Wait that is never signalled",
	  "call Signal or Broadcast after changing the condition, and on shutdown" },
	{ "timer-wait", "waiting on a timer channel (time.After, NewTimer, Ticker) that outlives the test",
	  "select on ctx.Done() (or a done channel) as well as the timer, and Stop a NewTimer/NewTicker when the test ends" },
	{ "exec-not-waited", "os/exec command that was never waited for",
	  "cmd.Wait() was never called: call it after cmd.Start() on every path (or use cmd.Run); it ends "
	  "the copying goroutines and reaps the child" },
	{ "client-not-closed", "HTTP client connection left open",
	  "a client connection was not closed: close every resp.Body and call "
	  "client.CloseIdleConnections() (or the Transport's) when the test ends" },
	{ "ticker-not-stopped", "ticker or timer that is never stopped",
	  "defer ticker.Stop() and leave the loop on ctx.Done(); time.Tick cannot be stopped" },
	{ "handler-goroutine", "goroutine started by an HTTP handler without cancellation",
	  "derive a context from r.Context() and return when it is done, or use a bounded worker pool" },
	{ "server-not-closed", "HTTP server or connection left open",
	  "defer srv.Close() (httptest.Server) and close response bodies" },
	{ "h2-server-conn-open", "HTTP/2 server connection still open",
	  "its client end was never closed, or the server never shut down: close the client's "
	  "Transport (CloseIdleConnections) and the server (srv.Close) when the test ends" },
	{ "sleep-outlives-test", "goroutine sleeping past the end of the test",
	  "use a timer with a select on ctx.Done() instead of time.Sleep, and wait for it in t.Cleanup" },
	{ "io-never-closed", "goroutine blocked on network I/O that is never closed",
	  "close listeners and connections when the test ends (t.Cleanup)" },
	{ "blocked-goroutine", "goroutine still running after the tests",
	  "make the goroutine return when the test ends: a context, a done channel, or Close" },
};

static const struct lg_pattern *pattern_by_id(const char *id)
{
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(patterns); i++)
		if (strcmp(patterns[i].id, id) == 0)
			return &patterns[i];
	return &patterns[LG_ARRAY_SIZE(patterns) - 1];
}

/* Lines [line, line+extra] of a source file, or an empty buffer. */
static void source_lines(const char *file, int line, int extra, struct lg_buf *out)
{
	struct lg_buf text = LG_BUF_INIT;
	const char *p;
	int n = 1;

	if (!file || line <= 0 || lg_read_file(file, SOURCE_CAP, &text, NULL))
		goto out;
	for (p = text.buf; *p && n < line; p++)
		if (*p == '\n')
			n++;
	while (*p && n <= line + extra) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lg_buf_add(out, p, len);
		lg_buf_addch(out, '\n');
		if (!nl)
			break;
		p = nl + 1;
		n++;
	}
out:
	lg_buf_release(&text);
}

static int has_word(const char *text, const char *word)
{
	const char *p = text;
	size_t n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		int before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');

		if (before && after)
			return 1;
		p += n;
	}
	return 0;
}

static int mentions_timer(const char *src)
{
	return strstr(src, "time.Tick(") || strstr(src, "time.After(") || has_word(src, "C") ||
	       strstr(src, "ticker") || strstr(src, "Ticker") || strstr(src, "timer");
}

static int frames_have(const struct lg_goroutine *g, const char *needle)
{
	size_t i;

	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && strstr(g->frames[i].func, needle))
			return 1;
	return 0;
}

/* A receive on a timer's channel: <-time.After(d), <-t.C of a NewTimer/Ticker. */
static int waits_on_timer(const struct lg_goroutine *g, const char *src)
{
	if (src && (strstr(src, "time.After(") || strstr(src, "time.Tick(") ||
		    strstr(src, "time.NewTimer(") || strstr(src, "time.NewTicker(")))
		return 1;
	return frames_have(g, "time.After") || frames_have(g, "time.NewTimer") ||
	       frames_have(g, "time.(*Timer)") || frames_have(g, "time.(*Ticker)");
}

/*
 * A client connection's own goroutine: HTTP/1 persistConn loops, the HTTP/2
 * frame reader (x/net/http2 or net/http's bundle).  A client left them
 * behind, whatever server it talked to.
 */
static int http_client_conn(const struct lg_goroutine *g)
{
	return frames_have(g, "net/http.(*persistConn).readLoop") ||
	       frames_have(g, "net/http.(*persistConn).writeLoop") ||
	       frames_have(g, "http2clientConnReadLoop") ||
	       frames_have(g, "golang.org/x/net/http2.(*clientConnReadLoop)") ||
	       frames_have(g, "golang.org/x/net/http2.(*ClientConn).readLoop") ||
	       frames_have(g, "net/http.(*http2ClientConn).readLoop");
}

/*
 * A server's HTTP/2 connection: its serve loop and frame reader (x/net/http2
 * or net/http's bundle).  It lives as long as the connection, often inside
 * an HTTP handler (h2c upgrades the request's connection), so it is no
 * handler's forgotten goroutine.
 */
static int http2_server_conn(const struct lg_goroutine *g)
{
	return frames_have(g, "golang.org/x/net/http2.(*serverConn).") ||
	       frames_have(g, "net/http.(*http2serverConn).");
}

/* Goroutines of os/exec: the copying goroutines and the context watcher. */
static int exec_goroutine(const struct lg_goroutine *g)
{
	return (g->creator.func && lg_starts_with(g->creator.func, "os/exec.")) ||
	       frames_have(g, "os/exec.(*Cmd)");
}

static int lock_wait(enum lg_wait_class w)
{
	return w == LG_WAIT_MUTEX || w == LG_WAIT_RWMUTEX;
}

/*
 * Could another goroutine of the dump hold the lock `g` waits for?  Any
 * goroutine of user code that is not itself waiting for a lock might; the
 * dump does not say which lock a goroutine holds.  The one taking the
 * snapshot ("running"), the hook's and the runtime's own do not count.
 */
static int lock_may_be_held(const struct lg_goroutine *g, const struct lg_dump *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct lg_goroutine *o = &d->g[i];

		if (o->id == g->id || lock_wait(o->wait) || o->wait == LG_WAIT_RUNTIME ||
		    lg_owner_hook_goroutine(o) ||
		    !o->creator.func || lg_starts_with(o->creator.func, "runtime.") ||
		    (o->status && strcmp(o->status, "running") == 0))
			continue;
		return 1;
	}
	return 0;
}

static int in_http_handler(const struct lg_goroutine *g)
{
	size_t i, j;

	for (i = 0; i < g->nancestors; i++)
		for (j = 0; j < g->ancestors[i].nframes; j++) {
			const char *f = g->ancestors[i].frames[j].func;

			if (f && (strstr(f, "net/http.HandlerFunc.ServeHTTP") ||
				  strstr(f, "net/http.(*conn).serve") ||
				  strstr(f, "net/http.serverHandler.ServeHTTP")))
				return 1;
		}
	return 0;
}

static const char *classify_chan(const struct lg_goroutine *g, const char *src)
{
	if (g->status && strstr(g->status, "send"))
		return "send-no-receiver";
	if (waits_on_timer(g, src))
		return "timer-wait";
	if (src && (strstr(src, ".C") && mentions_timer(src)))
		return "ticker-not-stopped";
	if (src && has_word(src, "range"))
		return "range-unclosed-chan";
	return "recv-no-sender";
}

/*
 * `dump` (may be NULL) is the dump g comes from: with it a lock wait can be
 * told "never released" (no goroutine left that could hold it) from "still
 * held"; without it only the wait is known.
 */
static const char *classify(const struct lg_goroutine *g, const struct lg_frame *at, int read,
			    const struct lg_dump *dump)
{
	struct lg_buf src = LG_BUF_INIT;
	const char *id = "blocked-goroutine";

	if (read && at)
		source_lines(at->file, at->line, g->wait == LG_WAIT_SELECT ? 12 : 0, &src);
	if (exec_goroutine(g)) {
		id = "exec-not-waited";
		goto out;
	}
	if (http_client_conn(g)) {
		id = "client-not-closed";
		goto out;
	}
	if (http2_server_conn(g)) {
		id = "h2-server-conn-open";
		goto out;
	}
	if (frames_have(g, "net/http.(*conn).serve") || frames_have(g, "net/http.(*persistConn)")) {
		id = "server-not-closed";
		goto out;
	}
	if (in_http_handler(g)) {
		id = "handler-goroutine";
		goto out;
	}
	switch (g->wait) {
	case LG_WAIT_CHAN: id = classify_chan(g, src.len ? src.buf : NULL); break;
	case LG_WAIT_NIL_CHAN: id = "nil-channel"; break;
	case LG_WAIT_SELECT:
		id = src.len && mentions_timer(src.buf) && strstr(src.buf, ".C")
			     ? "ticker-not-stopped" : "select-no-ready-case";
		break;
	case LG_WAIT_SELECT_NOCASES: id = "select-forever"; break;
	case LG_WAIT_WAITGROUP: id = "waitgroup-never-done"; break;
	case LG_WAIT_MUTEX:
	case LG_WAIT_RWMUTEX:
		id = dump && !lock_may_be_held(g, dump) ? "lock-never-released" : "lock-wait";
		break;
	case LG_WAIT_COND: id = "cond-never-signalled"; break;
	case LG_WAIT_SLEEP: id = "sleep-outlives-test"; break;
	case LG_WAIT_IO: id = "io-never-closed"; break;
	default: break;
	}
out:
	lg_buf_release(&src);
	return id;
}

const struct lg_pattern *lg_pattern_of(const struct lg_goroutine *g, const char *module_root,
				      int read_sources, const struct lg_dump *dump)
{
	return pattern_by_id(classify(g, lg_owner_blocked_frame(g, module_root), read_sources, dump));
}
