/*
 * cmd-sim.c — `sliptap sim`: a simulated ESP device for esptool and
 * esptool-js. Options here; the serving (a pty or an RFC 2217 server on
 * the event loop) is src/io/simserve.c, the device src/sim/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-opt.h"
#include "cmd.h"
#include "simserve.h"
#include "util.h"

static const char cmd_sim_help[] =
"Simulate an ESP32, ESP32-S3 or ESP32-C3 in its serial bootloader on a pty, so\n"
"esptool and esptool-js can connect, flash, verify and read it back.\n"
"Prints one line on stdout once the port is ready, logs to stderr, and runs until\n"
"SIGINT or SIGTERM (the link is removed on exit).\n"
"\n"
"  --chip CHIP            esp8266, esp32, esp32s2, esp32s3, esp32c3, esp32c6,\n"
"                         esp32c2 or esp32h2 (required)\n"
"  --link PATH            make PATH a symlink to the pty (replaced atomically)\n"
"  --rfc2217 ADDR:PORT    serve the device over RFC 2217 on TCP instead of a\n"
"                         pty (ADDR defaults to 127.0.0.1; port 0 picks a free\n"
"                         one, named in the ready line); one client at a time,\n"
"                         whose DTR/RTS drive the auto-reset circuit\n"
"  --rfc2217-reset MODE   how the RFC 2217 server treats DTR/RTS: auto (the\n"
"                         default) or esp: like esptool's esp_rfc2217_server,\n"
"                         DTR on starts a reset into download mode and RTS off\n"
"                         a hard reset, with board timings; direct: each change\n"
"                         reaches the circuit as it arrives (like ser2net: the\n"
"                         classic reset then fails over the network). A\n"
"                         `sliptap proxy --rfc2217` in front passes the tool's\n"
"                         changes on, so the defaults work through it\n"
"  --flash FILE           flash contents (default ./sliptap-sim-CHIP.bin; created\n"
"                         erased at --flash-size, kept across runs)\n"
"  --flash-size SIZE      a power of two from 256KB to 128MB (default 4MB)\n"
"  --transport T          uart (default: a USB-UART bridge), usb-jtag (the\n"
"                         chip's USB-Serial/JTAG; S3, C3, C6 and H2 only) or\n"
"                         usb-otg (the ROM's USB-OTG CDC; S2: it re-enumerates\n"
"                         on every reset)\n"
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
"DUR is a number and a unit: us, ms, s or min (m is min), e.g. 9s, 500ms.\n"
"A pty has no DTR/RTS: run esptool with --before no_reset --after no_reset.\n"
"Over --rfc2217 (esptool --port rfc2217://HOST:PORT) DTR/RTS work as on a\n"
"dev board: EN and IO0 follow the classic and USB-Serial/JTAG reset sequences,\n"
"so --boot spi plus esptool's default reset ends in download mode. Output\n"
"while no client is connected is lost, like a UART nobody listens to.\n"
"The boot log is printed at start and after every reset; output written while no\n"
"client has the port open waits in the pty (esptool flushes it when it connects).\n";

static const struct option cmd_sim_opts[] = {
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

/* One option into c; 0, or 2 (a usage error, printed). */
static int
cmd_sim_opt(int ch, struct simserve_config *c, int *chip, int *no_wdt, int *mode)
{
	struct sim_config *sc = &c->host.sim;
	enum cmd_rfc2217_reset rm;

	switch (ch) {
	case 'c':
		if ((*chip = sim_chip_by_name(optarg)) < 0) {
			fprintf(stderr, "sliptap sim: unknown chip \"%s\" (%s)\n", optarg,
			    sim_chip_names());
			return 2;
		}
		return 0;
	case 'l':
		c->link = optarg;
		return 0;
	case 'r':
		c->rfc2217 = optarg;
		return cmd_opt_addr("sim", "rfc2217", optarg) == -1 ? 2 : 0;
	case 'X':
		if (cmd_opt_rfc2217_reset("sim", optarg, &rm) == -1)
			return 2;
		*mode = (int)rm;
		return 0;
	case 'f':
		c->host.flash_path = optarg;
		return 0;
	case 's':
		if (parse_size(optarg, &c->host.flash_size) < 0) {
			fprintf(stderr, "sliptap sim: --flash-size %s: want a size (e.g. 4MB)\n",
			    optarg);
			return 2;
		}
		return 0;
	case 't':
		if (sim_transport_by_name(optarg) < 0) {
			fprintf(stderr, "sliptap sim: --transport %s: want uart, usb-jtag or usb-otg\n",
			    optarg);
			return 2;
		}
		sc->transport = (enum sim_transport)sim_transport_by_name(optarg);
		return 0;
	case 'b':
		if (strcmp(optarg, "download") == 0)
			sc->boot = SIM_BOOT_DOWNLOAD;
		else if (strcmp(optarg, "spi") == 0 || strcmp(optarg, "flash") == 0)
			sc->boot = SIM_BOOT_SPI;
		else {
			fprintf(stderr, "sliptap sim: --boot %s: want download or spi\n", optarg);
			return 2;
		}
		return 0;
	case 'B':
		return cmd_opt_baud("sim", optarg, &sc->baud) == -1 ? 2 : 0;
	case 'p':
		sc->pace = 1;
		return 0;
	case 'w':
		return cmd_opt_duration("sim", "wdt-timeout", optarg, &sc->wdt_timeout_ns) ? 2 : 0;
	case 'W':
		*no_wdt = 1;
		return 0;
	case 'V':
		return cmd_opt_duration("sim", "vanish-after", optarg, &c->host.vanish_ns) ? 2 : 0;
	case 'R':
		return cmd_opt_duration("sim", "reenumerate-after", optarg, &c->host.reenum_ns) ?
		    2 : 0;
	case 'v':
		sc->verbose = c->verbose = 1;
		return 0;
	}
	return cmd_usage_error(&cmd_sim_entry);
}

