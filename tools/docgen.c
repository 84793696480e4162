/*
 * docgen.c — turns the command documentation in doc/ into everything
 * that shows it: the `--help` texts compiled into leakgate, one man page per
 * command, and the bash, zsh and fish completions.  One source, so the help,
 * the manual and the completions cannot drift apart (curl does the same
 * from its per-option docs).
 *
 * A doc file is the `--help` text verbatim, with three additions:
 *   line 1            "NAME - SUMMARY" (the man page's NAME line; for
 *                     leakgate-X also the summary in `leakgate --help`)
 *   %include FILE     the lines of FILE (relative to the doc), e.g. flags
 *                     two commands share
 *   %commands         "  NAME     SUMMARY" for every top-level command
 *   %flags-of NAME    completion only: this command also takes NAME's flags
 * The help text is laid out the one way the man page reader understands:
 * "  TERM   description" items (continued by deeper-indented lines),
 * "heading:" lines before items, 2-space indented examples, and a final
 * "exit codes: ..." paragraph, which every doc must have.
 *
 * Run at build time only; it reads trusted files from the source tree, and
 * any problem is a message and exit status 1 that stops the build.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DOCS 64
#define MAX_OPTS 128

struct opt {
	char *name; /* "--junit" or "-o" */
	char *arg;  /* "FILE", or NULL */
	char *desc; /* first line of the description */
};

struct doc {
	char *name;     /* "leakgate-run" */
	char *summary;
	char *text;     /* the --help text, directives expanded */
	char *flags_of; /* %flags-of, or NULL */
	char *words;    /* subcommand words, space separated ("" if none) */
	struct opt opts[MAX_OPTS];
	size_t nopts;
};

static struct doc docs[MAX_DOCS];
static size_t ndocs;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("docgen: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* A growable string. */
struct sb {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static char *read_file(const char *path)
{
	struct sb b = { NULL, 0, 0 };
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot open '%s'", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&b, buf, n);
	if (ferror(f))
		die("cannot read '%s'", path);
	fclose(f);
	sb_add(&b, "", 0);
	return b.s;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write '%s'", path);
	return f;
}

static void close_out(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f))
		die("writing '%s' failed", path);
}

/* Appends `body` (a doc's lines after the first) to b, expanding %include. */
static void expand(struct sb *b, struct doc *d, const char *body, const char *dir, int depth)
{
	const char *p = body;

	if (depth > 4)
		die("%s: %%include nested too deeply", d->name);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (!strncmp(p, "%include ", 9)) {
			char *file = xstrndup(p + 9, n - 9 - (nl != NULL));
			char *path, *inc;

			if (asprintf(&path, "%s/%s", dir, file) < 0)
				die("out of memory");
			inc = read_file(path);
			expand(b, d, inc, dir, depth + 1);
			free(inc);
			free(path);
			free(file);
		} else if (!strncmp(p, "%flags-of ", 10)) {
			d->flags_of = xstrndup(p + 10, n - 10 - (nl != NULL));
		} else if (!strncmp(p, "%commands", 9)) {
			sb_puts(b, "%commands\n");
		} else if (*p == '%') {
			die("%s: unknown directive '%.*s'", d->name, (int)(n - (nl != NULL)), p);
		} else {
			sb_add(b, p, n);
		}
		p += n;
	}
}

static void load(const char *path)
{
	struct doc *d;
	char *src = read_file(path), *nl = strchr(src, '\n'), *dash = NULL, *dir, *slash;
	struct sb b = { NULL, 0, 0 };

	if (ndocs == MAX_DOCS)
		die("too many docs");
	d = &docs[ndocs++];
	if (!nl || !(dash = strstr(src, " - ")) || dash > nl)
		die("%s:1: the first line must be 'NAME - SUMMARY'", path);
	d->name = xstrndup(src, (size_t)(dash - src));
	d->summary = xstrndup(dash + 3, (size_t)(nl - dash - 3));
	slash = strrchr(path, '/');
	dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrndup(".", 1);
	expand(&b, d, nl + 1, dir, 0);
	d->text = b.s ? b.s : xstrndup("", 0);
	free(dir);
	free(src);
}

