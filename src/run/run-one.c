/*
 * run-one.c — `sliptap run`'s body: one tool under one scenario, judged.
 * The processes and files are run-exec.c's; the judgement run-judge.c's.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "run.h"
#include "scenario.h"
#include "util.h"
#include "run-int.h"

#define RUN_OFFSET(sc)		((sc) != NULL ? (sc)->flash.offset : SCENARIO_DEFAULT_OFFSET)
#define RUN_SIZE(sc)		((sc) != NULL ? (sc)->flash.image_size : SCENARIO_DEFAULT_IMAGE_SIZE)
#define RUN_DEADLINE_DEFAULT_S	120u
#define RUN_READY_WAIT_S	30u
#define RUN_LOG_MAX		(16u << 20)
#define RUN_JS_GRACE_S		10u

struct run_ctx {
	const struct run_opts *o;
	char		 dir[4096];
	int		 own_dir;	/* a temp dir we remove */
	pid_t		 sim, proxy;
	char		 sim_link[4200], tool_port[4200], pcap[4200], image[4200], flash[4200];
	char		 device[4300];	/* what the proxy opens: sim:..., the sim's pty, or --device */
	char		*log;
	size_t		 loglen;
	char		 harness[512];	/* the harness error, "" none */
	uint64_t	 seed;
};

/* Where the file NAME of the run goes. */
static void
run_one_path(struct run_ctx *c, char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", c->dir, name);
}

/*
 * What the proxy's front and device can do (caps.h), as `sliptap check
 * --front/--device` states them: the front the tool opens, the simulator
 * in-process or the device given.
 */
static unsigned
run_one_front_caps(const struct run_opts *o)
{
	return o->front == RUN_FRONT_RFC2217 ?
	    CAP_FREEZE_WRITES | CAP_LINES | CAP_SET_BAUD | CAP_VANISH :
	    CAP_FREEZE_WRITES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE;
}

static unsigned
run_one_device_caps(const struct run_opts *o)
{
	if (o->device == NULL)
		return CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE;
	if (strncmp(o->device, "tcp://", 6) == 0)
		return CAP_VANISH;
	if (strncmp(o->device, "rfc2217://", 10) == 0)
		return CAP_LINES | CAP_SET_BAUD | CAP_VANISH;
	return CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE;
}

/* The first line of a file (a child's stderr), "" when empty. */
static void
run_one_first_line(const char *path, char *line, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(line, len, "(no message)");
	if (f == NULL)
		return;
	if (fgets(line, (int)len, f) != NULL)
		line[strcspn(line, "\n")] = '\0';
	fclose(f);
}

