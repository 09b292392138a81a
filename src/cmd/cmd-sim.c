/*
 * cmd-sim.c — `sliptap sim`: a simulated ESP device on a pty. Wraps the
 * device model (sim.h) with a pty (pty.h), a flash image file and a poll
 * loop; plays the USB side of the watchdog story (freeze the port, hang
 * it up, bring it back under the same link). With --rfc2217 the device
 * is served over TCP instead (sim-net.h), where the client drives DTR/RTS.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pty.h"
#include "sim-net.h"
#include "sim.h"
#include "units.h"
#include "util.h"

#define SIM_NS		1000000000ULL
#define SIM_OBUF	8192

static const char cmd_sim_help[] =
"Simulate an ESP32, ESP32-S3 or ESP32-C3 in its serial bootloader on a pty, so\n"
"esptool and esptool-js can connect, flash, verify and read it back.\n"
"Prints one line on stdout once the port is ready, logs to stderr, and runs until\n"
"SIGINT or SIGTERM (the link is removed on exit).\n"
"\n"
"  --chip CHIP            esp32, esp32s3 or esp32c3 (required)\n"
"  --link PATH            make PATH a symlink to the pty (replaced atomically)\n"
"  --rfc2217 ADDR:PORT    serve the device over RFC 2217 on TCP instead of a\n"
"                         pty (ADDR defaults to 127.0.0.1; port 0 picks a free\n"
"                         one, named in the ready line); one client at a time,\n"
"                         whose DTR/RTS drive the auto-reset circuit\n"
"  --rfc2217-reset MODE   esp (default): like esptool's esp_rfc2217_server, DTR on\n"
"                         starts a reset into download mode and RTS off a hard\n"
"                         reset, with board timings; direct: each DTR/RTS change\n"
"                         reaches the circuit as it arrives (like ser2net: the\n"
"                         classic reset then fails over the network)\n"
"  --flash FILE           flash contents (default ./sliptap-sim-CHIP.bin; created\n"
"                         erased at --flash-size, kept across runs)\n"
"  --flash-size SIZE      1MB, 2MB, 4MB (default), 8MB or 16MB\n"
"  --transport T          uart (default: a USB-UART bridge) or usb-jtag (the\n"
"                         chip's USB-Serial/JTAG; S3 and C3 only)\n"
"  --boot MODE            download (default) or spi (runs the app: boot log,\n"
"                         then app output; SYNC is ignored)\n"
"  --baud N               the initial baud rate (default 115200; used by --pace)\n"
"  --pace                 spend real wire time: 10 bits per byte at the current\n"
"                         baud rate, in both directions\n"
"  --wdt-timeout DUR      usb-jtag: the RTC watchdog left running by the USB core\n"
"                         reset into download mode (default 9s, the ESP-IDF\n"
"                         bootloader's); esptool >= 4.6.1 disables it\n"
"  --no-wdt               no watchdog\n"
"  --vanish-after DUR     after the watchdog reset the port is frozen (the\n"
"                         client's writes block) and hung up after DUR (default\n"
"                         15s: past esptool's 3 s wait for a lost reply plus\n"
"                         pySerial's 10 s write timeout)\n"
"  --reenumerate-after DUR  then the pty comes back under the same link after\n"
"                         DUR (default 1s), booting from flash\n"
"  --log FILE             log to FILE instead of stderr\n"
"  --verbose              log every command and response\n"
"\n"
"DUR is a number with an optional unit: ms, s (default), m.\n"
"A pty has no DTR/RTS: run esptool with --before no_reset --after no_reset.\n"
"Over --rfc2217 (esptool --port rfc2217://HOST:PORT) DTR/RTS work as on a\n"
"dev board: EN and IO0 follow the classic and USB-Serial/JTAG reset sequences,\n"
"so --boot spi plus esptool's default reset ends in download mode. Output\n"
"while no client is connected is lost, like a UART nobody listens to.\n"
"The boot log is printed at start and after every reset; output written while no\n"
"client has the port open waits in the pty (esptool flushes it when it connects).\n";

struct cmd_sim {
	struct sim_device *dev;
	struct pty *pty;
	FILE *log;
	uint64_t t0;
	int verbose;
	/* USB detach sequence */
	int detach_pending;
	int stalled;			/* device gone: we stop reading the client */
	uint64_t hangup_at, reattach_at;
	uint64_t vanish_ns, reenum_ns;
	uint32_t client_baud;
};

