/*
 * session-names.c — the tracker's names and tables: chip magic values and
 * chip ids (from esptool's targets), which stub an upload is, phase, event
 * and anomaly names, and esptool's progress lines (4.x and 5.x). Pure.
 */
#include <stdio.h>
#include <string.h>

#include "session.h"
#include "util.h"

/* Chip magic values (READ_REG 0x40001000), from esptool 3.3.2 / 4.5.1 / 4.9.1 targets. */
static const struct {
	uint32_t	 magic;
	const char	*name;
} session_magics[] = {
	{ 0xfff0c101, "ESP8266" },
	{ 0x00f01d83, "ESP32" },
	{ 0x000007c6, "ESP32-S2" },
	{ 0x00000009, "ESP32-S3" },
	{ 0xeb004136, "ESP32-S3(beta2)" },
	{ 0x6921506f, "ESP32-C3" },
	{ 0x1b31506f, "ESP32-C3" },
	{ 0x6f51306f, "ESP32-C2" },
	{ 0x7c41a06f, "ESP32-C2" },
	{ 0x0da1806f, "ESP32-C6(beta)" },
	{ 0x2ce0806f, "ESP32-C6" },
	{ 0xca26cc22, "ESP32-H2(beta1)" },
	{ 0x6881b06f, "ESP32-H2(beta2)" },
	{ 0xd7b73e80, "ESP32-H2" },
};

/* GET_SECURITY_INFO chip ids (esptool IMAGE_CHIP_ID). */
static const struct {
	uint32_t	 id;
	const char	*name;
} session_chip_ids[] = {
	{ 0, "ESP32" },
	{ 2, "ESP32-S2" },
	{ 4, "ESP32-S3(beta2)" },
	{ 5, "ESP32-C3" },
	{ 7, "ESP32-C6(beta)" },
	{ 9, "ESP32-S3" },
	{ 10, "ESP32-H2(beta1)" },
	{ 12, "ESP32-C2" },
	{ 13, "ESP32-C6" },
	{ 14, "ESP32-H2(beta2)" },
	{ 16, "ESP32-H2" },
	{ 17, "ESP32-C5(beta3)" },
	{ 18, "ESP32-P4" },
	{ 20, "ESP32-C61" },
	{ 23, "ESP32-C5" },
	{ 25, "ESP32-H21" },
	{ 28, "ESP32-H4" },
};

enum session_stub
session_stub_kind(uint32_t text_start, uint32_t text_len, uint32_t entry)
{
	uint32_t entry_off = entry - text_start;

	if (text_start >= 0x40100000 && text_start < 0x40110000)	/* ESP8266 IRAM */
		return text_len >= 10 * 1024 ? SESSION_STUB_FLASHER : SESSION_STUB_LEGACY;
	if (entry >= text_start && entry_off >= 0xD00 && text_len >= 5 * 1024)
		return SESSION_STUB_FLASHER;
	return SESSION_STUB_LEGACY;
}

const char *
session_stub_name(enum session_stub k)
{
	switch (k) {
	case SESSION_STUB_LEGACY:
		return "legacy";
	case SESSION_STUB_FLASHER:
		return "esp-flasher-stub";
	case SESSION_STUB_NONE:
		break;
	}
	return "none";
}

const char *
session_chip_by_magic(uint32_t magic)
{
	size_t i;

	for (i = 0; i < nitems(session_magics); i++)
		if (session_magics[i].magic == magic)
			return session_magics[i].name;
	return NULL;
}

const char *
session_chip_by_id(uint32_t chip_id)
{
	size_t i;

	for (i = 0; i < nitems(session_chip_ids); i++)
		if (session_chip_ids[i].id == chip_id)
			return session_chip_ids[i].name;
	return NULL;
}

const char *
session_phase_name(enum session_phase p)
{
	switch (p) {
	case SESSION_PHASE_CONNECTING:
		return "connecting";
	case SESSION_PHASE_SYNCED:
		return "synced";
	case SESSION_PHASE_STUB_RUNNING:
		return "stub-running";
	case SESSION_PHASE_FLASHING:
		return "flashing";
	case SESSION_PHASE_VERIFYING:
		return "verifying";
	case SESSION_PHASE_DONE:
		return "done";
	}
	return "unknown";
}

const char *
session_event_name(enum session_event_type t)
{
	switch (t) {
	case SESSION_EV_PHASE:
		return "phase";
	case SESSION_EV_CHIP:
		return "chip";
	case SESSION_EV_BAUD:
		return "baud";
	case SESSION_EV_REGION_BEGIN:
		return "region-begin";
	case SESSION_EV_PROGRESS:
		return "progress";
	case SESSION_EV_REGION_END:
		return "region-end";
	case SESSION_EV_COMMAND:
		return "command";
	case SESSION_EV_COMMAND_DONE:
		return "command-done";
	case SESSION_EV_ANOMALY:
		return "anomaly";
	case SESSION_EV_STUB_START:
		return "stub-start";
	case SESSION_EV_NOTE:
		return "note";
	}
	return "unknown";
}

const char *
session_anomaly_name(enum session_anomaly a)
{
	switch (a) {
	case SESSION_AN_NONE:
		return "none";
	case SESSION_AN_ORPHAN_RESPONSE:
		return "orphan-response";
	case SESSION_AN_ERROR_STATUS:
		return "error-status";
	case SESSION_AN_RETRANSMIT:
		return "retransmit";
	case SESSION_AN_SEQ_GAP:
		return "seq-gap";
	case SESSION_AN_MISSING_REPLY:
		return "missing-reply";
	case SESSION_AN_TIMEOUT:
		return "timeout";
	case SESSION_AN_GARBAGE:
		return "garbage";
	case SESSION_AN_BAD_CHECKSUM:
		return "bad-checksum";
	case SESSION_AN_BAD_LENGTH:
		return "bad-length";
	case SESSION_AN_SLIP:
		return "slip";
	case SESSION_AN_INFLATE:
		return "inflate";
	}
	return "unknown";
}

int
session_format_progress(char *buf, size_t size, uint32_t address, int percent)
{
	return snprintf(buf, size, "Writing at 0x%08x... (%d %%)", address, percent);
}

int
session_format_progress_v5(char *buf, size_t size, uint32_t address, uint64_t sent,
    uint64_t total)
{
	char bar[31];
	unsigned filled = total ? (unsigned)(30 * sent / total) : 0, i;

	if (filled > 30)
		filled = 30;
	for (i = 0; i < 30; i++)
		bar[i] = filled == 30 ? '=' : i + 1 < filled ? '=' : i + 1 == filled ? '>' : ' ';
	bar[30] = '\0';
	return snprintf(buf, size, "Writing at 0x%08x [%s] %5.1f%% %llu/%llu bytes...", address,
	    bar, total ? 100.0 * (double)sent / (double)total : 0.0, (unsigned long long)sent,
	    (unsigned long long)total);
}