static int
run_one_workdir(struct run_ctx *c)
{
	const char *tmp = getenv("TMPDIR");

	if (c->o->keep != NULL) {
		snprintf(c->dir, sizeof(c->dir), "%s", c->o->keep);
		if (mkdir(c->dir, 0755) != 0 && errno != EEXIST) {
			snprintf(c->harness, sizeof(c->harness), "--keep %.400s: %s", c->dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(c->dir, sizeof(c->dir), "%s/sliptap-run.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(c->dir) == NULL) {
		snprintf(c->harness, sizeof(c->harness), "cannot make a temp dir: %s", strerror(errno));
		return -1;
	}
	c->own_dir = 1;
	return 0;
}

/*
 * The device side: the simulator in the proxy's own process (its `sim:`
 * device, one event loop), with the scenario's chip and transport and a
 * flash file the proxy writes out as it stops. The one place that chooses:
 * a `sliptap sim` child on a pty serves when the path cannot go into a sim:
 * spec (a comma in --keep DIR).
 */
static int
run_device_start(struct run_ctx *c, const char *chip, const char *transport)
{
	char out[4200], err[4200], line[512];
	char *argv[16];
	int n = 0;

	run_one_path(c, c->flash, sizeof(c->flash), "flash.bin");
	if (strchr(c->flash, ',') == NULL) {
		/* flash= last: the io layer re-points its value into the spec, up to the end */
		snprintf(c->device, sizeof(c->device), "sim:%s,transport=%s,no-wdt,flash=%s", chip,
		    transport, c->flash);
		return 0;
	}
	run_one_path(c, c->sim_link, sizeof(c->sim_link), "ttySIM");
	snprintf(c->device, sizeof(c->device), "%s", c->sim_link);
	run_one_path(c, out, sizeof(out), "sim.out");
	run_one_path(c, err, sizeof(err), "sim.err");
	argv[n++] = (char *)c->o->self;
	argv[n++] = (char *)"sim";
	argv[n++] = (char *)"--chip";
	argv[n++] = (char *)chip;
	argv[n++] = (char *)"--link";
	argv[n++] = c->sim_link;
	argv[n++] = (char *)"--flash";
	argv[n++] = c->flash;
	argv[n++] = (char *)"--transport";
	argv[n++] = (char *)transport;
	argv[n++] = (char *)"--no-wdt";
	argv[n] = NULL;
	if ((c->sim = run_spawn(argv, out, err, 0, NULL)) < 0 ||
	    run_wait_line(out, "sliptap sim:", c->sim, RUN_READY_WAIT_S, line, sizeof(line)) != 0) {
		run_one_first_line(err, line, sizeof(line));
		snprintf(c->harness, sizeof(c->harness), "the simulator (%s) did not get ready: %.300s",
		    chip, line);
		return -1;
	}
	return 0;
}

static void
run_device_stop(struct run_ctx *c)
{
	if (c->sim > 0)
		run_stop(c->sim, 0, 5000);
	c->sim = 0;
}

static int
run_proxy_start(struct run_ctx *c, const char *device, const char *scenario, uint64_t seed,
    int have_seed)
{
	char out[4200], err[4200], line[1024], seedbuf[32], link[4200], *p;
	char *argv[20];
	int n = 0;

	run_one_path(c, out, sizeof(out), "proxy.out");
	run_one_path(c, err, sizeof(err), "proxy.err");
	run_one_path(c, link, sizeof(link), "ttyTOOL");
	argv[n++] = (char *)c->o->self;
	argv[n++] = (char *)"proxy";
	if (c->o->front == RUN_FRONT_RFC2217) {
		argv[n++] = (char *)"--rfc2217";
		argv[n++] = (char *)"127.0.0.1:0";
	} else {
		argv[n++] = (char *)"--link";
		argv[n++] = link;
	}
	argv[n++] = (char *)"--pcap";
	argv[n++] = c->pcap;
	if (scenario != NULL) {
		argv[n++] = (char *)"--scenario";
		argv[n++] = (char *)scenario;
	}
	if (have_seed) {
		snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)seed);
		argv[n++] = (char *)"--seed";
		argv[n++] = seedbuf;
	}
	argv[n++] = (char *)device;
	argv[n] = NULL;
	if ((c->proxy = run_spawn(argv, out, err, 0, NULL)) < 0 ||
	    run_wait_line(out, "sliptap proxy: ready", c->proxy, RUN_READY_WAIT_S, line,
	    sizeof(line)) != 0) {
		run_one_first_line(err, line, sizeof(line));
		snprintf(c->harness, sizeof(c->harness), "the proxy did not get ready: %.300s", line);
		return -1;
	}
	if (c->o->front == RUN_FRONT_RFC2217) {
		if ((p = strstr(line, "rfc2217://")) == NULL) {
			snprintf(c->harness, sizeof(c->harness), "no URL in the proxy's ready line: %.400s", line);
			return -1;
		}
		snprintf(c->tool_port, sizeof(c->tool_port), "%.*s", (int)strcspn(p, " "), p);
	} else
		snprintf(c->tool_port, sizeof(c->tool_port), "%s", link);
	return 0;
}

static void
run_log_append(struct run_ctx *c, const char *buf, size_t n)
{
	if (c->loglen + n > RUN_LOG_MAX)
		return;
	c->log = xrealloc(c->log, c->loglen + n + 1);
	memcpy(c->log + c->loglen, buf, n);
	c->loglen += n;
	c->log[c->loglen] = '\0';
}

/*
 * Run the tool in its own process group, streaming its output; kill the
 * group at the deadline or on a signal. Returns the exit status (-1 killed
 * by a signal), *hung set at the deadline.
 */
static int
run_tool_exec(struct run_ctx *c, char **argv, unsigned deadline_s, int *hung)
{
	char buf[4096], logpath[4200];
	struct pollfd pfd;
	double end = run_now() + deadline_s;
	FILE *live = c->o->live == 2 ? stderr : c->o->live ? stdout : NULL;
	int fd = -1, status = 0, eof = 0;
	FILE *logf;
	ssize_t n;
	pid_t pid, r;

	*hung = 0;
	run_one_path(c, logpath, sizeof(logpath), "tool.log");
	logf = fopen(logpath, "w");
	if ((pid = run_spawn(argv, NULL, NULL, 1, &fd)) < 0) {
		snprintf(c->harness, sizeof(c->harness), "cannot start %s: %s", argv[0], strerror(errno));
		if (logf != NULL)
			fclose(logf);
		return -1;
	}
	for (;;) {
		if (run_interrupted()) {
			run_stop(pid, 1, 2000);
			snprintf(c->harness, sizeof(c->harness), "interrupted by signal %d", run_interrupted());
			status = -1;
			break;
		}
		if (run_now() > end) {
			fprintf(c->o->progress, "sliptap run: the deadline (%u s) passed: killing the tool's process group %ld\n",
			    deadline_s, (long)pid);
			run_stop(pid, 1, 2000);
			*hung = 1;
			status = -1;
			break;
		}
		if (!eof) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 100) > 0) {
				n = read(fd, buf, sizeof(buf));
				if (n > 0) {
					run_log_append(c, buf, (size_t)n);
					if (logf != NULL)
						fwrite(buf, 1, (size_t)n, logf);
					if (live != NULL) {
						fwrite(buf, 1, (size_t)n, live);
						fflush(live);
					}
					continue;
				}
				if (n == 0 || (errno != EINTR && errno != EAGAIN))
					eof = 1;
			}
		} else {
			struct timespec ts = { 0, 50000000L };
			nanosleep(&ts, NULL);
		}
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid && eof) {
			kill(-pid, SIGKILL);	/* anything the tool left in its group */
			status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			break;
		}
		if (r == pid) {
			/* exited; drain what is left without blocking on a grandchild holding the pipe */
			kill(-pid, SIGKILL);
			while ((n = read(fd, buf, sizeof(buf))) > 0) {
				run_log_append(c, buf, (size_t)n);
				if (logf != NULL)
					fwrite(buf, 1, (size_t)n, logf);
				if (live != NULL)
					fwrite(buf, 1, (size_t)n, live);
			}
			status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			break;
		}
	}
	close(fd);
	if (logf != NULL)
		fclose(logf);
	if (live != NULL)
		fflush(live);
	return status;
}

