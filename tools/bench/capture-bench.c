/*
 * capture-bench.c — throughput of the capture writer (tools/bench/capture.sh).
 * Writes BYTES of FRAME records of a given raw size through capture_write_frame
 * (flush per record, or stdio buffering), then the same bytes with plain
 * fwrite as the reference, and prints records/s, MB/s and the ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "util.h"

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process so far: robust on a loaded machine. */
static double
bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double
bench_capture(const char *path, size_t rec, uint64_t total, int flush_each, uint64_t *nrec,
    double *cpu)
{
	struct capture *c;
	uint8_t *raw = xmalloc(rec);
	char err[512];
	uint64_t done = 0, n = 0, ts = UINT64_C(1767225600) * 1000000000u;
	double t0, t1;
	size_t i;

	for (i = 0; i < rec; i++)
		raw[i] = (uint8_t)(i * 31);
	raw[0] = raw[rec - 1] = SLIP_END;
	if ((c = capture_open(path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	capture_set_flush(c, flush_each);
	*cpu = bench_cpu();
	t0 = bench_now();
	while (done < total) {
		if (capture_write_frame(c, ts++, CAPTURE_DIR_H2D, 0, raw, rec) != 0)
			fatalx("%s", capture_errmsg(c));
		done += rec;
		n++;
	}
	if (capture_close(c) != 0)
		fatalx("%s: close failed", path);
	t1 = bench_now();
	*cpu = bench_cpu() - *cpu;
	free(raw);
	*nrec = n;
	return t1 - t0;
}

static double
bench_fwrite(const char *path, size_t rec, uint64_t total, int flush_each, double *cpu)
{
	FILE *f;
	uint8_t *raw = xcalloc(1, rec + 48);
	uint64_t done = 0;
	double t0, t1;

	if ((f = fopen(path, "wb")) == NULL)
		fatal("%s", path);
	*cpu = bench_cpu();
	t0 = bench_now();
	while (done < total) {
		/* pcap record header + sliptap headers + raw, as the writer emits */
		if (fwrite(raw, 1, rec + 48, f) != rec + 48)
			fatal("%s", path);
		if (flush_each && fflush(f) != 0)
			fatal("%s", path);
		done += rec;
	}
	if (fclose(f) != 0)
		fatal("%s", path);
	t1 = bench_now();
	*cpu = bench_cpu() - *cpu;
	free(raw);
	return t1 - t0;
}

int
main(int argc, char **argv)
{
	uint64_t total, nrec;
	size_t rec;
	int flush_each;
	double t, tref, cpu, cpuref;

	if (argc != 5) {
		fprintf(stderr, "usage: capture-bench FILE BYTES RECORD_SIZE FLUSH(0|1)\n");
		return 2;
	}
	total = strtoull(argv[2], NULL, 0);
	rec = (size_t)strtoul(argv[3], NULL, 0);
	flush_each = atoi(argv[4]);
	if (rec < 2 || rec > CAPTURE_MAX_RAW)
		fatalx("record size out of range");
	/* Reference first, so both see the same page-cache state. */
	tref = bench_fwrite(argv[1], rec, total, flush_each, &cpuref);
	unlink(argv[1]);
	t = bench_capture(argv[1], rec, total, flush_each, &nrec, &cpu);
	unlink(argv[1]);
	printf("raw %5zu B, flush %-5s %8.0f rec/s %7.1f MB/s wall, %7.1f MB/s per CPU-second"
	    " | plain fwrite %7.1f MB/s wall, %7.1f MB/s per CPU-s\n",
	    rec, flush_each ? "each" : "stdio", (double)nrec / t, (double)total / t / 1e6,
	    (double)total / cpu / 1e6, (double)total / tref / 1e6, (double)total / cpuref / 1e6);
	return 0;
}
