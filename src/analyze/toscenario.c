/*
 * toscenario.c — `analyze --to-scenario`: a scenario file (see
 * sliptap-scenario(5)) that reproduces the failure an analysis found, at the
 * same place: a write timeout after "(93 %)" becomes a freeze before that
 * progress, a rejected block at seq N a corrupt rule at seq N, a stall a
 * stall of the same reply, and so on. Chip, image size, stub/ROM and
 * compression come from the analysis; comments say which report line each
 * value came from and what could not be inferred.
 */
#include <stdio.h>
#include <string.h>

#include "analyze-int.h"
#include "esp.h"

static const char *
ts_chip(const char *chip)
{
	if (chip == NULL)
		return NULL;
	if (strstr(chip, "S3") != NULL || strstr(chip, "s3") != NULL)
		return "esp32s3";
	if (strstr(chip, "C3") != NULL || strstr(chip, "c3") != NULL)
		return "esp32c3";
	if (strncmp(chip, "ESP32", 5) == 0 && (chip[5] == '\0' || chip[5] == '-'))
		return "esp32";
	return NULL;
}

/* The rule's "where": a seq, else a progress, else the command. */
static void
ts_where(FILE *fp, const struct analysis *a, int data_cmd)
{
	if (data_cmd && a->where.seq >= 0)
		fprintf(fp, "seq = %lld\n", (long long)a->where.seq);
	else if (data_cmd && a->where.percent >= 0)
		fprintf(fp, "progress = %d\n", a->where.percent);
}

/* A comment wrapped at 90 columns (scenario lines are limited in length). */
static void
ts_comment(FILE *fp, const char *prefix, const char *text)
{
	size_t col = 0, n;

	fprintf(fp, "; %s", prefix);
	col = 2 + strlen(prefix);
	while (text != NULL && *text != '\0') {
		while (*text == ' ')
			text++;
		n = strcspn(text, " ");
		if (n == 0)
			break;
		if (col + n + 1 > 90 && col > 2) {
			fprintf(fp, "\n;  ");
			col = 3;
		}
		fprintf(fp, " %.*s", (int)(n > 150 ? 150 : n), text);
		col += n + 1;
		text += n;
	}
	fputc('\n', fp);
}

/*
 * NOISE_INVALID_HEAD whose stray bytes are a reply that lost its opening C0:
 * the evidence's hex dump ("...: 74 01 0a ...") has the response direction
 * byte (0x01) second. Such noise is line corruption of the delimiter, not
 * text from an app, and reproduces as a framing corruption.
 */
static int
ts_lost_delimiter(const struct analysis *a)
{
	const char *p = a->headline != NULL ? strstr(a->headline, "): ") : NULL;
	unsigned b0, b1;

	if (p == NULL || sscanf(p + 3, "%2x %2x", &b0, &b1) != 2)
		return 0;
	return b0 != 0xC0 && b1 == ESP_DIR_RESPONSE;
}

static int
ts_is_data(const struct analysis *a)
{
	return a->where.op == ESP_OP_FLASH_DATA || a->where.op == ESP_OP_FLASH_DEFL_DATA ||
	    (a->where.op < 0 && (a->where.seq >= 0 || a->where.percent >= 0));
}

