/*
 * cmd-proxy.c — `sliptap proxy`: the man-in-the-middle between a flashing
 * tool and a serial device. Options here; the work is in src/proxy/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-opt.h"
#include "cmd.h"
#include "reset.h"
#include "simhost.h"
#include "util.h"
#include "../proxy/proxy.h"
#include "../proxy/proxy-fault.h"

static const char cmd_proxy_help[] =
"Sit between a flashing tool (esptool, esptool-js, idf.py, PlatformIO) and a\n"
"serial device: forward every byte both ways unchanged and in order, decode the\n"
"ESP serial protocol, follow the session, write a capture, inject faults.\n"
"The tool opens a pty sliptap creates (or connects over RFC 2217). Once ready,\n"
"one line is printed on stdout:\n"
"  sliptap proxy: ready on /dev/pts/7 (link /tmp/ttyESP) -> /dev/ttyUSB0\n"
"\n"
"DEVICE is a serial port name (/dev/ttyUSB0, COM5), usb:VID:PID[:SERIAL] (hex,\n"
"e.g. usb:10c4:ea60), a tty or pty path, rfc2217://HOST:PORT, tcp://HOST:PORT,\n"
"or sim:CHIP[,KEY=VALUE...]: the simulator in this process (keys: transport,\n"
"boot, flash, flash-size, baud, pace, wdt-timeout, no-wdt, vanish-after,\n"
"reenumerate-after, verbose, as the `sliptap sim` options; without flash= the\n"
"flash is erased memory). A tty or serial DEVICE is opened exclusively: a\n"
"second proxy on it fails, naming the process that has it.\n"
"\n"
"  --link PATH            a stable symlink to the client pty (made atomically,\n"
"                         removed on exit, kept across hang-ups)\n"
"  --rfc2217 ADDR:PORT    serve RFC 2217 instead of a pty (e.g. 127.0.0.1:4000;\n"
"                         the address defaults to loopback): the tool's baud and\n"
"                         DTR/RTS reach the device (esptool --port rfc2217://...)\n"
"  --rfc2217-reset MODE   how the RFC 2217 server treats DTR/RTS: auto (the\n"
"                         default): like esp, but when DEVICE is rfc2217:// the\n"
"                         tool's changes go on as sent (the server there reads\n"
"                         them: `sliptap sim --rfc2217` or esp_rfc2217_server\n"
"                         behind the proxy work as without it); esp: like\n"
"                         esptool's esp_rfc2217_server: DTR on runs the reset\n"
"                         into download mode with board timings on the device,\n"
"                         RTS off a hard reset, other changes are ignored (a\n"
"                         client's own sequence loses its timing on the\n"
"                         network); direct: every change reaches the device as\n"
"                         it arrives (ser2net, pySerial's rfc2217_server)\n"
"  --baud N               initial device baud (default 115200); afterwards the\n"
"                         device follows the tool's termios / RFC 2217 requests\n"
"                         and acknowledged CHANGE_BAUDRATE commands\n"
"  --reset MODE           classic, unix-tight, usb-jtag or none (default): reset\n"
"                         the chip into download mode via DTR/RTS when the tool\n"
"                         opens the pty (or at its first SYNC), and hard-reset it\n"
"                         when the tool closes after flashing; for tools run with\n"
"                         --before no_reset through a pty, which has no DTR/RTS\n"
"  --pcap FILE            capture everything (pcap; tshark/Wireshark decode it\n"
"                         with docs/sliptap.lua; `sliptap dump FILE` prints it)\n"
"  --scenario FILE        inject the faults of a scenario file (see\n"
"                         sliptap-scenario(5); `sliptap check` validates it);\n"
"                         the seed is printed at start and stored in the\n"
"                         capture, each fired rule is a FAULT record, and at\n"
"                         exit each rule's count is printed (NOT_TRIGGERED for\n"
"                         rules that never fired)\n"
"  --seed N               override the scenario's seed (without either, a random\n"
"                         seed is picked and printed)\n"
"  --pin OUT.ini          at exit, write the scenario with every probabilistic\n"
"                         rule pinned to the positions where it fired (nth)\n"
"  --json-events          print one JSON object per session event on stdout\n"
"  --reset-table          print the reset sequences (NAME DTR RTS TIGHT DELAY_MS\n"
"                         per step; -1 leaves a line) and exit\n"
"  --quiet                no status line and no notices on stderr\n"
"\n"
"The pty survives the tool closing and reopening it. If the device vanishes, the\n"
"pty is hung up (the tool sees EIO, as with an unplugged adapter) and comes back\n"
"under the same link when the device returns. SIGINT/SIGTERM stop the proxy and\n"
"close the capture cleanly.\n"
"\n"
"Examples:\n"
"  sliptap proxy --link /tmp/ttyESP --pcap flash.pcap /dev/ttyUSB0\n"
"  esptool.py --port /tmp/ttyESP --before no_reset write_flash 0x10000 app.bin\n"
"  sliptap proxy --rfc2217 127.0.0.1:4000 usb:303a:1001\n"
"  esptool.py --port rfc2217://127.0.0.1:4000 write_flash 0x10000 app.bin\n";

static const struct option cmd_proxy_opts[] = {
	{ "link", required_argument, NULL, 'l' },
	{ "rfc2217", required_argument, NULL, 'R' },
	{ "rfc2217-reset", required_argument, NULL, 'E' },
	{ "baud", required_argument, NULL, 'b' },
	{ "reset", required_argument, NULL, 'r' },
	{ "pcap", required_argument, NULL, 'w' },
	{ "scenario", required_argument, NULL, 's' },
	{ "seed", required_argument, NULL, 'S' },
	{ "pin", required_argument, NULL, 'P' },
	{ "json-events", no_argument, NULL, 'j' },
	{ "reset-table", no_argument, NULL, 'T' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static char *
cmd_proxy_cmdline(int argc, char **argv)
{
	size_t len = strlen("sliptap") + 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xmalloc(len);
	strcpy(s, "sliptap");
	for (i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* The one table of reset sequences (reset.h), for scripts and tests. */
