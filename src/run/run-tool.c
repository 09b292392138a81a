/*
 * run-tool.c — tool specs, identity and version, and the command line each
 * tool version spells.
 *
 * Spellings (read from the esptool sources of 2.x to 5.x):
 *   esptool < 5   write_flash, --before no_reset, --after no_reset, -u
 *   esptool >= 5  write-flash, --before no-reset, --after no-reset,
 *                 --no-compress (the underscored names still work there,
 *                 with a deprecation warning we do not want in the log)
 *   esptool >= 5.3  --stub-version N (hidden option) when a stub version is asked
 *   esptool-js client (tests/js/flash.mjs): esptool's underscored names,
 *                 plus --timeout for its own deadline.
 * The identity a judgement uses is the one the tool announces (its banner,
 * or the version subcommand), never one guessed from a path.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp.h"
#include "run.h"
#include "util.h"

#ifndef SLIPTAP_DATADIR
#define SLIPTAP_DATADIR "/usr/local/share/sliptap"
#endif

void
run_tool_free(struct run_tool *t)
{
	size_t i;

	if (t == NULL)
		return;
	free(t->label);
	free(t->spec);
	free(t->path);
	for (i = 0; i < t->nwords; i++)
		free(t->words[i]);
	memset(t, 0, sizeof(*t));
}

/* "~/x" -> "$HOME/x". */
static char *
run_tool_expand(const char *p)
{
	const char *home = getenv("HOME");
	char *s;

	if (p[0] == '~' && p[1] == '/' && home != NULL) {
		xasprintf(&s, "%s%s", home, p + 1);
		return s;
	}
	return xstrdup(p);
}

static int
run_tool_add_word(struct run_tool *t, const char *w, size_t len, char *err, size_t errlen)
{
	if (t->nwords == RUN_TOOL_MAX_WORDS) {
		snprintf(err, errlen, "tool command has more than %d words", RUN_TOOL_MAX_WORDS);
		return -1;
	}
	t->words[t->nwords] = xmalloc(len + 1);
	memcpy(t->words[t->nwords], w, len);
	t->words[t->nwords][len] = '\0';
	t->nwords++;
	return 0;
}