static int
cmd_sim_exec(int argc, char **argv)
{
	struct simserve_config c;
	const char *log_path = NULL;
	char *default_flash = NULL;
	int ch, chip = -1, rc, no_wdt = 0, mode = -1;

	memset(&c, 0, sizeof(c));
	simhost_config_init(&c.host, SIM_CHIP_ESP32);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", cmd_sim_opts, NULL)) != -1) {
		if (ch == 'L')
			log_path = optarg;
		else if ((rc = cmd_sim_opt(ch, &c, &chip, &no_wdt, &mode)) != 0)
			return rc;
	}
	if (optind != argc || chip < 0) {
		if (chip < 0)
			fprintf(stderr, "sliptap sim: --chip is required (%s)\n",
			    sim_chip_names());
		return cmd_usage_error(&cmd_sim_entry);
	}
	if (mode != -1 && c.rfc2217 == NULL) {
		fprintf(stderr, "sliptap sim: --rfc2217-reset needs --rfc2217\n");
		return 2;
	}
	if (c.link != NULL && c.rfc2217 != NULL) {
		fprintf(stderr, "sliptap sim: --link names a pty; --rfc2217 serves TCP "
		    "instead (use one)\n");
		return 2;
	}
	c.host.sim.chip = (enum sim_chip)chip;
	if (sim_transport_check(c.host.sim.chip, c.host.sim.transport) != NULL) {
		fprintf(stderr, "sliptap sim: %s (use --transport uart)\n",
		    sim_transport_check(c.host.sim.chip, c.host.sim.transport));
		return 2;
	}
	if (no_wdt)
		c.host.sim.wdt_timeout_ns = 0;
	if (c.host.flash_size < 256 * 1024 || c.host.flash_size > 128 * 1024 * 1024 ||
	    (c.host.flash_size & (c.host.flash_size - 1)) != 0) {
		fprintf(stderr, "sliptap sim: --flash-size must be a power of two "
		    "from 256KB to 128MB\n");
		return 2;
	}
	/* auto is esp here: the simulated circuit has the lines */
	c.esp_reset = mode != CMD_RFC2217_DIRECT;
	if (c.host.flash_path == NULL) {
		xasprintf(&default_flash, "sliptap-sim-%s.bin", sim_chip_name(c.host.sim.chip));
		c.host.flash_path = default_flash;
	}
	c.log = stderr;
	if (log_path != NULL && (c.log = fopen(log_path, "a")) == NULL) {
		fprintf(stderr, "sliptap sim: %s: %s\n", log_path, strerror(errno));
		free(default_flash);
		return 1;
	}
	rc = simserve_run(&c);
	if (c.log != stderr)
		fclose(c.log);
	free(default_flash);
	return rc;
}

const struct cmd_entry cmd_sim_entry = {
	.name = "sim",
	.usage = "--chip CHIP [--link PATH | --rfc2217 ADDR:PORT [--rfc2217-reset auto|esp|direct]] "
	    "[--flash FILE] [--flash-size SIZE] "
	    "[--transport uart|usb-jtag|usb-otg] [--boot download|spi] [--baud N] [--pace] "
	    "[--wdt-timeout DUR] [--no-wdt] [--vanish-after DUR] [--reenumerate-after DUR] "
	    "[--log FILE] [--verbose]",
	.summary = "simulate an ESP device on a pty (or RFC 2217) for esptool / esptool-js",
	.help = cmd_sim_help,
	.exec = cmd_sim_exec,
};