static void
run_one_repro(const struct run_opts *o, const struct run_tool *t, uint64_t seed, int have_seed,
    struct run_result *res)
{
	char *s = xstrdup("sliptap run"), *spec, buf[64];
	size_t i;

	if (o->scenario != NULL) {
		run_shell_quote(&s, "--scenario");
		run_shell_quote(&s, o->scenario);
	}
	if (have_seed) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)seed);
		run_shell_quote(&s, "--seed");
		run_shell_quote(&s, buf);
	}
	if (o->sim_chip != NULL) {
		run_shell_quote(&s, "--sim");
		run_shell_quote(&s, o->sim_chip);
	}
	if (o->device != NULL) {
		run_shell_quote(&s, "--device");
		run_shell_quote(&s, o->device);
	}
	if (o->front == RUN_FRONT_RFC2217)
		run_shell_quote(&s, "--front=rfc2217");
	if (o->timeout_ns != 0) {
		snprintf(buf, sizeof(buf), "%llums", (unsigned long long)(o->timeout_ns / 1000000));
		run_shell_quote(&s, "--timeout");
		run_shell_quote(&s, buf);
	}
	if (t->kind == RUN_TOOL_TEMPLATE && t->spec != NULL && strchr(t->spec, ' ') == NULL &&
	    t->nwords > 1) {
		run_shell_quote(&s, "--");
		for (i = 0; i < t->nwords; i++)
			run_shell_quote(&s, t->words[i]);
	} else {
		if (t->label != NULL && strcmp(t->label, t->spec) != 0 &&
		    !(t->kind == RUN_TOOL_ESPTOOL && strncmp(t->label, "esptool-", 8) == 0))
			xasprintf(&spec, "%s=%s", t->label, t->spec);
		else
			spec = xstrdup(t->spec);
		run_shell_quote(&s, "--tool");
		run_shell_quote(&s, spec);
		free(spec);
	}
	res->repro = s;
}

