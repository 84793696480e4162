/*
 * config.c — defaults, leakgate.json, and the size/duration syntax shared
 * with the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "jsonutil.h"

void lg_config_init(struct lg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_leaks = 0;
	c->max_heap_growth = 1 << 20;
	c->timeout = 600;
	c->grace = 5;
	c->settle = 0.5;
	c->schedtrace_ms = 1000;
	c->ancestors = LG_DEFAULT_ANCESTORS;
	c->mem_profile_rate = LG_DEFAULT_MEM_PROFILE_RATE;
	c->heap_passes = LG_DEFAULT_HEAP_PASSES;
	c->deadlock_after = 2;
}

void lg_ignore_rule_release(struct lg_ignore_rule *r)
{
	free(r->top_func);
	free(r->any_func);
	free(r->creator);
	free(r->wait);
}

void lg_config_release(struct lg_config *c)
{
	size_t i;

	for (i = 0; i < c->nignores; i++)
		lg_ignore_rule_release(&c->ignores[i]);
	free(c->ignores);
	lg_config_init(c);
}

const char *lg_leaks_mode_name(enum lg_leaks_mode m)
{
	return m == LG_LEAKS_PROVEN ? "proven" : "alive";
}

int lg_leaks_mode_parse(const char *s, enum lg_leaks_mode *out)
{
	if (strcmp(s, "alive") == 0)
		*out = LG_LEAKS_ALIVE;
	else if (strcmp(s, "proven") == 0)
		*out = LG_LEAKS_PROVEN;
	else
		return -1;
	return 0;
}

int lg_parse_size(const char *s, int64_t *out)
{
	static const struct { const char *suffix; double mul; } units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024.0 }, { "MiB", 1048576.0 },
		{ "GiB", 1073741824.0 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 },
		{ "k", 1024.0 }, { "K", 1024.0 }, { "M", 1048576.0 }, { "G", 1073741824.0 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isfinite(v))
		return -1;
	for (i = 0; i < LG_ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			v *= units[i].mul;
			if (v > 9e18)
				return -1;
			*out = (int64_t)v;
			return 0;
		}
	}
	return -1;
}

int lg_parse_duration(const char *s, double *secs)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "µs", 1e-6 }, { "ms", 1e-3 },
		{ "s", 1 }, { "m", 60 }, { "h", 3600 },
	};
	double total = 0;
	const char *p = s;

	if (!*p)
		return -1;
	if (strcmp(p, "0") == 0) {
		*secs = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v;
		size_t i, best = 0, bestlen = 0;

		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno || v < 0 || *p == '+' || *p == '-' || isspace((unsigned char)*p))
			return -1;
		for (i = 0; i < LG_ARRAY_SIZE(units); i++) {
			size_t n = strlen(units[i].unit);

			if (strncmp(end, units[i].unit, n) == 0 && n > bestlen) {
				best = i;
				bestlen = n;
			}
		}
		if (!bestlen)
			return -1;
		total += v * units[best].mul;
		p = end + bestlen;
	}
	if (!isfinite(total) || total > 1e9)
		return -1;
	*secs = total;
	return 0;
}

static int get_string(json_t *v, const char *path, const char *key, char **out,
		      struct lg_err *err)
{
	if (!json_is_string(v))
		return lg_error(err, "'%s': %s: expected a string", path, key);
	free(*out);
	*out = lg_xstrdup(json_string_value(v));
	return 0;
}

int lg_ignore_rule_load(json_t *o, struct lg_ignore_rule *r, const char *path, size_t idx,
			struct lg_err *err)
{
	const char *key;
	json_t *v;
	char where[64];
	int ret = 0, fields = 0;

	snprintf(where, sizeof(where), "ignore[%zu]", idx);
	if (!json_is_object(o))
		return lg_error(err, "'%s': %s: expected an object", path, where);
	json_object_foreach(o, key, v) {
		if (ret)
			break;
		if (strcmp(key, "top_function") == 0)
			ret = get_string(v, path, where, &r->top_func, err), fields++;
		else if (strcmp(key, "function") == 0)
			ret = get_string(v, path, where, &r->any_func, err), fields++;
		else if (strcmp(key, "creator") == 0)
			ret = get_string(v, path, where, &r->creator, err), fields++;
		else if (strcmp(key, "wait_reason") == 0)
			ret = get_string(v, path, where, &r->wait, err), fields++;
		else if (strcmp(key, "reason") != 0)
			ret = lg_error(err, "'%s': %s: unknown key '%s' (known: top_function, "
					    "function, creator, wait_reason, reason)", path, where, key);
	}
	if (!ret && !fields)
		ret = lg_error(err, "'%s': %s: a rule needs at least one of top_function, "
				    "function, creator, wait_reason", path, where);
	return ret;
}

static int load_ignores(struct lg_config *c, json_t *arr, const char *path, struct lg_err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return lg_error(err, "'%s': ignore: expected an array of rules", path);
	if (json_array_size(arr) > LG_CONFIG_MAX_IGNORES)
		return lg_error(err, "'%s': ignore: more than %d rules", path, LG_CONFIG_MAX_IGNORES);
	json_array_foreach(arr, i, v) {
		struct lg_ignore_rule *r;

		c->ignores = lg_xrealloc(c->ignores, (c->nignores + 1) * sizeof(*c->ignores));
		r = &c->ignores[c->nignores++];
		memset(r, 0, sizeof(*r));
		if (lg_ignore_rule_load(v, r, path, i, err))
			return -1;
	}
	return 0;
}

static int load_duration(json_t *v, const char *path, const char *key, double *out,
			 struct lg_err *err)
{
	if (!json_is_string(v) || lg_parse_duration(json_string_value(v), out))
		return lg_error(err, "'%s': %s: expected a duration such as \"10m\" or \"500ms\"",
				path, key);
	return 0;
}

static int load_int(json_t *v, const char *path, const char *key, int lo, int hi, int *out,
		    struct lg_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return lg_error(err, "'%s': %s: expected an integer from %d to %d", path, key, lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int load_key(struct lg_config *c, const char *key, json_t *v, const char *path,
		    struct lg_err *err)
{
	if (strcmp(key, "version") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) != 1)
			return lg_error(err, "'%s': version: this leakgate reads config version 1", path);
		return 0;
	}
	if (strcmp(key, "max_leaked_goroutines") == 0)
		return load_int(v, path, key, 0, 1000000, &c->max_leaks, err);
	if (strcmp(key, "max_heap_growth") == 0) {
		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			c->max_heap_growth = json_integer_value(v);
			return 0;
		}
		if (json_is_string(v) && !lg_parse_size(json_string_value(v), &c->max_heap_growth))
			return 0;
		return lg_error(err, "'%s': %s: expected bytes or a size such as \"1MiB\"", path, key);
	}
	if (strcmp(key, "leaks") == 0) {
		if (!json_is_string(v) || lg_leaks_mode_parse(json_string_value(v), &c->leaks))
			return lg_error(err, "'%s': %s: expected \"alive\" or \"proven\"", path, key);
		return 0;
	}
	if (strcmp(key, "timeout") == 0)
		return load_duration(v, path, key, &c->timeout, err);
	if (strcmp(key, "grace") == 0)
		return load_duration(v, path, key, &c->grace, err);
	if (strcmp(key, "settle") == 0)
		return load_duration(v, path, key, &c->settle, err);
	if (strcmp(key, "schedtrace_ms") == 0)
		return load_int(v, path, key, 0, 3600000, &c->schedtrace_ms, err);
	if (strcmp(key, "traceback_ancestors") == 0)
		return load_int(v, path, key, 0, 1000, &c->ancestors, err);
	if (strcmp(key, "heap_passes") == 0)
		return load_int(v, path, key, 1, 100, &c->heap_passes, err);
	if (strcmp(key, "mem_profile_rate") == 0)
		return load_int(v, path, key, 0, 1 << 30, &c->mem_profile_rate, err);
	if (strcmp(key, "deadlock_after") == 0)
		return load_duration(v, path, key, &c->deadlock_after, err);
	if (strcmp(key, "stress") == 0)
		return load_duration(v, path, key, &c->stress, err);
	if (strcmp(key, "fail_fast_deadlock") == 0) {
		if (!json_is_boolean(v))
			return lg_error(err, "'%s': %s: expected true or false", path, key);
		c->fail_fast_deadlock = json_is_true(v);
		return 0;
	}
	if (strcmp(key, "ignore") == 0)
		return load_ignores(c, v, path, err);
	if (key[0] == '$' || key[0] == '_')
		return 0; /* "$schema", "_comment" */
	return lg_error(err, "'%s': unknown key '%s'", path, key);
}

int lg_config_load(struct lg_config *c, const char *path, int optional, struct lg_err *err)
{
	static const struct lg_json_caps caps = { LG_CONFIG_MAX_BYTES, 0, 0 };
	json_t *root = NULL, *v;
	const char *key;
	int ret = 0;

	if (optional && access(path, F_OK) != 0)
		return 0;
	root = lg_json_read_file(path, "", &caps, err);
	if (!root)
		return -1;
	json_object_foreach(root, key, v) {
		ret = load_key(c, key, v, path, err);
		if (ret)
			break;
	}
	json_decref(root);
	return ret;
}
