/*
 * run-exec.c — one run: the device side, the proxy with the scenario, the
 * tool; then the facts (exit status, capture, flash) and the judgement.
 *
 * Processes: the device side and the proxy are `sliptap sim` / `sliptap
 * proxy` children of this process (run_device_start() is the one place that
 * chooses how the device side runs; the in-process simulator replaces it
 * when the endpoint interface lands), each with PR_SET_PDEATHSIG so they
 * cannot outlive us. The tool runs in its own process group: at the
 * deadline, on SIGINT/SIGTERM and after it exits, the whole group is
 * killed, so a node or python grandchild is not left behind. Work files live
 * in a private temp directory that is removed on every path (or in --keep
 * DIR, kept).
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "scenario.h"
#include "run.h"
#include "units.h"
#include "util.h"
#include "run-int.h"

#define RUN_DEADLINE_DEFAULT	120u
#define RUN_LOG_MAX		(16u << 20)

static volatile sig_atomic_t run_signal;

static void
run_signal_cb(int sig)
{
	run_signal = sig;
}

void
run_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_signal_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
run_interrupted(void)
{
	return run_signal;
}

/* An interrupt delivered through an event loop (run-loop.c). */
void
run_interrupt_note(int sig)
{
	run_signal = sig;
}

double
run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / (double)NS_PER_SEC;
}

/*
 * Start argv with stdout/stderr into files (or into a pipe: *pipefd), stdin
 * from /dev/null. own_group: the child leads its own process group (the
 * tool); otherwise it dies with us (PR_SET_PDEATHSIG).
 */
pid_t
run_spawn(char *const argv[], const char *outpath, const char *errpath, int own_group,
    int *pipefd)
{
	int fds[2] = { -1, -1 }, fd;
	sigset_t none;
	pid_t pid;

	if (pipefd != NULL && pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		if (pipefd != NULL) {
			close(fds[0]);
			close(fds[1]);
		}
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (own_group)
			setpgid(0, 0);
		else
			prctl(PR_SET_PDEATHSIG, SIGTERM);
		if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (pipefd != NULL) {
			dup2(fds[1], 1);
			dup2(fds[1], 2);
			close(fds[0]);
			close(fds[1]);
		} else {
			if (outpath != NULL && (fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
				dup2(fd, 1);
				close(fd);
			}
			if (errpath != NULL && (fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
				dup2(fd, 2);
				close(fd);
			}
		}
		execvp(argv[0], argv);
		fprintf(stderr, "sliptap run: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (own_group)
		setpgid(pid, pid);	/* both sides, so a kill right away finds the group */
	if (pipefd != NULL) {
		close(fds[1]);
		*pipefd = fds[0];
	}
	return pid;
}

/* Remove a work directory (one level of files). */
void
run_rmdir(const char *dir)
{
	struct dirent *de;
	char path[4096];
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* The test image (scenario_image_fill: its content kind, deterministic from the seed). */
int
run_make_image(const char *path, uint64_t size, int kind, uint64_t seed)
{
	uint8_t buf[65536];
	uint64_t pos;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	for (pos = 0; pos < size; pos += n) {
		n = size - pos > sizeof(buf) ? sizeof(buf) : (size_t)(size - pos);
		scenario_image_fill((enum scenario_image)kind, size, seed, pos, buf, n);
		if (fwrite(buf, 1, n, f) != n)
			break;
	}
	return fclose(f) == 0 && pos >= size ? 0 : -1;
}

/* Compare SIZE bytes at OFFSET of flash with the image; "match" or what differs. */
char *
run_flash_compare(const char *flash, uint32_t offset, const char *image, uint64_t size)
{
	FILE *a = fopen(flash, "rb"), *b = fopen(image, "rb");
	uint64_t i;
	char *s = NULL;
	int ca, cb;

	if (a == NULL || b == NULL || fseek(a, offset, SEEK_SET) != 0) {
		xasprintf(&s, "not checked (%s: %s)", a == NULL ? flash : image, strerror(errno));
		goto out;
	}
	for (i = 0; i < size; i++) {
		ca = getc(a);
		cb = getc(b);
		if (ca != cb) {
			xasprintf(&s, "differs (first difference at 0x%llx: flash %s, image 0x%02x)",
			    (unsigned long long)(offset + i), ca == EOF ? "ends" : "has a byte",
			    (unsigned)cb);
			if (ca != EOF) {
				free(s);
				xasprintf(&s, "differs (first difference at 0x%llx: 0x%02x, image 0x%02x)",
				    (unsigned long long)(offset + i), (unsigned)ca, (unsigned)cb);
			}
			goto out;
		}
	}
	s = xstrdup("match");
out:
	if (a != NULL)
		fclose(a);
	if (b != NULL)
		fclose(b);
	return s;
}

/* The capture's facts: fired rules (unique, in order), FAULT records, START's scenario and seed. */
void
run_capture_facts(const char *pcap, struct run_capture_facts *cf)
{
	struct capture_record rec;
	struct capture_reader *r;
	char err[256], key[64], val[256];
	size_t pos, flen = 0;
	int st;

	memset(cf, 0, sizeof(*cf));
	cf->fired = xstrdup("");
	if ((r = capture_reader_open(pcap, err, sizeof(err))) == NULL) {
		snprintf(cf->error, sizeof(cf->error), "%s", err);
		return;
	}
	cf->readable = 1;
	while ((st = capture_reader_next(r, &rec)) != 0) {
		if (st < 0) {
			if (st == CAPTURE_ERR_TRUNCATED || st == CAPTURE_ERR_IO || st == CAPTURE_ERR_VERSION)
				break;
			continue;
		}
		if (rec.type != CAPTURE_T_EVENT)
			continue;
		pos = 0;
		while (capture_kv_next(rec.text, rec.text_len, &pos, key, sizeof(key), val, sizeof(val))) {
			if (rec.event == CAPTURE_EV_START && strcmp(key, "scenario") == 0)
				snprintf(cf->scenario, sizeof(cf->scenario), "%s", val);
			else if (rec.event == CAPTURE_EV_START && strcmp(key, "seed") == 0) {
				cf->seed = strtoull(val, NULL, 10);
				cf->have_seed = 1;
			} else if (rec.event == CAPTURE_EV_FAULT && strcmp(key, "rule") == 0) {
				cf->nfaults++;
				if (run_word_in(cf->fired, val))
					continue;
				flen = strlen(cf->fired);
				cf->fired = xrealloc(cf->fired, flen + strlen(val) + 2);
				snprintf(cf->fired + flen, strlen(val) + 2, "%s%s", flen ? " " : "", val);
			}
		}
	}
	capture_reader_close(r);
}

int
run_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list, *e;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if ((size_t)(e - p) == n && n > 0 && memcmp(p, word, n) == 0)
			return 1;
		p = e;
	}
	return 0;
}