static void
cmd_proxy_reset_table(void)
{
	static const enum reset_kind kinds[] = {
		RESET_CLASSIC, RESET_UNIX_TIGHT, RESET_USB_JTAG, RESET_HARD,
	};
	const struct reset_step *st;
	size_t i, j, n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		st = reset_sequence(kinds[i], &n);
		for (j = 0; j < n; j++)
			printf("%s %d %d %d %u\n", reset_name(kinds[i]), st[j].dtr, st[j].rts,
			    st[j].tight, st[j].delay_ms);
	}
}

/* A DEVICE spec that can never work is a usage error (exit 2), not a run-time failure. */
static int
cmd_proxy_check_device(const char *dev)
{
	struct simhost_config sc;
	char err[512];

	if (strncmp(dev, "rfc2217://", 10) == 0 || strncmp(dev, "tcp://", 6) == 0)
		return cmd_opt_addr("proxy", "DEVICE", strchr(dev, '/') + 2);
	if (strncmp(dev, "sim:", 4) == 0 && simhost_parse_spec(dev + 4, &sc, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "sliptap proxy: DEVICE %s: %s\n", dev, err);
		return -1;
	}
	return 0;
}

static int
cmd_proxy_exec(int argc, char **argv)
{
	struct proxy_config cfg;
	struct proxy *p;
	struct proxy_fault_config fcfg;
	struct proxy_fault *pf = NULL;
	char err[8192], *cmdline;
	enum cmd_rfc2217_reset rm;
	int ch, rc, frc, reset_mode = -1;

	memset(&cfg, 0, sizeof(cfg));
	memset(&fcfg, 0, sizeof(fcfg));
	cfg.baud = ESP_DEFAULT_BAUD;
	cfg.reset = PROXY_RESET_NONE;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", cmd_proxy_opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			cfg.link = optarg;
			break;
		case 'R':
			cfg.rfc2217 = optarg;
			if (cmd_opt_addr("proxy", "rfc2217", optarg) == -1)
				return 2;
			break;
		case 'E':
			if (cmd_opt_rfc2217_reset("proxy", optarg, &rm) == -1)
				return 2;
			reset_mode = (int)rm;
			break;
		case 'b':
			if (cmd_opt_baud("proxy", optarg, &cfg.baud) == -1)
				return 2;
			break;
		case 'r':
			if (proxy_reset_parse(optarg, &cfg.reset) == -1 || cfg.reset == PROXY_RESET_HARD) {
				fprintf(stderr, "sliptap proxy: --reset %s: want classic, unix-tight, "
				    "usb-jtag or none\n", optarg);
				return 2;
			}
			break;
		case 'w':
			cfg.pcap = optarg;
			break;
		case 's':
			fcfg.scenario = optarg;
			break;
		case 'S': {
			char *end;

			/* a usage error (2), not a failed run: checked with the options */
			errno = 0;
			(void)strtoull(optarg, &end, 0);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno != 0) {
				fprintf(stderr, "sliptap proxy: bad --seed \"%s\" (a number)\n", optarg);
				return 2;
			}
			fcfg.seed = optarg;
			break;
		}
		case 'P':
			fcfg.pin = optarg;
			break;
		case 'j':
			cfg.json_events = 1;
			break;
		case 'q':
			cfg.quiet = 1;
			break;
		case 'h':
			cmd_print_help(&cmd_proxy_entry);
			return 0;
		case 'T':
			cmd_proxy_reset_table();
			return 0;
		default:
			return cmd_usage_error(&cmd_proxy_entry);
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_proxy_entry);
	cfg.device = argv[optind];
	if (reset_mode != -1 && cfg.rfc2217 == NULL) {
		fprintf(stderr, "sliptap proxy: --rfc2217-reset needs --rfc2217\n");
		return 2;
	}
	cfg.rfc2217_direct = reset_mode == CMD_RFC2217_DIRECT ? PROXY_RFC2217_DIRECT :
	    reset_mode == CMD_RFC2217_ESP ? PROXY_RFC2217_ESP : PROXY_RFC2217_AUTO;
	if (cmd_proxy_check_device(cfg.device) == -1)
		return 2;

	/*
	 * SCENARIO SEAM: the fault engine attaches here, after proxy_new and
	 * before proxy_run, with proxy_set_hooks() (see src/proxy/proxy.h).
	 */
	if ((fcfg.seed != NULL || fcfg.pin != NULL) && fcfg.scenario == NULL) {
		fprintf(stderr, "sliptap proxy: --seed and --pin need --scenario\n");
		return 2;
	}
	if (fcfg.scenario != NULL) {
		fcfg.quiet = cfg.quiet;
		if ((pf = proxy_fault_new(&fcfg, err, sizeof(err))) == NULL) {
			fputs(err, stderr);
			return 1;
		}
		cfg.start_extra = proxy_fault_start_extra(pf);
	}

	cmdline = cmd_proxy_cmdline(argc, argv);
	cfg.cmdline = cmdline;
	p = proxy_new(&cfg, err, sizeof(err));
	if (p == NULL) {
		fprintf(stderr, "sliptap proxy: %s\n", err);
		free(cmdline);
		proxy_fault_free(pf);
		return 1;
	}
	if (pf != NULL && proxy_fault_check(pf, p, err, sizeof(err)) != 0) {
		/* A fault that cannot act is an error before anything runs. */
		fprintf(stderr, "%s", err);
		proxy_free(p);
		proxy_fault_free(pf);
		free(cmdline);
		return 2;
	}
	if (pf != NULL)
		proxy_fault_attach(pf, p);
	rc = proxy_run(p);
	proxy_free(p);
	if (pf != NULL && (frc = proxy_fault_finish(pf)) != 0 && rc == 0)
		rc = frc;	/* 1: --pin failed; 3: a rule never fired */
	proxy_fault_free(pf);
	free(cmdline);
	return rc;
}

const struct cmd_entry cmd_proxy_entry = {
	.name = "proxy",
	.usage = "[--link PATH] [--rfc2217 ADDR:PORT [--rfc2217-reset MODE]] [--baud N] [--reset MODE] [--pcap FILE] "
	    "[--scenario FILE [--seed N] [--pin OUT.ini]] [--json-events] [--quiet] DEVICE | "
	    "--reset-table",
	.summary = "forward a flashing session byte-exact, decode, capture, inject faults",
	.help = cmd_proxy_help,
	.exec = cmd_proxy_exec,
};