static void
run_one_cleanup(struct run_ctx *c)
{
	if (c->proxy > 0)
		run_stop(c->proxy, 0, 5000);
	c->proxy = 0;
	run_device_stop(c);
	if (c->own_dir)
		run_rmdir(c->dir);
	free(c->log);
	c->log = NULL;
}

/* Seed for this run: --seed, else the scenario's, else a fresh one; plus the repetition. */
static uint64_t
run_one_seed(const struct run_opts *o, const struct scenario *sc)
{
	struct timespec ts;

	if (o->have_seed)
		return o->seed + (uint64_t)o->repeat_index;
	if (sc != NULL && sc->have_seed)
		return sc->seed + (uint64_t)o->repeat_index;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16)) % 1000000000ull;
}

static int
run_one_prepare(struct run_ctx *c, struct run_tool *tool, const struct scenario *sc,
    struct run_flash *fl, char ***argvp, unsigned *deadline_s)
{
	const struct run_opts *o = c->o;
	const char *chip, *transport, *python, *node;
	char err[512];
	uint64_t size = RUN_SIZE(sc);

	*deadline_s = o->timeout_ns ? (unsigned)((o->timeout_ns + 999999999ull) / 1000000000ull) :
	    sc != NULL && sc->have_deadline ? (unsigned)((sc->deadline_ns + 999999999ull) / 1000000000ull) :
	    RUN_DEADLINE_DEFAULT_S;
	chip = o->sim_chip != NULL ? o->sim_chip : sc != NULL && sc->flash.chip != NULL &&
	    strcmp(sc->flash.chip, "any") != 0 ? sc->flash.chip : "esp32";
	transport = sc != NULL && sc->flash.transport != NULL && strcmp(sc->flash.transport, "usb-jtag") == 0 ?
	    "usb-jtag" : "uart";
	run_one_path(c, c->image, sizeof(c->image), "image.bin");
	/*
	 * The image depends on the scenario (its content and seed), not on the
	 * run's seed: repetitions and runs without a scenario write the same
	 * bytes, so a later verify of them agrees.
	 */
	if (run_make_image(c->image, size, sc != NULL ? (int)sc->flash.image : SCENARIO_IMAGE_MIXED,
	    sc != NULL && sc->have_seed ? sc->seed : 0) != 0) {
		snprintf(c->harness, sizeof(c->harness), "cannot write %.400s: %s", c->image, strerror(errno));
		return -1;
	}
	if (o->device == NULL && run_device_start(c, chip, transport) != 0)
		return -1;
	if (run_interrupted())
		return -1;
	if (o->device != NULL)
		snprintf(c->device, sizeof(c->device), "%s", o->device);
	if (run_proxy_start(c, c->device, o->scenario,
	    c->seed, o->scenario != NULL) != 0)
		return -1;
	memset(fl, 0, sizeof(*fl));
	fl->port = c->tool_port;
	fl->chip = chip;
	fl->image = c->image;
	fl->offset = RUN_OFFSET(sc);
	fl->baud = sc != NULL ? sc->flash.change_baud : 0;
	fl->stub = sc != NULL ? sc->flash.stub : -1;
	fl->compress = sc != NULL ? sc->flash.compress : -1;
	fl->timeout_s = *deadline_s;
	python = getenv("SLIPTAP_PYTHON") != NULL && *getenv("SLIPTAP_PYTHON") ? getenv("SLIPTAP_PYTHON") :
	    "/usr/bin/python3";
	node = getenv("NODE") != NULL && *getenv("NODE") ? getenv("NODE") : "node";
	if (run_tool_argv(tool, fl, python, node, argvp, err, sizeof(err)) < 0) {
		snprintf(c->harness, sizeof(c->harness), "%s", err);
		return -1;
	}
	if (tool->kind == RUN_TOOL_ESPTOOL_JS)
		*deadline_s += RUN_JS_GRACE_S;	/* its own --timeout comes first */
	return 0;
}

