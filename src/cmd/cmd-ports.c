/*
 * cmd-ports.c — `sliptap ports`: the serial ports libserialport sees, with
 * their USB details, so the user can name one as DEVICE (by name or as
 * usb:VID:PID[:SERIAL], which survives re-enumeration).
 *
 * On-board UARTs (ttyS*, ttyAMA*: "native" transport) are hidden unless
 * --all: on a PC they are consoles or unconnected, never an ESP board.
 * Nothing is opened, only sysfs is read.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "serial.h"

static const char cmd_ports_help[] =
"List serial ports with their USB details: name, VID:PID, serial number,\n"
"manufacturer, product and transport. Ports are never opened.\n"
"\n"
"  --all      also list on-board (native) UARTs such as /dev/ttyS0\n"
"  --json     one JSON object per port\n"
"\n"
"A listed USB port can be given to `sliptap proxy` by name or as\n"
"usb:VID:PID[:SERIAL], which finds it again under a new name after a replug.\n";

static const struct option cmd_ports_opts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void
cmd_ports_json_str(const char *key, const char *s, int comma)
{
	const unsigned char *c;

	printf("%s\"%s\":\"", comma ? "," : "", key);
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

static int
cmd_ports_exec(int argc, char **argv)
{
	struct serial_info *list;
	char err[256], spec[200];
	int n, i, ch, all = 0, json = 0, shown = 0, hidden = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", cmd_ports_opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cmd_print_help(&cmd_ports_entry);
			return 0;
		default:
			return cmd_usage_error(&cmd_ports_entry);
		}
	}
	if (optind != argc)
		return cmd_usage_error(&cmd_ports_entry);
	n = serial_list(&list, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "sliptap ports: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct serial_info *si = &list[i];

		if (si->transport == SERIAL_TRANSPORT_NATIVE && !all) {
			hidden++;
			continue;
		}
		if (si->usb)
			snprintf(spec, sizeof(spec), "usb:%04x:%04x%s%s", si->vid, si->pid,
			    *si->serial ? ":" : "", si->serial);
		else
			spec[0] = '\0';
		if (json) {
			putchar('{');
			cmd_ports_json_str("name", si->name, 0);
			cmd_ports_json_str("transport", serial_transport_name(si->transport), 1);
			if (si->usb) {
				printf(",\"vid\":\"%04x\",\"pid\":\"%04x\"", si->vid, si->pid);
				cmd_ports_json_str("serial", si->serial, 1);
				cmd_ports_json_str("manufacturer", si->manufacturer, 1);
				cmd_ports_json_str("product", si->product, 1);
				cmd_ports_json_str("spec", spec, 1);
			}
			cmd_ports_json_str("description", si->description, 1);
			printf("}\n");
		} else {
			if (shown == 0)
				printf("%-16s %-9s %-9s %-16s %-20s %s\n", "PORT", "TRANSPORT",
				    "VID:PID", "SERIAL", "MANUFACTURER", "PRODUCT");
			if (si->usb) {
				char vp[16];

				snprintf(vp, sizeof(vp), "%04x:%04x", si->vid, si->pid);
				printf("%-16s %-9s %-9s %-16s %-20s %s\n", si->name,
				    serial_transport_name(si->transport), vp,
				    *si->serial ? si->serial : "-",
				    *si->manufacturer ? si->manufacturer : "-",
				    *si->product ? si->product : "-");
			} else
				printf("%-16s %-9s %-9s %-16s %-20s %s\n", si->name,
				    serial_transport_name(si->transport), "-", "-", "-",
				    *si->description ? si->description : "-");
		}
		shown++;
	}
	serial_list_free(list, n);
	if (shown == 0 && !json) {
		printf("no USB serial ports found");
		if (hidden > 0)
			printf(" (%d on-board UART%s hidden; --all lists %s)", hidden,
			    hidden == 1 ? "" : "s", hidden == 1 ? "it" : "them");
		printf("\nplug in the board (check `dmesg` for cp210x, ch341, ftdi_sio or "
		    "cdc_acm), or use a pty/rfc2217:// device with `sliptap proxy`\n");
	}
	return 0;
}

const struct cmd_entry cmd_ports_entry = {
	"ports",
	"[--all] [--json]",
	"list serial ports with their USB details",
	cmd_ports_help,
	cmd_ports_exec
};