static volatile sig_atomic_t cmd_sim_quit;

static void cmd_sim_logf(struct cmd_sim *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
cmd_sim_sig(int signo)
{
	cmd_sim_quit = signo;
}

static uint64_t
cmd_sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SIM_NS + (uint64_t)ts.tv_nsec;
}

static void
cmd_sim_logf(struct cmd_sim *cs, const char *fmt, ...)
{
	va_list ap;
	double t = (double)(cmd_sim_now() - cs->t0) / SIM_NS;

	fprintf(cs->log, "[%8.3f] ", t);
	va_start(ap, fmt);
	vfprintf(cs->log, fmt, ap);
	va_end(ap);
	fputc('\n', cs->log);
	fflush(cs->log);
}

static void
cmd_sim_log_cb(const char *line, void *arg)
{
	cmd_sim_logf(arg, "%s", line);
}

static void
cmd_sim_event_cb(enum sim_event ev, void *arg)
{
	struct cmd_sim *cs = arg;

	if (ev == SIM_EV_DETACH)
		cs->detach_pending = 1;
}

/* A duration in the one grammar of units.h ("10s", "500ms", "2min") -> ns; -1 on junk. */
static int
cmd_sim_duration(const char *s, uint64_t *out)
{
	return parse_duration(s, out, NULL);
}

static int
cmd_sim_write_out(struct cmd_sim *cs, uint8_t *obuf, size_t *olen)
{
	ssize_t w;

	if (*olen == 0 || pty_master_fd(cs->pty) < 0)
		return 0;
	w = pty_write(cs->pty, obuf, *olen);
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == EIO) {
			/* Nothing on the other side; a UART loses the bytes. */
			*olen = 0;
			return 0;
		}
		cmd_sim_logf(cs, "pty write: %s", strerror(errno));
		return -1;
	}
	memmove(obuf, obuf + w, *olen - (size_t)w);
	*olen -= (size_t)w;
	return 0;
}

static void
cmd_sim_link_timers(struct cmd_sim *cs, uint64_t now)
{
	char err[256];

	if (cs->detach_pending) {
		cs->detach_pending = 0;
		cs->stalled = 1;
		/*
		 * The device stopped taking data: freeze the client's writes
		 * (tcflow), so its next write blocks whatever its size and
		 * pySerial raises "Write timeout". The new pair after the
		 * hang-up starts unfrozen.
		 */
		if (pty_freeze(cs->pty, 1) < 0)
			cmd_sim_logf(cs, "freezing the port: %s", strerror(errno));
		cs->hangup_at = now + cs->vanish_ns;
		if (cs->hangup_at == 0)
			cs->hangup_at = 1;
		cmd_sim_logf(cs, "port stalled (frozen: the client's next write blocks); "
		    "hang-up in %.3f s", (double)cs->vanish_ns / SIM_NS);
	}
	if (cs->hangup_at != 0 && now >= cs->hangup_at) {
		cs->hangup_at = 0;
		pty_hangup(cs->pty);
		cs->reattach_at = now + cs->reenum_ns;
		if (cs->reattach_at == 0)
			cs->reattach_at = 1;
		cmd_sim_logf(cs, "port hung up (USB device gone); back in %.3f s",
		    (double)cs->reenum_ns / SIM_NS);
	}
	if (cs->reattach_at != 0 && now >= cs->reattach_at) {
		cs->reattach_at = 0;
		cs->stalled = 0;
		if (pty_reopen(cs->pty, err, sizeof(err)) < 0) {
			cmd_sim_logf(cs, "re-enumeration failed: %s", err);
			cmd_sim_quit = SIGTERM;
			return;
		}
		cmd_sim_logf(cs, "USB device back on %s%s%s", pty_slave_path(cs->pty),
		    pty_link_path(cs->pty) ? " (link " : "",
		    pty_link_path(cs->pty) ? pty_link_path(cs->pty) : "");
		sim_device_usb_attach(cs->dev, now);
	}
}