static int
ts_rule(FILE *fp, const struct analysis *a)
{
	const char *c = a->class_name;
	const char *cmd = a->where.command;
	int data = ts_is_data(a);

	fprintf(fp, "\n[rule reproduce]\n");
	if (strcmp(c, "WRITE_TIMEOUT") == 0) {
		fprintf(fp, "; from \"where\": the tool printed (%d %%) and then could not write\n",
		    a->where.percent);
		fprintf(fp, "response_to = any-flash-data\n");
		if (a->where.percent >= 0)
			fprintf(fp, "before_progress = %d\n", a->where.percent);
		fprintf(fp, "times = 1\naction = freeze-host-writes\nduration = 12s\nthen = disconnect\n");
	} else if (strcmp(c, "DEVICE_VANISHED") == 0) {
		fprintf(fp, "; from \"where\": the port hung up at this block\n");
		fprintf(fp, "command = %s\n", data ? "any-flash-data" : cmd ? cmd : "any-flash-data");
		ts_where(fp, a, data);
		fprintf(fp, "times = 1\naction = disconnect\n");
	} else if (strcmp(c, "BLOCK_REJECTED") == 0) {
		fprintf(fp, "; from \"where\": the block the chip rejected; esptool retries 3 times\n");
		fprintf(fp, "command = any-flash-data\n");
		ts_where(fp, a, 1);
		fprintf(fp, "times = 3\naction = corrupt\ntarget = payload\nbits = 1\n");
	} else if (strcmp(c, "ACK_STALL") == 0) {
		fprintf(fp, "; from \"where\": the command whose reply never came\n");
		if (data)
			fprintf(fp, "response_to = any-flash-data\n");
		else if (cmd != NULL)
			fprintf(fp, "response_to = %s\n", cmd);
		else
			fprintf(fp, "response_to = any-flash-data\n");
		ts_where(fp, a, data);
		fprintf(fp, "times = 1\naction = stall\n");
	} else if (strcmp(c, "PARTIAL_FRAME") == 0) {
		fprintf(fp, "; from \"where\": the reply that was cut short\n");
		fprintf(fp, "response_to = %s\n", data ? "any-flash-data" : cmd ? cmd : "any-flash-begin");
		ts_where(fp, a, data);
		fprintf(fp, "times = 1\naction = truncate\nkeep = 6\n");
	} else if (strcmp(c, "NOISE_INVALID_HEAD") == 0) {
		fprintf(fp, "; from \"evidence\": bytes outside any frame before this reply\n");
		fprintf(fp, "response_to = %s\n", data ? "any-flash-data" : cmd ? cmd : "any-flash-begin");
		ts_where(fp, a, data);
		if (!data && cmd != NULL && a->where.nth > 0)
			fprintf(fp, "; the %lld. %s of the session\nnth = %lld\n", (long long)a->where.nth,
			    cmd, (long long)a->where.nth);
		else
			fprintf(fp, "times = 1\n");
		if (ts_lost_delimiter(a))
			fprintf(fp, "; the bytes are a reply whose opening C0 arrived as another byte\n"
			    "action = corrupt\ntarget = framing\n");
		else
			fprintf(fp, "action = inject\nposition = before\n"
			    "text = I (1234) app: hello\\r\\n\n");
	} else if (strcmp(c, "NO_RESPONSE") == 0) {
		fprintf(fp, "; no reply from the device at all\ndirection = to-host\naction = drop\n");
	} else if (strcmp(c, "TX_PATH_DOWN") == 0) {
		fprintf(fp, "; the chip in download mode, SYNC never answered\ncommand = SYNC\n"
		    "action = inject\nposition = instead\nto = host\ntext = rst:0x1 (POWERON_RESET),"
		    "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\\r\\nwaiting for download\\r\\n\n");
	} else if (strcmp(c, "WRONG_BOOT_MODE") == 0) {
		fprintf(fp, "; the chip booted from flash. On hardware with modem lines the same is\n"
		    "; \"action = reset\" with \"boot = spi\"; a pty has no lines, so the boot log\n"
		    "; is injected instead of the SYNC replies\n");
		fprintf(fp, "command = SYNC\naction = inject\nposition = instead\nto = host\n"
		    "text = ets Jul 29 2019 12:21:46\\r\\n\\r\\nrst:0x1 (POWERON_RESET),"
		    "boot:0x13 (SPI_FAST_FLASH_BOOT)\\r\\n\n");
	} else if (strcmp(c, "RAM_UPLOAD_CORRUPT") == 0) {
		fprintf(fp, "command = MEM_DATA\nnth = 1\naction = corrupt\ntarget = payload\n");
	} else if (strcmp(c, "STUB_NO_START") == 0) {
		fprintf(fp, "direction = to-host\nkind = ohai\naction = drop\n");
	} else if (strcmp(c, "BAUD_SWITCH_FAILED") == 0) {
		fprintf(fp, "command = CHANGE_BAUDRATE\ntimes = 1\naction = ignore-baud-change\n"
		    "\n[rule wrong-rate]\nafter_rule = reproduce\nresponse_to = SYNC, READ_REG, "
		    "WRITE_REG, SPI_ATTACH, SPI_SET_PARAMS, any-begin, any-data,\n    any-end, "
		    "SPI_FLASH_MD5, ERASE_FLASH, ERASE_REGION, READ_FLASH, GET_SECURITY_INFO\n"
		    "action = drop\n");
	} else if (strcmp(c, "VERIFY_MISMATCH") == 0) {
		fprintf(fp, "; the MD5 the device reported differs from the data sent\n"
		    "response_to = SPI_FLASH_MD5\naction = corrupt\ntarget = payload\n");
	} else if (strcmp(c, "UNSUPPORTED_IN_SDM") == 0) {
		fprintf(fp, "command = %s\naction = reply\nstatus = 1\nerror = INVALID_MESSAGE\n",
		    cmd != NULL && !data ? cmd : "any-flash-begin");
	} else
		return -1;
	return 0;
}