/* A label must be a short word: letters, digits, '.', '-', '_'. */
static int
run_tool_label_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 40)
		return 0;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("._-+", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* A template's label: its program's name, or the script's after an interpreter. */
static char *
run_tool_word_label(const struct run_tool *t)
{
	const char *w = t->words[0], *b = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;

	if (t->nwords > 1 && t->words[1][0] != '-' && (strncmp(b, "python", 6) == 0 ||
	    strcmp(b, "node") == 0 || strcmp(b, "sh") == 0 || strcmp(b, "bash") == 0)) {
		w = t->words[1];
		b = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
	}
	return xstrdup(b);
}

int
run_tool_parse(const char *spec, struct run_tool *t, char *err, size_t errlen)
{
	const char *eq, *body = spec, *p, *w;

	memset(t, 0, sizeof(*t));
	eq = strchr(spec, '=');
	if (eq != NULL && run_tool_label_ok(spec, (size_t)(eq - spec)) &&
	    strcspn(spec, " \t") > (size_t)(eq - spec)) {
		t->label = xmalloc((size_t)(eq - spec) + 1);
		memcpy(t->label, spec, (size_t)(eq - spec));
		t->label[eq - spec] = '\0';
		body = eq + 1;
	}
	t->spec = xstrdup(body);
	if (strncmp(body, "esptool:", 8) == 0) {
		if (body[8] == '\0') {
			snprintf(err, errlen, "tool \"%s\": esptool: needs the path of esptool.py", spec);
			goto fail;
		}
		t->kind = RUN_TOOL_ESPTOOL;
		t->path = run_tool_expand(body + 8);
		return 0;
	}
	if (strcmp(body, "esptool-js") == 0) {
		t->kind = RUN_TOOL_ESPTOOL_JS;
		if (t->label == NULL)
			t->label = xstrdup("esptool-js");
		return 0;
	}
	t->kind = RUN_TOOL_TEMPLATE;
	for (p = body; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (run_tool_add_word(t, w, (size_t)(p - w), err, errlen) != 0)
			goto fail;
	}
	if (t->nwords == 0) {
		snprintf(err, errlen, "tool \"%s\": empty command (esptool:PATH, esptool-js or a command with {port})", spec);
		goto fail;
	}
	if (strstr(body, "{port}") == NULL) {
		snprintf(err, errlen, "tool \"%s\": not esptool:PATH or esptool-js, and a command template needs {port}", spec);
		goto fail;
	}
	if (t->label == NULL)
		t->label = run_tool_word_label(t);
	return 0;
fail:
	run_tool_free(t);
	return -1;
}

int
run_tool_from_argv(int argc, char **argv, struct run_tool *t, char *err, size_t errlen)
{
	int i, port = 0;

	memset(t, 0, sizeof(*t));
	t->kind = RUN_TOOL_TEMPLATE;
	for (i = 0; i < argc; i++) {
		if (run_tool_add_word(t, argv[i], strlen(argv[i]), err, errlen) != 0) {
			run_tool_free(t);
			return -1;
		}
		if (strstr(argv[i], "{port}") != NULL)
			port = 1;
	}
	if (argc == 0 || !port) {
		snprintf(err, errlen, "the command after -- needs {port} where the port goes");
		run_tool_free(t);
		return -1;
	}
	t->spec = xstrdup(argv[0]);
	t->label = run_tool_word_label(t);
	return 0;
}

static int
run_tool_js_ok(const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/flash.mjs", dir);
	if (stat(path, &st) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/node_modules/esptool-js/package.json", dir);
	return stat(path, &st) == 0 ? 1 : -1;
}

int
run_tool_find_js(struct run_tool *t, char *err, size_t errlen)
{
	char self[4096], dir[4096], *slash;
	const char *cands[4];
	size_t n = 0, i;
	ssize_t len;
	int found = 0, r;

	/* $SLIPTAP_JS, the source tree next to the binary (BUILD/sliptap -> ../tests/js), the data dir. */
	if (getenv("SLIPTAP_JS") != NULL)
		cands[n++] = getenv("SLIPTAP_JS");
	dir[0] = '\0';
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[len] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(dir, sizeof(dir), "%.4000s/tests/js", self);
			cands[n++] = dir;
		}
	}
	cands[n++] = SLIPTAP_DATADIR "/js";
	for (i = 0; i < n; i++) {
		r = run_tool_js_ok(cands[i]);
		if (r == 1) {
			free(t->path);
			xasprintf(&t->path, "%s/flash.mjs", cands[i]);
			return 0;
		}
		if (r == -1)
			found = 1;
	}
	if (found)
		snprintf(err, errlen, "esptool-js: flash.mjs found but its node_modules are missing (run make deps)");
	else
		snprintf(err, errlen, "esptool-js: no flash.mjs client (set SLIPTAP_JS to the directory holding it)");
	return -1;
}