static int
cmd_sim_loop(struct cmd_sim *cs)
{
	uint8_t obuf[SIM_OBUF], ibuf[4096];
	size_t olen = 0;

	while (!cmd_sim_quit) {
		struct pollfd pfd;
		struct timespec ts, *tsp = NULL;
		uint64_t now = cmd_sim_now(), deadline;
		int fd, ctl, nfds = 0;

		sim_device_tick(cs->dev, now);
		cmd_sim_link_timers(cs, now);
		if (cmd_sim_quit)
			break;
		fd = pty_master_fd(cs->pty);
		if (fd < 0)
			olen = 0;
		else if (olen < sizeof(obuf))
			olen += sim_device_output(cs->dev, obuf + olen, sizeof(obuf) - olen, now);
		if (cmd_sim_write_out(cs, obuf, &olen) < 0)
			return 1;

		deadline = sim_device_next_deadline(cs->dev);
		if (cs->hangup_at != 0 && cs->hangup_at < deadline)
			deadline = cs->hangup_at;
		if (cs->reattach_at != 0 && cs->reattach_at < deadline)
			deadline = cs->reattach_at;
		if (olen < sizeof(obuf) && sim_device_output_pending(cs->dev) > 0 &&
		    deadline > now && fd >= 0) {
			/* unpaced output that did not fit: come back soon */
			uint64_t soon = now + 1000000;

			if (olen == 0 && soon < deadline)
				deadline = soon;
		}
		if (olen == sizeof(obuf) && deadline < now + 10000000) {
			/* the client is not reading: wait for POLLOUT, not for paced bytes we cannot take */
			deadline = now + 10000000;
		}
		if (deadline != UINT64_MAX) {
			uint64_t d = deadline > now ? deadline - now : 0;

			ts.tv_sec = (time_t)(d / SIM_NS);
			ts.tv_nsec = (long)(d % SIM_NS);
			tsp = &ts;
		}
		if (fd >= 0) {
			pfd.fd = fd;
			pfd.events = 0;
			if (sim_device_input_room(cs->dev) > 0 && !cs->stalled)
				pfd.events |= POLLIN;
			if (olen > 0)
				pfd.events |= POLLOUT;
			pfd.revents = 0;
			nfds = 1;
		}
		if (ppoll(nfds ? &pfd : NULL, (nfds_t)nfds, tsp, NULL) < 0) {
			if (errno == EINTR)
				continue;
			cmd_sim_logf(cs, "poll: %s", strerror(errno));
			return 1;
		}
		if (nfds == 0 || pfd.revents == 0)
			continue;
		now = cmd_sim_now();
		if (!cs->stalled && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
			size_t room = sim_device_input_room(cs->dev);
			ssize_t n;

			if (room > sizeof(ibuf))
				room = sizeof(ibuf);
			n = pty_read(cs->pty, ibuf, room, &ctl);
			if (n > 0)
				sim_device_input(cs->dev, ibuf, (size_t)n, now);
			else if (n < 0 && errno != EAGAIN && errno != EINTR && errno != EIO)
				cmd_sim_logf(cs, "pty read: %s", strerror(errno));
			if (ctl & PTY_CTL_TERMIOS) {
				uint32_t b = pty_client_baud(cs->pty);

				if (b != 0 && b != cs->client_baud) {
					cs->client_baud = b;
					if (cs->verbose)
						cmd_sim_logf(cs, "client set %u baud (device at %u)",
						    b, sim_device_baud(cs->dev));
				}
			}
			if (n < 0 && errno == EIO) {
				/* no slave side at the moment: do not spin */
				struct timespec nap = { 0, 10000000 };

				nanosleep(&nap, NULL);
			}
		}
		if (pfd.revents & POLLOUT)
			if (cmd_sim_write_out(cs, obuf, &olen) < 0)
				return 1;
	}
	return 0;
}

