/*
 * run-int.h — what the files of src/run/ share and nothing else uses.
 */
#ifndef SLIPTAP_RUN_INT_H
#define SLIPTAP_RUN_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct loop;

struct run_capture_facts {
	int		 readable;
	char		 error[256];
	char		*fired;		/* unique rule names, space-separated (owned) */
	unsigned	 nfaults;
	char		 scenario[64];	/* START scenario= */
	int		 have_seed;
	uint64_t	 seed;
};

/* Monotonic seconds. */
double run_now(void);
pid_t run_spawn(char *const argv[], const char *outpath, const char *errpath, int own_group,
    int *pipefd);
void run_interrupt_note(int sig);
/*
 * run-loop.c: waits on the event loop. run_loop_new: a loop delivering
 * SIGCHLD, SIGINT, SIGTERM, SIGHUP to cb (interrupts noted for
 * run_interrupted() first); one such loop at a time.
 */
struct loop *run_loop_new(void (*cb)(int signo, void *arg), void *arg);
int run_loop_until(struct loop *l, const int *done);
/* SIGTERM, a grace timer, SIGKILL; group: the process group. Returns the wait status or -1. */
int run_stop(pid_t pid, int group, unsigned grace_ms);
/* Wait for a line starting with prefix in path: 0, or -1 (pid died, timeout, signal). */
int run_wait_line(const char *path, const char *prefix, pid_t pid, unsigned seconds, char *line,
    size_t linelen);
void run_rmdir(const char *dir);
/* kind: enum scenario_image. */
int run_make_image(const char *path, uint64_t size, int kind, uint64_t seed);
char *run_flash_compare(const char *flash, uint32_t offset, const char *image, uint64_t size);
void run_capture_facts(const char *pcap, struct run_capture_facts *cf);
int run_word_in(const char *list, const char *word);
/*
 * What the wire says: the analyser's class and evidence for a capture
 * (run-wire.c; the one place that knows the analyser). Both strings owned.
 * html: where to write the HTML report, or NULL.
 */
void run_wire_judge(const char *pcap, const char *fired, unsigned nfaults, const char *html,
    char **cls, char **evidence);
/* Append s to a command line, single-quoted when it needs it. */
void run_shell_quote(char **line, const char *s);

#endif