/* Run argv with stdout+stderr into buf (NUL-terminated); the exit status or -1. */
static int
run_tool_capture(char *const argv[], char *buf, size_t buflen)
{
	int fds[2], status, devnull;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	buf[0] = '\0';
	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		n = read(fds[0], buf + got, buflen - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == buflen - 1)
			break;
	}
	buf[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *
run_tool_python(void)
{
	const char *p = getenv("SLIPTAP_PYTHON");

	return p != NULL && *p != '\0' ? p : "/usr/bin/python3";
}

int
run_tool_detect(struct run_tool *t, char *err, size_t errlen)
{
	char buf[8192], path[4096], *p, *q;
	char *argv[4];
	FILE *f;
	int st;

	t->client[0] = t->version[0] = '\0';
	if (t->kind == RUN_TOOL_ESPTOOL) {
		if (access(t->path, R_OK) != 0) {
			snprintf(err, errlen, "esptool: %s: %s", t->path, strerror(errno));
			return -1;
		}
		argv[0] = (char *)run_tool_python();
		argv[1] = t->path;
		argv[2] = (char *)"version";
		argv[3] = NULL;
		st = run_tool_capture(argv, buf, sizeof(buf));
		if (st != 0 || !run_banner_parse(buf, strlen(buf), t->client, sizeof(t->client),
		    t->version, sizeof(t->version)) || t->version[0] == '\0') {
			snprintf(err, errlen, "esptool: %s: \"%s %s version\" did not print an esptool banner (exit %d)",
			    t->path, argv[0], t->path, st);
			return -1;
		}
		if (t->label == NULL)
			xasprintf(&t->label, "esptool-%s", t->version);
		return 0;
	}
	if (t->kind == RUN_TOOL_ESPTOOL_JS) {
		if (t->path == NULL && run_tool_find_js(t, err, errlen) != 0)
			return -1;
		snprintf(t->client, sizeof(t->client), "esptool-js");
		snprintf(path, sizeof(path), "%.*s/node_modules/esptool-js/package.json",
		    (int)(strrchr(t->path, '/') - t->path), t->path);
		if ((f = fopen(path, "r")) != NULL) {
			while (fgets(buf, sizeof(buf), f) != NULL) {
				if ((p = strstr(buf, "\"version\"")) == NULL)
					continue;
				if ((p = strchr(p + 9, '"')) == NULL)
					continue;
				if ((q = strchr(p + 1, '"')) == NULL)
					continue;
				snprintf(t->version, sizeof(t->version), "%.*s", (int)(q - p - 1), p + 1);
				break;
			}
			fclose(f);
		}
		return 0;
	}
	return 0;
}

int
run_banner_parse(const char *text, size_t len, char *client, size_t clientlen,
    char *version, size_t versionlen)
{
	static const struct {
		const char *prefix;
		const char *client;
	} banners[] = {
		{ "esptool.py v", "esptool" },
		{ "esptool v", "esptool" },
		{ "esptool-js v", "esptool-js" },
		{ "esptool.js", "esptool-js" },
	};
	size_t i, pos, end, plen, v;
	const char *line;

	for (pos = 0; pos < len; pos = end + 1) {
		for (end = pos; end < len && text[end] != '\n' && text[end] != '\r'; end++)
			;
		line = text + pos;
		for (i = 0; i < nitems(banners); i++) {
			plen = strlen(banners[i].prefix);
			if (end - pos < plen || memcmp(line, banners[i].prefix, plen) != 0)
				continue;
			for (v = plen; pos + v < end && (isdigit((unsigned char)line[v]) ||
			    line[v] == '.' || isalpha((unsigned char)line[v])); v++)
				;
			if (banners[i].prefix[plen - 1] == 'v' &&
			    (v == plen || !isdigit((unsigned char)line[plen])))
				continue;
			snprintf(client, clientlen, "%s", banners[i].client);
			if (banners[i].prefix[plen - 1] == 'v')
				snprintf(version, versionlen, "%.*s", (int)(v - plen), line + plen);
			else
				version[0] = '\0';
			return 1;
		}
	}
	return 0;
}

int
run_version_cmp(const char *a, const char *b)
{
	unsigned long x, y;
	char *ea, *eb;

	while (*a != '\0' || *b != '\0') {
		x = strtoul(a, &ea, 10);
		y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a = ea;
		b = eb;
		while (*a != '\0' && !isdigit((unsigned char)*a))
			a++;
		while (*b != '\0' && !isdigit((unsigned char)*b))
			b++;
	}
	return 0;
}

struct run_argv {
	char	**v;
	size_t	  n, cap;
};

static void
run_argv_add(struct run_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

/* A number in decimal, or in hex with a 0x prefix. */
static void
run_argv_addn(struct run_argv *a, int hex, unsigned long v)
{
	char buf[32];

	if (hex)
		snprintf(buf, sizeof(buf), "0x%lx", v);
	else
		snprintf(buf, sizeof(buf), "%lu", v);
	run_argv_add(a, buf);
}

void
run_argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* Expand {port} {chip} {offset} {image} {baud} in one template word. */
static int
run_tool_expand_word(struct run_argv *a, const char *w, const struct run_flash *f,
    char *err, size_t errlen)
{
	char out[4096], val[64];
	const char *p, *close, *rep;
	size_t o = 0, n;

	for (p = w; *p != '\0';) {
		if (*p != '{' || (close = strchr(p, '}')) == NULL) {
			if (o + 1 < sizeof(out))
				out[o++] = *p;
			p++;
			continue;
		}
		n = (size_t)(close - p + 1);
		rep = NULL;
		if (n == 6 && memcmp(p, "{port}", 6) == 0)
			rep = f->port;
		else if (n == 6 && memcmp(p, "{chip}", 6) == 0)
			rep = f->chip;
		else if (n == 7 && memcmp(p, "{image}", 7) == 0)
			rep = f->image;
		else if (n == 8 && memcmp(p, "{offset}", 8) == 0) {
			snprintf(val, sizeof(val), "0x%x", f->offset);
			rep = val;
		} else if (n == 6 && memcmp(p, "{baud}", 6) == 0) {
			snprintf(val, sizeof(val), "%u", f->baud ? f->baud : ESP_DEFAULT_BAUD);
			rep = val;
		} else {
			snprintf(err, errlen, "unknown placeholder %.*s in \"%s\" (known: {port} {chip} {offset} {image} {baud})",
			    (int)n, p, w);
			return -1;
		}
		if (rep == NULL)
			rep = "";
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", rep);
		if (o >= sizeof(out))
			o = sizeof(out) - 1;
		p = close + 1;
	}
	out[o] = '\0';
	run_argv_add(a, out);
	return 0;
}

static void
run_tool_argv_esptool(struct run_argv *a, const struct run_tool *t, const struct run_flash *f)
{
	int v5 = t->version[0] != '\0' && run_version_cmp(t->version, "5") >= 0;
	int v53 = t->version[0] != '\0' && run_version_cmp(t->version, "5.3") >= 0;

	run_argv_add(a, "--port");
	run_argv_add(a, f->port);
	run_argv_add(a, "--chip");
	run_argv_add(a, f->chip);
	run_argv_add(a, "--before");
	run_argv_add(a, v5 ? "no-reset" : "no_reset");
	run_argv_add(a, "--after");
	run_argv_add(a, v5 ? "no-reset" : "no_reset");
	if (f->stub == 0)
		run_argv_add(a, "--no-stub");
	if (v53 && f->stub_version != NULL) {
		run_argv_add(a, "--stub-version");
		run_argv_add(a, f->stub_version);
	}
	if (f->baud != 0) {
		run_argv_add(a, "--baud");
		run_argv_addn(a, 0, f->baud);
	}
	run_argv_add(a, v5 ? "write-flash" : "write_flash");
	if (f->compress == 0)
		run_argv_add(a, v5 ? "--no-compress" : "-u");
	run_argv_addn(a, 1, f->offset);
	run_argv_add(a, f->image);
}

static void
run_tool_argv_js(struct run_argv *a, const struct run_flash *f)
{
	run_argv_add(a, "--port");
	run_argv_add(a, f->port);
	run_argv_add(a, "--chip");
	run_argv_add(a, f->chip);
	run_argv_add(a, "--before");
	run_argv_add(a, "no_reset");
	run_argv_add(a, "--after");
	run_argv_add(a, "no_reset");
	if (f->timeout_s != 0) {
		run_argv_add(a, "--timeout");
		run_argv_addn(a, 0, f->timeout_s);
	}
	if (f->stub == 0)
		run_argv_add(a, "--no-stub");
	if (f->baud != 0) {
		run_argv_add(a, "--baud");
		run_argv_addn(a, 0, f->baud);
	}
	if (f->compress == 0)
		run_argv_add(a, "--no-compress");
	run_argv_add(a, "write_flash");
	run_argv_addn(a, 1, f->offset);
	run_argv_add(a, f->image);
}

int
run_tool_argv(const struct run_tool *t, const struct run_flash *f, const char *python,
    const char *node, char ***argvp, char *err, size_t errlen)
{
	struct run_argv a = { NULL, 0, 0 };
	size_t i;

	*argvp = NULL;
	switch (t->kind) {
	case RUN_TOOL_ESPTOOL:
		run_argv_add(&a, python);
		run_argv_add(&a, t->path);
		run_tool_argv_esptool(&a, t, f);
		break;
	case RUN_TOOL_ESPTOOL_JS:
		run_argv_add(&a, node);
		run_argv_add(&a, t->path != NULL ? t->path : "flash.mjs");
		run_tool_argv_js(&a, f);
		break;
	case RUN_TOOL_TEMPLATE:
		for (i = 0; i < t->nwords; i++) {
			if (run_tool_expand_word(&a, t->words[i], f, err, errlen) != 0) {
				run_argv_free(a.v);
				return -1;
			}
		}
		break;
	default:
		snprintf(err, errlen, "no tool");
		return -1;
	}
	*argvp = a.v;
	return (int)a.n;
}