int
analyze_write_scenario(const char *input, const struct analysis *a, FILE *fp, char *err,
    size_t errlen)
{
	const struct analysis_summary *s = &a->summary;
	const char *chip = ts_chip(s->chip);
	uint64_t size = s->image_size;
	char name[64];
	size_t i;

	if (strcmp(a->class_name, "SUCCESS") == 0 || strcmp(a->class_name, "UNKNOWN") == 0 ||
	    strcmp(a->class_name, "PORT_UNAVAILABLE") == 0 ||
	    strcmp(a->class_name, "STUCK_IN_LOADER") == 0 ||
	    strcmp(a->class_name, "READBACK_CORRUPT") == 0) {
		snprintf(err, errlen, "%s: class %s: no scenario reproduces it on the wire", input,
		    a->class_name);
		return -1;
	}
	snprintf(name, sizeof(name), "reproduce-%s", a->class_name);
	for (i = 0; name[i] != '\0'; i++)
		name[i] = name[i] == '_' ? '-' : (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] - 'A' + 'a' : name[i]);
	ts_comment(fp, "Written by `sliptap analyze --to-scenario` from", input);
	fprintf(fp, "; (%s input)\n", analyze_input_name(a->input));
	fprintf(fp, "; Report: %s at", a->class_name);
	if (a->where.command != NULL)
		fprintf(fp, " %s", a->where.command);
	if (a->where.seq >= 0)
		fprintf(fp, " seq %lld", (long long)a->where.seq);
	if (a->where.percent >= 0)
		fprintf(fp, " (%d %%)", a->where.percent);
	fputc('\n', fp);
	ts_comment(fp, "what:", a->headline);
	fprintf(fp, "; Not inferred: the image content (any image of the size below works),\n"
	    "; timing of the original link%s%s.\n", chip ? "" : ", the chip (esp32 assumed)",
	    size ? "" : ", the image size (64K assumed)");
	fprintf(fp, "[scenario]\nname = %s\nsummary = %s reproduced from %s\nseed = 1\n"
	    "deadline = 120s\n", name, a->class_name, a->input_name ? "a report" : "a report");
	fprintf(fp, "; summary \"chip\": %s\nchip = %s\n", s->chip ? s->chip : "unknown",
	    chip ? chip : "esp32");
	if (chip != NULL && strcmp(chip, "esp32s3") == 0 && strcmp(a->class_name, "WRITE_TIMEOUT") == 0)
		fprintf(fp, "transport = usb-jtag\n");
	fprintf(fp, "client = any\n");
	if (strcmp(a->class_name, "RAM_UPLOAD_CORRUPT") == 0 ||
	    strcmp(a->class_name, "STUB_NO_START") == 0)
		fprintf(fp, "; the failure is in the stub upload: the tool uploads one\nstub = yes\n");
	else if (s->stub == 0)
		fprintf(fp, "; summary \"loader\": ROM\nstub = no\n");
	else if (s->stub == 1)
		fprintf(fp, "; summary \"loader\": stub\nstub = yes\n");
	if (s->compressed == 0)
		fprintf(fp, "; summary \"region\": uncompressed\ncompress = no\n");
	else if (s->compressed == 1)
		fprintf(fp, "; summary \"region\": compressed\ncompress = yes\n");
	if (size > 0) {
		uint64_t k = (size + 1023) / 1024;

		fprintf(fp, "; summary \"region\": %llu bytes\nimage_size = %lluK\n",
		    (unsigned long long)size, (unsigned long long)k);
	}
	if (strcmp(a->class_name, "BAUD_SWITCH_FAILED") == 0) {
		uint32_t b = s->nbauds > 0 ? s->bauds[s->nbauds - 1] : 460800;

		fprintf(fp, "change_baud = %u\n", b);
	}
	fprintf(fp, "\n[expect]\n; the failing run the report shows\noutcome = fail-clean\n");
	fprintf(fp, "class = %s\n", a->class_name);
	if (a->where.percent >= 0 && (strcmp(a->class_name, "WRITE_TIMEOUT") == 0))
		fprintf(fp, "last_progress = %d\n", a->where.percent);
	if (ts_rule(fp, a) != 0) {
		snprintf(err, errlen, "%s: class %s: no rule for it", input, a->class_name);
		return -1;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: write error", input);
		return -1;
	}
	return 0;
}
