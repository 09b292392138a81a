/*
 * run-matrix.c — scenarios x tools (x repetitions): each run is `run_one`
 * in a forked worker (up to --jobs at once), its result comes back as the
 * JSON line it writes; the parent keeps the progress line, the table,
 * results.jsonl, JUnit and the baseline comparison.
 *
 * Order and sharding: scenario files sorted by path within each argument,
 * then tools in the order given, then repetitions; run number i belongs to
 * shard (i mod N) + 1, so N CI jobs with --shard 1/N .. N/N cover every
 * run exactly once whatever the machine.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "run.h"
#include "scenario.h"
#include "util.h"
#include "run-int.h"
#include "run-matrix.h"

int
run_shard_parse(const char *s, unsigned *k, unsigned *n)
{
	char *end;
	unsigned long a, b;

	a = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		return -1;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || a < 1 || b < 1 || a > b || b > 10000)
		return -1;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

int
run_shard_take(size_t index, unsigned k, unsigned n)
{
	return n <= 1 || index % n == (size_t)(k - 1);
}

static int
run_matrix_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expand files and directories (their *.ini, sorted) into m->files. */
int
run_matrix_add_path(struct run_matrix *m, const char *path, char *err, size_t errlen)
{
	struct dirent *de;
	struct stat st;
	size_t first = m->nfiles, len;
	DIR *d;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		m->files = xrealloc(m->files, (m->nfiles + 1) * sizeof(*m->files));
		m->files[m->nfiles++] = xstrdup(path);
		return 0;
	}
	if ((d = opendir(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0 || de->d_name[0] == '.')
			continue;
		m->files = xrealloc(m->files, (m->nfiles + 1) * sizeof(*m->files));
		xasprintf(&m->files[m->nfiles++], "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
	}
	closedir(d);
	if (m->nfiles == first) {
		snprintf(err, errlen, "%s: no *.ini scenario files", path);
		return -1;
	}
	qsort(m->files + first, m->nfiles - first, sizeof(*m->files), run_matrix_cmp);
	return 0;
}

/* Does the scenario's `client` hint admit this tool? (templates: always) */
static int
run_matrix_applies(const char *hint, const struct run_tool *t)
{
	if (hint == NULL || strcmp(hint, "any") == 0 || t->kind == RUN_TOOL_TEMPLATE)
		return 1;
	if (strcmp(hint, "esptool") == 0)
		return t->kind == RUN_TOOL_ESPTOOL;
	if (strcmp(hint, "esptool-js") == 0)
		return t->kind == RUN_TOOL_ESPTOOL_JS;
	return 1;
}

/* The list of runs, in matrix order, filtered by the shard. */
void
run_matrix_plan(struct run_matrix *m)
{
	struct scenario sc;
	char err[2048];
	size_t f, t, index = 0;
	unsigned r;
	int ok;
	const char *hint;

	for (f = 0; f < m->nfiles; f++) {
		ok = scenario_parse_file(m->files[f], &sc, err, sizeof(err)) == 0;
		hint = ok ? sc.flash.client : NULL;
		for (t = 0; t < m->ntools; t++) {
			if (!run_matrix_applies(hint, &m->tools[t]))
				continue;
			for (r = 0; r < m->repeat; r++, index++) {
				if (!run_shard_take(index, m->shard_k, m->shard_n))
					continue;
				m->runs = xrealloc(m->runs, (m->nruns + 1) * sizeof(*m->runs));
				memset(&m->runs[m->nruns], 0, sizeof(m->runs[m->nruns]));
				m->runs[m->nruns].file = f;
				m->runs[m->nruns].tool = t;
				m->runs[m->nruns].rep = r;
				m->nruns++;
			}
		}
		if (ok)
			scenario_free(&sc);
	}
}

/* The worker: one run, its JSON line into `out`. Never returns. */
static void
run_matrix_worker(struct run_matrix *m, size_t i, const char *out, const char *notes)
{
	struct run_opts o = m->base;
	struct run_result res;
	struct run_tool *t = &m->tools[m->runs[i].tool];
	char keep[4096];
	FILE *f;

	o.scenario = m->files[m->runs[i].file];
	o.repeat_index = (int)m->runs[i].rep;
	o.quiet = 1;
	o.live = 0;
	o.progress = fopen(notes, "w");
	if (o.progress == NULL)
		o.progress = stderr;
	if (m->keep != NULL) {
		snprintf(keep, sizeof(keep), "%s/%03zu-%s", m->keep, i, t->label);
		o.keep = keep;
	}
	run_one(&o, t, &res);
	if ((f = fopen(out, "w")) != NULL) {
		run_result_json(f, &res);
		fputc('\n', f);
		fclose(f);
	}
	run_result_free(&res);
	_exit(0);
}

static void
run_matrix_collect(struct run_matrix *m, size_t i)
{
	char path[4200], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/result-%zu.json", m->dir, i);
	if ((f = fopen(path, "r")) != NULL && (n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (run_record_parse(line, &m->runs[i].rec) == 0) {
			m->runs[i].json = line;
			m->runs[i].have = 1;
			line = NULL;
		}
	}
	if (f != NULL)
		fclose(f);
	free(line);
	if (!m->runs[i].have) {
		/* The worker died before writing: a harness error in the matrix's own words. */
		struct run_record *r = &m->runs[i].rec;
		char *j = NULL;

		memset(r, 0, sizeof(*r));
		r->scenario = xstrdup(m->files[m->runs[i].file]);
		r->tool = xstrdup(m->tools[m->runs[i].tool].label);
		r->client = xstrdup(m->tools[m->runs[i].tool].client);
		r->version = xstrdup(m->tools[m->runs[i].tool].version);
		r->verdict = xstrdup("HARNESS_ERROR");
		r->outcome = xstrdup("none");
		r->fired = xstrdup("");
		r->why = xstrdup(run_interrupted() ? "interrupted" : "the run's worker died without a result");
		r->repro = xstrdup("");
		r->wire_class = xstrdup("");
		xasprintf(&j, "{\"scenario\":\"%s\",\"tool\":\"%s\",\"verdict\":\"HARNESS_ERROR\",\"why\":\"%s\"}",
		    r->scenario, r->tool, r->why);
		m->runs[i].json = j;
		m->runs[i].have = 1;
	}
	m->done++;
	m->seconds_done += m->runs[i].rec.seconds;
}

static void
run_matrix_progress(struct run_matrix *m, size_t running, size_t last)
{
	struct run_record *r = &m->runs[last].rec;
	double avg = m->done ? m->seconds_done / (double)m->done : 0;
	double left = avg * (double)(m->nruns - m->done) / (double)(m->jobs ? m->jobs : 1);

	if (m->quiet)
		return;
	fprintf(stderr, "matrix: [%zu/%zu] %-13s %s / %s (%.1fs)  %zu running, ~%dm%02ds left\n",
	    m->done, m->nruns, r->verdict, r->scenario, r->tool, r->seconds, running,
	    (int)left / 60, (int)left % 60);
}

/* run_matrix_execute's state on the event loop. */
struct run_matrix_sup {
	struct run_matrix *m;
	pid_t		*pids;		/* per run: 0 not started, -1 collected */
	size_t		 next, running;
	int		 stopping;
};

/* SIGTERM to every worker still running (once). */
static void
run_matrix_stop(struct run_matrix_sup *s)
{
	size_t i;

	if (s->stopping)
		return;
	s->stopping = 1;
	for (i = 0; i < s->next; i++) {
		if (s->pids[i] > 0)
			kill(s->pids[i], SIGTERM);
	}
}

/* SIGCHLD: collect every worker that is done; an interrupt stops the rest. */
static void
run_matrix_signal_cb(int signo, void *arg)
{
	struct run_matrix_sup *s = arg;
	size_t i;
	int status;
	pid_t pid;

	if (signo != SIGCHLD) {
		run_matrix_stop(s);
		return;
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < s->next; i++) {
			if (s->pids[i] == pid) {
				s->pids[i] = -1;
				s->running--;
				run_matrix_collect(s->m, i);
				run_matrix_progress(s->m, s->running, i);
				break;
			}
		}
	}
	if (run_interrupted())
		run_matrix_stop(s);
}

/* Start workers up to m->jobs (a failed fork leaves the rest for later). */
static void
run_matrix_start(struct run_matrix_sup *s, struct loop *l)
{
	struct run_matrix *m = s->m;
	char out[4200], notes[4200];
	pid_t pid;

	while (!s->stopping && s->running < m->jobs && s->next < m->nruns) {
		snprintf(out, sizeof(out), "%s/result-%zu.json", m->dir, s->next);
		snprintf(notes, sizeof(notes), "%s/notes-%zu.txt", m->dir, s->next);
		fflush(NULL);
		if ((pid = fork()) < 0) {
			fprintf(stderr, "sliptap matrix: fork: %s\n", strerror(errno));
			return;
		}
		if (pid == 0) {
			loop_free(l);	/* the worker's own loops take the signals */
			run_matrix_worker(m, s->next, out, notes);
		}
		s->pids[s->next++] = pid;
		s->running++;
	}
}

/*
 * Run every run in a worker process, m->jobs at a time, on the event loop:
 * workers are reaped on SIGCHLD; SIGINT/SIGTERM stop the running ones and
 * start no more.
 */
int
run_matrix_execute(struct run_matrix *m)
{
	struct run_matrix_sup s;
	struct loop *l;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.m = m;
	s.pids = xcalloc(m->nruns + 1, sizeof(*s.pids));
	if ((l = run_loop_new(run_matrix_signal_cb, &s)) == NULL) {
		fprintf(stderr, "sliptap matrix: cannot set up the event loop: %s\n", strerror(errno));
		free(s.pids);
		return -1;
	}
	if (run_interrupted())
		run_matrix_stop(&s);
	while (m->done < m->nruns) {
		run_matrix_start(&s, l);
		if (s.running == 0) {
			/* nothing left to start (interrupted): the rest are harness errors */
			for (i = 0; i < m->nruns; i++) {
				if (!m->runs[i].have && s.pids[i] == 0)
					run_matrix_collect(m, i);
			}
			break;
		}
		if (loop_run_once(l, LOOP_NEVER) < 0)
			break;
	}
	loop_free(l);
	free(s.pids);
	return run_interrupted() ? -1 : 0;
}