/* "leakgate-run" is a top-level command ("run"); "leakgate-baseline-diff" is not. */
static const char *command_of(const struct doc *d)
{
	if (strncmp(d->name, "leakgate-", 9) || strchr(d->name + 9, '-'))
		return NULL;
	return d->name + 9;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct doc *)a)->name, ((const struct doc *)b)->name);
}

/* Replaces the %commands line with the command list. */
static void expand_commands(struct doc *d)
{
	char *at = strstr(d->text, "%commands\n");
	struct sb b = { NULL, 0, 0 };
	size_t i;

	if (!at)
		return;
	sb_add(&b, d->text, (size_t)(at - d->text));
	for (i = 0; i < ndocs; i++) {
		const char *c = command_of(&docs[i]);
		char line[256];

		if (!c)
			continue;
		snprintf(line, sizeof(line), "  %-10s %s\n", c, docs[i].summary);
		sb_puts(&b, line);
	}
	sb_puts(&b, at + strlen("%commands\n"));
	free(d->text);
	d->text = b.s;
}

/* The length of an item's term: "  TERM  desc" -> TERM, or 0 if not an item line. */
static size_t item_term(const char *line, size_t len, const char **desc)
{
	size_t i;

	if (len < 3 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ')
		return 0;
	for (i = 2; i + 1 < len; i++)
		if (line[i] == ' ' && line[i + 1] == ' ') {
			size_t j = i;

			while (j < len && line[j] == ' ')
				j++;
			if (j == len)
				return 0;
			*desc = line + j;
			return i - 2;
		}
	return 0;
}

static void add_opt(struct doc *d, const char *s, size_t n, const char *desc, size_t dlen)
{
	const char *sp = memchr(s, ' ', n);
	struct opt *o;

	if (d->nopts == MAX_OPTS)
		die("%s: too many options", d->name);
	o = &d->opts[d->nopts++];
	o->name = xstrndup(s, sp ? (size_t)(sp - s) : n);
	o->arg = sp ? xstrndup(sp + 1, n - (size_t)(sp - s) - 1) : NULL;
	o->desc = xstrndup(desc, dlen);
}

/* Collects the options ("-o, --output FILE") and subcommand words of a doc. */
static void scan_items(struct doc *d)
{
	struct sb words = { NULL, 0, 0 };
	const char *p = d->text;

	sb_add(&words, "", 0);
	while (*p) {
		const char *nl = strchr(p, '\n'), *desc = NULL;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t t = item_term(p, len, &desc);

		if (t && p[2] == '-') {
			const char *s = p + 2, *end = p + 2 + t;
			size_t dlen = (size_t)(p + len - desc);

			while (s < end) {
				const char *comma = strstr(s, ", ");

				if (!comma || comma > end)
					comma = end;
				add_opt(d, s, (size_t)(comma - s), desc, dlen);
				s = comma == end ? end : comma + 2;
			}
		} else if (t && islower((unsigned char)p[2]) && strncmp(d->name, "leakgate-", 9) == 0) {
			size_t w = strcspn(p + 2, " ");

			if (words.len)
				sb_puts(&words, " ");
			sb_add(&words, p + 2, w);
		}
		p += len + (nl != NULL);
	}
	d->words = words.s;
}

static const char *suffix(const struct doc *d)
{
	return strcmp(d->name, "leakgate") ? d->name + 9 : "main";
}

static void write_c(const char *cpath, const char *hpath)
{
	FILE *c = open_out(cpath), *h = open_out(hpath);
	size_t i;

	fprintf(h, "/* generated from doc/ by tools/docgen.c; do not edit */\n"
		   "#ifndef LG_HELP_H\n#define LG_HELP_H\n\n"
		   "/* The --help text of each command, as its man page shows it. */\n");
	fprintf(c, "/* generated from doc/ by tools/docgen.c; do not edit */\n"
		   "#include \"help.h\"\n");
	for (i = 0; i < ndocs; i++) {
		const char *p;
		char id[128];
		size_t j;

		snprintf(id, sizeof(id), "lg_help_%s", suffix(&docs[i]));
		for (j = 0; id[j]; j++)
			if (id[j] == '-')
				id[j] = '_';
		fprintf(h, "extern const char %s[];\n", id);
		fprintf(c, "\n/* %s */\nconst char %s[] =", docs[i].name, id);
		for (p = docs[i].text; *p; p++) {
			if (p == docs[i].text || p[-1] == '\n')
				fputs("\n\t\"", c);
			if (*p == '\n')
				fputs("\\n\"", c);
			else if (*p == '"' || *p == '\\' || *p == '?')
				fprintf(c, "\\%c", *p);
			else
				fputc(*p, c);
		}
		if (p > docs[i].text && p[-1] != '\n')
			fputc('"', c);
		fputs(";\n", c);
	}
	fputs("\n#endif\n", h);
	close_out(c, cpath);
	close_out(h, hpath);
}

/* Writes s escaped for roff; a leading '.' or '\'' is defused. */
static void roff(FILE *f, const char *s, size_t n)
{
	size_t i;

	if (n && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", f);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

/* "-o, --output FILE": names bold, arguments italic. */
static void roff_term(FILE *f, const char *s, size_t n)
{
	size_t i = 0, first = 1;

	while (i < n) {
		size_t w = i;
		int comma;

		while (w < n && s[w] != ' ')
			w++;
		comma = w > i && s[w - 1] == ',';
		fputs(s[i] == '-' || first ? "\\fB" : "\\fI", f);
		roff(f, s + i, w - i - (size_t)comma);
		fputs("\\fR", f);
		if (comma)
			fputc(',', f);
		if (w < n)
			fputc(' ', f);
		first = 0;
		i = w + 1;
	}
}

static int next_is_item(const char *nl)
{
	const char *p = nl ? nl + 1 : NULL, *desc;
	const char *end;

	if (!p || !*p)
		return 0;
	end = strchr(p, '\n');
	return item_term(p, end ? (size_t)(end - p) : strlen(p), &desc) != 0;
}

static void write_man(const struct doc *d, const char *dir, const char *version)
{
	enum { TEXT, ITEM, VERB, EXIT } mode = TEXT;
	char *path, upper[128];
	const char *p = d->text;
	FILE *f;
	size_t i;

	if (asprintf(&path, "%s/%s.1", dir, d->name) < 0)
		die("out of memory");
	f = open_out(path);
	for (i = 0; d->name[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)d->name[i]);
	upper[i] = 0;
	fprintf(f, ".\\\" generated from doc/%s.txt by tools/docgen.c; do not edit\n", d->name);
	fprintf(f, ".TH %s 1 \"\" \"leakgate %s\" \"leakgate manual\"\n.SH NAME\n", upper, version);
	roff(f, d->name, strlen(d->name));
	fputs(" \\- ", f);
	roff(f, d->summary, strlen(d->summary));
	fputs("\n.SH SYNOPSIS\n.nf\n", f);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (!strncmp(p, "usage: ", 7))
			roff(f, p + 7, len - 7);
		else if (!strncmp(p, "       leakgate", 15))
			roff(f, p + 7, len - 7);
		else
			break;
		fputc('\n', f);
		p += len + (nl != NULL);
	}
	fputs(".fi\n.SH DESCRIPTION\n", f);
	while (*p) {
		const char *nl = strchr(p, '\n'), *desc = NULL;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t t = item_term(p, len, &desc);

		if (mode == VERB && (len == 0 || p[0] != ' '))
			fputs(".fi\n", f);
		if (len == 0) {
			fputs(".PP\n", f);
			mode = mode == EXIT ? EXIT : TEXT;
		} else if (!strncmp(p, "exit codes: ", 12)) {
			fputs(".SH EXIT STATUS\n", f);
			roff(f, p + 12, len - 12);
			fputc('\n', f);
			mode = EXIT;
		} else if (p[0] != ' ' && p[len - 1] == ':' && next_is_item(nl)) {
			fputs(".SS ", f);
			roff(f, p, len - 1);
			fputc('\n', f);
			mode = TEXT;
		} else if (t) {
			fputs(".TP\n", f);
			roff_term(f, p + 2, t);
			fputc('\n', f);
			roff(f, desc, (size_t)(p + len - desc));
			fputc('\n', f);
			mode = ITEM;
		} else if (mode == ITEM && !strncmp(p, "    ", 4)) {
			const char *s = p;

			while (*s == ' ')
				s++;
			roff(f, s, (size_t)(p + len - s));
			fputc('\n', f);
		} else if (p[0] == ' ') {
			if (mode != VERB)
				fputs(".PP\n.nf\n", f);
			roff(f, p + 2, len - 2);
			fputc('\n', f);
			mode = VERB;
		} else {
			if (mode == ITEM)
				fputs(".PP\n", f);
			roff(f, p, len);
			fputc('\n', f);
			mode = mode == EXIT ? EXIT : TEXT;
		}
		p += len + (nl != NULL);
	}
	if (mode == VERB)
		fputs(".fi\n", f);
	fputs(".SH SEE ALSO\n", f);
	if (strcmp(d->name, "leakgate")) {
		fputs(".BR leakgate (1)\n", f);
	} else {
		const char *sep = "";

		for (i = 0; i < ndocs; i++)
			if (command_of(&docs[i])) {
				fprintf(f, "%s.BR %s (1)", sep, docs[i].name);
				sep = ",\n";
			}
		fputc('\n', f);
	}
	close_out(f, path);
	free(path);
}

static const struct doc *find(const char *name)
{
	size_t i;

	for (i = 0; i < ndocs; i++)
		if (!strcmp(docs[i].name, name))
			return &docs[i];
	return NULL;
}

/* Calls fn for every option a top-level command takes, each name once. */
static void each_opt(const char *cmd, void (*fn)(FILE *, const char *, const struct opt *),
		     FILE *f)
{
	const struct opt *seen[4 * MAX_OPTS];
	size_t nseen = 0, i, j, k, plen;
	char prefix[128];

	plen = (size_t)snprintf(prefix, sizeof(prefix), "leakgate-%s", cmd);
	for (i = 0; i < ndocs; i++) {
		const struct doc *d = &docs[i], *srcs[2];

		if (strncmp(d->name, prefix, plen) || (d->name[plen] && d->name[plen] != '-'))
			continue;
		srcs[0] = d;
		srcs[1] = d->flags_of ? find(d->flags_of) : NULL;
		if (d->flags_of && !srcs[1])
			die("%s: %%flags-of: no doc '%s'", d->name, d->flags_of);
		for (k = 0; k < 2 && srcs[k]; k++)
			for (j = 0; j < srcs[k]->nopts; j++) {
				const struct opt *o = &srcs[k]->opts[j];
				size_t s;

				for (s = 0; s < nseen; s++)
					if (!strcmp(seen[s]->name, o->name))
						break;
				if (s < nseen || nseen == 4 * MAX_OPTS)
					continue;
				seen[nseen++] = o;
				fn(f, cmd, o);
			}
	}
}

static int takes_file(const struct opt *o)
{
	return o->arg && (strstr(o->arg, "FILE") || strstr(o->arg, "DIR"));
}

static void bash_opt(FILE *f, const char *cmd, const struct opt *o)
{
	fprintf(f, " %s", o->name);
}

static void bash_argopt(FILE *f, const char *cmd, const struct opt *o)
{
	if (o->arg)
		fprintf(f, " %s", o->name);
}

static void write_bash(const char *path)
{
	FILE *f = open_out(path);
	size_t i;

	fputs("# bash completion for leakgate; generated from doc/ by tools/docgen.c\n"
	      "_leakgate() {\n"
	      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "  local cmd='' at=0 i opts='' argopts='' words=''\n"
	      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; at=$i; break ;; esac\n"
	      "  done\n"
	      "  case $cmd in\n"
	      "  '')\n    COMPREPLY=($(compgen -W '", f);
	for (i = 0; i < ndocs; i++)
		if (command_of(&docs[i]))
			fprintf(f, "%s ", command_of(&docs[i]));
	fputs("--help --version' -- \"$cur\"))\n    return ;;\n", f);
	for (i = 0; i < ndocs; i++) {
		const char *c = command_of(&docs[i]);

		if (!c)
			continue;
		fprintf(f, "  %s)\n    opts='--help", c);
		each_opt(c, bash_opt, f);
		fputs("'\n    argopts='", f);
		each_opt(c, bash_argopt, f);
		fprintf(f, "'\n    words='%s' ;;\n", docs[i].words);
	}
	fputs("  *) return ;;\n  esac\n"
	      "  case \" $argopts \" in *\" $prev \"*) COMPREPLY=($(compgen -f -- \"$cur\")); return ;; esac\n"
	      "  if [[ $cur == -* ]]; then\n"
	      "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "  elif [[ -n $words && $COMP_CWORD -eq $((at + 1)) ]]; then\n"
	      "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "  else\n"
	      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "  fi\n"
	      "}\n"
	      "complete -o filenames -F _leakgate leakgate\n", f);
	close_out(f, path);
}

/* A description for zsh's _arguments [...] inside single quotes. */
static void zsh_desc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void zsh_opt(FILE *f, const char *cmd, const struct opt *o)
{
	fprintf(f, " \\\n      '%s[", o->name);
	zsh_desc(f, o->desc);
	fputc(']', f);
	if (o->arg) {
		fputc(':', f);
		zsh_desc(f, o->arg);
		fputs(takes_file(o) ? ":_files" : ": ", f);
	}
	fputc('\'', f);
}

static void write_zsh(const char *path)
{
	FILE *f = open_out(path);
	size_t i;

	fputs("#compdef leakgate\n"
	      "# zsh completion for leakgate; generated from doc/ by tools/docgen.c\n"
	      "_leakgate() {\n"
	      "  local -a commands\n"
	      "  commands=(\n", f);
	for (i = 0; i < ndocs; i++)
		if (command_of(&docs[i])) {
			fprintf(f, "    '%s:", command_of(&docs[i]));
			zsh_desc(f, docs[i].summary);
			fputs("'\n", f);
		}
	fputs("  )\n"
	      "  if (( CURRENT == 2 )); then\n"
	      "    _describe -t commands 'leakgate command' commands\n"
	      "    return\n"
	      "  fi\n"
	      "  (( CURRENT-- )); shift words\n"
	      "  case $words[1] in\n", f);
	for (i = 0; i < ndocs; i++) {
		const char *c = command_of(&docs[i]);

		if (!c)
			continue;
		fprintf(f, "  %s)\n    _arguments -s : \\\n      '--help[show the help]'", c);
		each_opt(c, zsh_opt, f);
		if (*docs[i].words)
			fprintf(f, " \\\n      '1:subcommand:(%s)'", docs[i].words);
		fputs(" \\\n      '*:file:_files' ;;\n", f);
	}
	fputs("  esac\n}\n_leakgate \"$@\"\n", f);
	close_out(f, path);
}

static void fish_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void fish_opt(FILE *f, const char *cmd, const struct opt *o)
{
	fprintf(f, "complete -c leakgate -n '__fish_seen_subcommand_from %s' %s %s%s -d ", cmd,
		o->name[1] == '-' ? "-l" : "-s", o->name + (o->name[1] == '-' ? 2 : 1),
		!o->arg ? "" : takes_file(o) ? " -r -F" : " -x");
	fish_str(f, o->desc);
	fputc('\n', f);
}

static void write_fish(const char *path)
{
	FILE *f = open_out(path);
	size_t i;

	fputs("# fish completion for leakgate; generated from doc/ by tools/docgen.c\n"
	      "complete -c leakgate -n __fish_use_subcommand -l help -d 'show the help'\n"
	      "complete -c leakgate -n __fish_use_subcommand -l version -d 'show the version'\n", f);
	for (i = 0; i < ndocs; i++) {
		const char *c = command_of(&docs[i]);

		if (!c)
			continue;
		fprintf(f, "complete -c leakgate -n __fish_use_subcommand -f -a %s -d ", c);
		fish_str(f, docs[i].summary);
		fputc('\n', f);
		fprintf(f, "complete -c leakgate -n '__fish_seen_subcommand_from %s' -l help "
			   "-d 'show the help'\n", c);
		if (*docs[i].words)
			fprintf(f, "complete -c leakgate -n '__fish_seen_subcommand_from %s' -f -a '%s'\n",
				c, docs[i].words);
		each_opt(c, fish_opt, f);
	}
	close_out(f, path);
}

static void release(void)
{
	size_t i, j;

	for (i = 0; i < ndocs; i++) {
		for (j = 0; j < docs[i].nopts; j++) {
			free(docs[i].opts[j].name);
			free(docs[i].opts[j].arg);
			free(docs[i].opts[j].desc);
		}
		free(docs[i].name);
		free(docs[i].summary);
		free(docs[i].text);
		free(docs[i].flags_of);
		free(docs[i].words);
	}
}

static const char usage[] =
	"usage: docgen --version V --c OUT.c OUT.h --man DIR --bash F --zsh F --fish F DOC.txt...\n";

int main(int argc, char **argv)
{
	const char *version = "", *c = NULL, *h = NULL, *man = NULL, *bash = NULL, *zsh = NULL,
		   *fish = NULL;
	int i;
	size_t d;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--c") && i + 2 < argc) {
			c = argv[++i];
			h = argv[++i];
		} else if (i + 1 >= argc) {
			die("%s needs a value\n%s", argv[i], usage);
		} else if (!strcmp(argv[i], "--version")) {
			version = argv[++i];
		} else if (!strcmp(argv[i], "--man")) {
			man = argv[++i];
		} else if (!strcmp(argv[i], "--bash")) {
			bash = argv[++i];
		} else if (!strcmp(argv[i], "--zsh")) {
			zsh = argv[++i];
		} else if (!strcmp(argv[i], "--fish")) {
			fish = argv[++i];
		} else {
			die("unknown option '%s'\n%s", argv[i], usage);
		}
	}
	if (i == argc)
		die("no docs given\n%s", usage);
	for (; i < argc; i++)
		load(argv[i]);
	qsort(docs, ndocs, sizeof(docs[0]), by_name);
	for (d = 0; d < ndocs; d++) {
		expand_commands(&docs[d]);
		scan_items(&docs[d]);
		if (!strstr(docs[d].text, "\nexit codes: "))
			die("%s: the help lists no exit codes ('exit codes: ...' paragraph)",
			    docs[d].name);
	}
	if (c)
		write_c(c, h);
	for (d = 0; man && d < ndocs; d++)
		write_man(&docs[d], man, version);
	if (bash)
		write_bash(bash);
	if (zsh)
		write_zsh(zsh);
	if (fish)
		write_fish(fish);
	release();
	return 0;
}