static int
cmd_sim_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chip", required_argument, NULL, 'c' },
		{ "link", required_argument, NULL, 'l' },
		{ "rfc2217", required_argument, NULL, 'r' },
		{ "rfc2217-reset", required_argument, NULL, 'X' },
		{ "flash", required_argument, NULL, 'f' },
		{ "flash-size", required_argument, NULL, 's' },
		{ "transport", required_argument, NULL, 't' },
		{ "boot", required_argument, NULL, 'b' },
		{ "baud", required_argument, NULL, 'B' },
		{ "pace", no_argument, NULL, 'p' },
		{ "wdt-timeout", required_argument, NULL, 'w' },
		{ "no-wdt", no_argument, NULL, 'W' },
		{ "vanish-after", required_argument, NULL, 'V' },
		{ "reenumerate-after", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_config cfg;
	struct cmd_sim cs;
	struct sim_flashfile *ff = NULL;
	struct sim_net *net = NULL;
	struct sigaction sa;
	const char *link = NULL, *rfc2217 = NULL, *flash_path = NULL, *log_path = NULL, *why;
	char *default_flash = NULL, err[512];
	uint64_t flash_size = 4 * 1024 * 1024, wdt = 9 * SIM_NS;
	int ch, chip = -1, created, rc = 1, no_wdt = 0, esp_reset = -1;

	memset(&cfg, 0, sizeof(cfg));
	memset(&cs, 0, sizeof(cs));
	cfg.transport = SIM_TRANSPORT_UART;
	cfg.boot = SIM_BOOT_DOWNLOAD;
	cfg.baud = 115200;
	cs.vanish_ns = 15 * SIM_NS;
	cs.reenum_ns = 1 * SIM_NS;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if ((chip = sim_chip_by_name(optarg)) < 0) {
				fprintf(stderr, "sliptap sim: unknown chip \"%s\" "
				    "(esp32, esp32s3 or esp32c3)\n", optarg);
				return 2;
			}
			break;
		case 'l':
			link = optarg;
			break;
		case 'r':
			rfc2217 = optarg;
			break;
		case 'X':
			if (strcmp(optarg, "esp") == 0)
				esp_reset = 1;
			else if (strcmp(optarg, "direct") == 0)
				esp_reset = 0;
			else {
				fprintf(stderr, "sliptap sim: bad --rfc2217-reset \"%s\" "
				    "(esp or direct)\n", optarg);
				return 2;
			}
			break;
		case 'f':
			flash_path = optarg;
			break;
		case 's':
			if (parse_size(optarg, &flash_size) < 0) {
				fprintf(stderr, "sliptap sim: bad --flash-size \"%s\" (e.g. 4MB)\n",
				    optarg);
				return 2;
			}
			break;
		case 't':
			if (strcmp(optarg, "uart") == 0)
				cfg.transport = SIM_TRANSPORT_UART;
			else if (strcmp(optarg, "usb-jtag") == 0 ||
			    strcmp(optarg, "usb-serial-jtag") == 0)
				cfg.transport = SIM_TRANSPORT_USB_JTAG;
			else {
				fprintf(stderr, "sliptap sim: bad --transport \"%s\" "
				    "(uart or usb-jtag)\n", optarg);
				return 2;
			}
			break;
		case 'b':
			if (strcmp(optarg, "download") == 0)
				cfg.boot = SIM_BOOT_DOWNLOAD;
			else if (strcmp(optarg, "spi") == 0 || strcmp(optarg, "flash") == 0)
				cfg.boot = SIM_BOOT_SPI;
			else {
				fprintf(stderr, "sliptap sim: bad --boot \"%s\" "
				    "(download or spi)\n", optarg);
				return 2;
			}
			break;
		case 'B':
			if (parse_u32(optarg, &cfg.baud) < 0 || cfg.baud < 300) {
				fprintf(stderr, "sliptap sim: bad --baud \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'p':
			cfg.pace = 1;
			break;
		case 'w':
			if (cmd_sim_duration(optarg, &wdt) < 0) {
				fprintf(stderr, "sliptap sim: bad --wdt-timeout \"%s\" "
				    "(e.g. 9s, 500ms)\n", optarg);
				return 2;
			}
			break;
		case 'W':
			no_wdt = 1;
			break;
		case 'V':
			if (cmd_sim_duration(optarg, &cs.vanish_ns) < 0) {
				fprintf(stderr, "sliptap sim: bad --vanish-after \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'R':
			if (cmd_sim_duration(optarg, &cs.reenum_ns) < 0) {
				fprintf(stderr, "sliptap sim: bad --reenumerate-after \"%s\"\n",
				    optarg);
				return 2;
			}
			break;
		case 'L':
			log_path = optarg;
			break;
		case 'v':
			cfg.verbose = cs.verbose = 1;
			break;
		default:
			return cmd_usage_error(&cmd_sim_entry);
		}
	}
	if (optind != argc || chip < 0) {
		if (chip < 0)
			fprintf(stderr, "sliptap sim: --chip is required (esp32, esp32s3 "
			    "or esp32c3)\n");
		return cmd_usage_error(&cmd_sim_entry);
	}
	if (esp_reset != -1 && rfc2217 == NULL) {
		fprintf(stderr, "sliptap sim: --rfc2217-reset needs --rfc2217\n");
		return 2;
	}
	if (link != NULL && rfc2217 != NULL) {
		fprintf(stderr, "sliptap sim: --link names a pty; --rfc2217 serves TCP "
		    "instead (use one)\n");
		return 2;
	}
	cfg.chip = (enum sim_chip)chip;
	if (cfg.transport == SIM_TRANSPORT_USB_JTAG && !sim_chip_has_usb_jtag(cfg.chip)) {
		fprintf(stderr, "sliptap sim: the %s has no USB-Serial/JTAG "
		    "(use --transport uart)\n", sim_chip_label(cfg.chip));
		return 2;
	}
	cfg.wdt_timeout_ns = no_wdt ? 0 : wdt;

	cs.log = stderr;
	if (log_path != NULL && (cs.log = fopen(log_path, "a")) == NULL) {
		fprintf(stderr, "sliptap sim: %s: %s\n", log_path, strerror(errno));
		return 1;
	}
	cs.t0 = cmd_sim_now();
	if (flash_path == NULL) {
		xasprintf(&default_flash, "sliptap-sim-%s.bin", sim_chip_name(cfg.chip));
		flash_path = default_flash;
	}
	if (flash_size < 256 * 1024 || flash_size > 128 * 1024 * 1024 ||
	    (flash_size & (flash_size - 1)) != 0) {
		fprintf(stderr, "sliptap sim: --flash-size must be a power of two "
		    "from 256KB to 128MB\n");
		rc = 2;
		goto out;
	}
	ff = sim_flashfile_open(flash_path, (size_t)flash_size, &created, err, sizeof(err));
	if (ff == NULL) {
		fprintf(stderr, "sliptap sim: %s\n", err);
		goto out;
	}
	cfg.flash = sim_flashfile_data(ff);
	cfg.flash_size = sim_flashfile_size(ff);
	cfg.log_cb = cmd_sim_log_cb;
	cfg.event_cb = cmd_sim_event_cb;
	cfg.arg = &cs;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cmd_sim_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (rfc2217 != NULL) {
		if ((net = sim_net_listen(rfc2217, err, sizeof(err))) == NULL) {
			fprintf(stderr, "sliptap sim: --rfc2217: %s\n", err);
			goto out;
		}
	} else if ((cs.pty = pty_new(link, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap sim: %s\n", err);
		goto out;
	}
	cmd_sim_logf(&cs, "flash %s: %s, %zu bytes", flash_path,
	    created ? "created (erased)" : "opened", cfg.flash_size);
	cs.dev = sim_device_new(&cfg, cmd_sim_now(), &why);
	if (cs.dev == NULL) {
		fprintf(stderr, "sliptap sim: %s\n", why ? why : "cannot create the device");
		goto out;
	}
	if (cfg.transport == SIM_TRANSPORT_USB_JTAG)
		cmd_sim_logf(&cs, "RTC watchdog: %s; vanish after %.3f s, re-enumerate after %.3f s",
		    cfg.wdt_timeout_ns ? "armed in download mode" : "off",
		    (double)cs.vanish_ns / SIM_NS, (double)cs.reenum_ns / SIM_NS);
	printf("sliptap sim: %s (%s) on %s", sim_chip_name(cfg.chip),
	    cfg.transport == SIM_TRANSPORT_USB_JTAG ? "usb-jtag" : "uart",
	    net != NULL ? sim_net_url(net) : pty_slave_path(cs.pty));
	if (link != NULL)
		printf(" (link %s)", link);
	printf("\n");
	fflush(stdout);

	if (net != NULL) {
		struct sim_net_params np;

		memset(&np, 0, sizeof(np));
		np.dev = cs.dev;
		np.quit = &cmd_sim_quit;
		np.detach_pending = &cs.detach_pending;
		np.vanish_ns = cs.vanish_ns;
		np.reenum_ns = cs.reenum_ns;
		np.verbose = cs.verbose;
		np.esp_reset = esp_reset != 0;
		np.log_cb = cmd_sim_log_cb;
		np.arg = &cs;
		rc = sim_net_run(net, &np);
	} else
		rc = cmd_sim_loop(&cs);
	if (cmd_sim_quit)
		cmd_sim_logf(&cs, "signal %d: exiting", (int)cmd_sim_quit);
	{
		const struct sim_stats *st = sim_device_stats(cs.dev);

		cmd_sim_logf(&cs, "%llu commands, %llu bad frames, %llu bytes in, %llu out, "
		    "%llu flash bytes written, %llu resets, %llu watchdog resets",
		    (unsigned long long)st->commands, (unsigned long long)st->bad_frames,
		    (unsigned long long)st->bytes_in, (unsigned long long)st->bytes_out,
		    (unsigned long long)st->flash_written, (unsigned long long)st->resets,
		    (unsigned long long)st->wdt_fires);
		cmd_sim_logf(&cs, "wire time: in %.3f s, out %.3f s", (double)st->wire_in_ns / SIM_NS,
		    (double)st->wire_out_ns / SIM_NS);
	}
out:
	sim_device_free(cs.dev);
	pty_free(cs.pty);
	sim_net_free(net);
	sim_flashfile_close(ff);
	free(default_flash);
	if (cs.log != NULL && cs.log != stderr)
		fclose(cs.log);
	return rc;
}

const struct cmd_entry cmd_sim_entry = {
	"sim",
	"--chip CHIP [--link PATH | --rfc2217 ADDR:PORT [--rfc2217-reset esp|direct]] "
	"[--flash FILE] [--flash-size SIZE] "
	"[--transport uart|usb-jtag] [--boot download|spi] [--baud N] [--pace] "
	"[--wdt-timeout DUR] [--no-wdt] [--vanish-after DUR] [--reenumerate-after DUR] "
	"[--log FILE] [--verbose]",
	"simulate an ESP device on a pty (or RFC 2217) for esptool / esptool-js",
	cmd_sim_help,
	cmd_sim_exec
};