static void
run_one_fill(struct run_ctx *c, struct run_tool *tool, const struct scenario *sc,
    const struct run_observed *ob, struct run_capture_facts *cf, struct run_result *res)
{
	struct scenario_expect ex;
	const char *client = tool->client[0] != '\0' ? tool->client : NULL;

	memset(&ex, 0, sizeof(ex));
	ex.outcome = SCENARIO_OUT_PASS;
	ex.last_progress = -1;
	if (sc != NULL)
		scenario_expect_for(sc, client, tool->version[0] != '\0' ? tool->version : NULL, &ex);
	res->expected = ex.outcome;
	res->expected_class = xstrdup(ex.class != NULL ? ex.class : "");
	run_judge(sc, &ex, ob, &res->j);
	res->client = xstrdup(tool->client);
	res->version = xstrdup(tool->version);
	res->fired = xstrdup(cf->fired != NULL ? cf->fired : "");
	res->exit_status = ob->exit_status;
	res->hung = ob->hung;
	char html[4300];

	run_one_path(c, html, sizeof(html), "report.html");
	if (cf->readable)
		run_wire_judge(c->pcap, cf->fired, cf->nfaults, c->o->keep != NULL ? html : NULL,
		    &res->wire_class, &res->wire_evidence);
	else {
		res->wire_class = xstrdup("");
		xasprintf(&res->wire_evidence, "no capture (%s)", cf->error);
	}
}

int
run_one(const struct run_opts *o, struct run_tool *tool, struct run_result *res)
{
	struct run_ctx c;
	struct run_capture_facts cf;
	struct run_observed ob;
	struct run_flash fl;
	struct scenario scb, *sc = NULL;
	char err[8192], **argv = NULL;
	unsigned deadline_s = RUN_DEADLINE_DEFAULT_S;
	double t0 = run_now();
	int status = -1, hung = 0, ret = 0, started = 0;

	memset(&c, 0, sizeof(c));
	memset(res, 0, sizeof(*res));
	memset(&cf, 0, sizeof(cf));
	memset(&ob, 0, sizeof(ob));
	c.o = o;
	res->scenario_file = xstrdup(o->scenario != NULL ? o->scenario : "");
	if (o->scenario != NULL) {
		if (scenario_parse_file(o->scenario, &scb, err, sizeof(err)) != 0) {
			err[strcspn(err, "\n")] = '\0';
			snprintf(c.harness, sizeof(c.harness), "%.500s", err);
			res->scenario = xstrdup(o->scenario);
			goto judge;
		}
		sc = &scb;
		if (scenario_check_front(sc, run_one_front_caps(o), run_one_device_caps(o), err,
		    sizeof(err)) != 0) {
			err[strcspn(err, "\n")] = '\0';
			snprintf(c.harness, sizeof(c.harness), "%.500s", err);
			res->scenario = xstrdup(sc->name);
			goto judge;
		}
	}
	res->scenario = xstrdup(sc != NULL ? sc->name : "-");
	c.seed = run_one_seed(o, sc);
	res->seed = c.seed;
	res->have_seed = sc != NULL;
	if (tool->kind != RUN_TOOL_TEMPLATE && tool->client[0] == '\0' &&
	    run_tool_detect(tool, err, sizeof(err)) != 0) {
		snprintf(c.harness, sizeof(c.harness), "%.500s", err);
		goto judge;
	}
	res->tool = xstrdup(tool->label != NULL ? tool->label : tool->spec);
	if (run_one_workdir(&c) != 0)
		goto judge;
	if (o->pcap != NULL)
		snprintf(c.pcap, sizeof(c.pcap), "%s", o->pcap);
	else
		run_one_path(&c, c.pcap, sizeof(c.pcap), "capture.pcap");
	if (run_one_prepare(&c, tool, sc, &fl, &argv, &deadline_s) != 0)
		goto judge;
	if (!o->quiet)
		fprintf(o->progress, "sliptap run: %s (%s%s%s) under %s, seed %llu, on %s, deadline %u s\n",
		    res->tool, tool->client[0] ? tool->client : "identity from its banner",
		    tool->version[0] ? " " : "", tool->version, res->scenario,
		    (unsigned long long)c.seed, c.tool_port, deadline_s);
	status = run_tool_exec(&c, argv, deadline_s, &hung);
	started = c.harness[0] == '\0';
	if (c.log != NULL)
		c.loglen = run_text_clean(c.log, c.loglen);	/* colours out, for the judgement */
	if (tool->kind == RUN_TOOL_ESPTOOL_JS && status == 3 &&
	    run_message_match(c.log != NULL ? c.log : "", c.loglen, "error: timeout"))
		hung = 1;	/* the client's own deadline */
	if (tool->kind == RUN_TOOL_TEMPLATE && c.log != NULL)
		run_banner_parse(c.log, c.loglen, tool->client, sizeof(tool->client),
		    tool->version, sizeof(tool->version));
	/* The proxy writes the capture's END as it stops; the sim its flash file. */
	run_stop(c.proxy, 0, 5000);
	c.proxy = 0;
	run_device_stop(&c);
	run_capture_facts(c.pcap, &cf);
	if (o->device == NULL && c.image[0] != '\0') {
		uint64_t size = RUN_SIZE(sc);

		res->flash = run_flash_compare(c.flash, RUN_OFFSET(sc), c.image, size);
		ob.flash_checked = strncmp(res->flash, "not checked", 11) != 0;
		ob.flash_match = strcmp(res->flash, "match") == 0;
	}
judge:
	if (res->tool == NULL)
		res->tool = xstrdup(tool->label != NULL ? tool->label : tool->spec);
	if (res->flash == NULL)
		res->flash = xstrdup(o->device != NULL ? "not checked (a real device)" : "not checked");
	if (run_interrupted() && c.harness[0] == '\0')
		snprintf(c.harness, sizeof(c.harness), "interrupted by signal %d", run_interrupted());
	ob.exit_status = status;
	ob.hung = hung;
	ob.log = c.log;
	ob.loglen = c.loglen;
	ob.fired = cf.fired;
	ob.nfaults = cf.nfaults;
	ob.seed_recorded = sc != NULL && cf.have_seed && cf.seed == c.seed &&
	    strcmp(cf.scenario, sc->name) == 0;
	ob.harness_error = c.harness[0] != '\0' ? c.harness : NULL;
	ob.started = started;
	run_one_fill(&c, tool, sc, &ob, &cf, res);
	run_one_repro(o, tool, c.seed, res->have_seed, res);
	res->seconds = run_now() - t0;
	if (o->keep != NULL)
		res->keep_dir = xstrdup(o->keep);
	if (run_interrupted())
		ret = -1;
	run_argv_free(argv);
	free(cf.fired);
	run_one_cleanup(&c);
	if (sc != NULL)
		scenario_free(sc);
	if (!o->quiet)
		run_report_print(stdout, res);
	return ret;
}
