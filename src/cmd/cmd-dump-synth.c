/*
 * cmd-dump-synth.c — `sliptap dump --synth FILE`: writes a small, deterministic
 * synthetic capture of an ESP32 flash session with one corrupted FLASH_DATA,
 * for trying the tools without a board.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-dump.h"
#include "esp.h"
#include "units.h"
#include "util.h"

struct cmd_dump_synth {
	struct capture	*c;
	uint64_t	 ts;
	uint8_t		 body[SLIP_MAX_FRAME];
	uint8_t		 wire[SLIP_ENCODED_MAX(SLIP_MAX_FRAME)];
};

static void
cmd_dump_synth_frame(struct cmd_dump_synth *s, int dir, unsigned flags, size_t blen)
{
	size_t n = slip_encode(s->body, blen, s->wire);

	capture_write_frame(s->c, s->ts, dir, flags, s->wire, n);
}

static void
cmd_dump_synth_cmd(struct cmd_dump_synth *s, unsigned flags, uint8_t op, const uint8_t *data,
    size_t len, uint32_t chk)
{
	cmd_dump_synth_frame(s, CAPTURE_DIR_H2D, flags, esp_command_build(op, data, len, chk, s->body));
	s->ts += 150 * NS_PER_US;
}

/* A response; error != 0 fails it the ROM way (01 code) or, with 2-byte status, the stub way (code 00). */
static void
cmd_dump_synth_resp(struct cmd_dump_synth *s, unsigned flags, uint8_t op, uint32_t value,
    uint8_t error, int status_len)
{
	uint8_t st[4] = { 0, 0, 0, 0 };

	if (error != 0 && status_len == 2)
		st[0] = error;
	else if (error != 0) {
		st[0] = 1;
		st[1] = error;
	}

	cmd_dump_synth_frame(s, CAPTURE_DIR_D2H, flags | (status_len == 2 ?
	    CAPTURE_F_STATUS2 : CAPTURE_F_STATUS4),
	    esp_response_build(op, value, st, (size_t)status_len, s->body));
	s->ts += 850 * NS_PER_US;
}

static void
cmd_dump_synth_words(uint8_t *out, const uint32_t *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		put_le32(out + 4 * i, w[i]);
}

/* A deterministic ESP32 session: boot log, sync, stub, 20 KiB written, one corrupt fault. */
int
cmd_dump_synth(const char *path)
{
	static const char bootlog[] = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),"
	    "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
	static const uint8_t noise[] = { 0xC0, 0xDB, 0x01, 0xC0 };
	struct cmd_dump_synth *s;
	struct capture_kv kv;
	uint8_t data[16 + 1024];
	char err[512];
	unsigned i, blocks = 20, stub = CAPTURE_F_STUB;
	uint32_t seq;
	int rc = 0;

	s = xcalloc(1, sizeof(*s));
	if ((s->c = capture_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap: %s\n", err);
		free(s);
		return 1;
	}
	s->ts = UINT64_C(1767225600) * NS_PER_SEC;	/* 2026-01-01T00:00:00Z */
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_START,
	    "tool=sliptap version=" SLIPTAP_VERSION " format=1 mode=synth seed=1"
	    " scenario=synthetic-corrupt.ini");
	capture_write_event(s->c, s->ts += NS_PER_US, CAPTURE_DIR_NONE, CAPTURE_EV_PORT_OPEN,
	    "side=device port=synthetic baud=115200");
	capture_write_event(s->c, s->ts += 2 * NS_PER_MS, CAPTURE_DIR_H2D, CAPTURE_EV_LINES,
	    "side=device dtr=0 rts=1");
	capture_write_event(s->c, s->ts += 100 * NS_PER_MS, CAPTURE_DIR_H2D, CAPTURE_EV_LINES,
	    "side=device dtr=1 rts=0");
	capture_write_event(s->c, s->ts += NS_PER_US, CAPTURE_DIR_NONE, CAPTURE_EV_RESET,
	    "how=classic");
	capture_write_outside(s->c, s->ts += 30 * NS_PER_MS, CAPTURE_DIR_D2H, 0,
	    (const uint8_t *)bootlog, sizeof(bootlog) - 1);

	/* SYNC: 07 07 12 20 + 32 x 55 */
	memset(data, 0x55, 36);
	put_le32(data, ESP_SYNC_VALUE);
	cmd_dump_synth_cmd(s, 0, ESP_OP_SYNC, data, 36, 0);
	for (i = 0; i < 2; i++)
		cmd_dump_synth_resp(s, 0, ESP_OP_SYNC, 0, 0, 4);
	/* Chip detection: the magic register. */
	put_le32(data, 0x40001000);
	cmd_dump_synth_cmd(s, 0, ESP_OP_READ_REG, data, 4, 0);
	cmd_dump_synth_resp(s, 0, ESP_OP_READ_REG, 0x00f01d83, 0, 4);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
	    "chip=ESP32 phase=detect");
	/* A line hit mid-frame: a bad escape in a junk frame. */
	capture_write_slip_error(s->c, s->ts, CAPTURE_DIR_D2H, 0, CAPTURE_SLIP_BAD_ESCAPE,
	    0x01, noise + 1, 2);
	capture_write_frame(s->c, s->ts += NS_PER_US, CAPTURE_DIR_D2H, 0, noise, sizeof(noise));
	/* Stub upload (one tiny block) and its greeting. */
	cmd_dump_synth_words(data, (const uint32_t[]){ 64, 1, 0x1800, 0x40080000 }, 4);
	cmd_dump_synth_cmd(s, 0, ESP_OP_MEM_BEGIN, data, 16, 0);
	cmd_dump_synth_resp(s, 0, ESP_OP_MEM_BEGIN, 0, 0, 4);
	cmd_dump_synth_words(data, (const uint32_t[]){ 64, 0, 0, 0 }, 4);
	memset(data + 16, 0xA5, 64);
	cmd_dump_synth_cmd(s, 0, ESP_OP_MEM_DATA, data, 16 + 64, esp_checksum(data + 16, 64));
	cmd_dump_synth_resp(s, 0, ESP_OP_MEM_DATA, 0, 0, 4);
	cmd_dump_synth_words(data, (const uint32_t[]){ 0, 0x40080400 }, 2);
	cmd_dump_synth_cmd(s, 0, ESP_OP_MEM_END, data, 8, 0);
	cmd_dump_synth_resp(s, 0, ESP_OP_MEM_END, 0, 0, 4);
	memcpy(s->body, "OHAI", 4);
	cmd_dump_synth_frame(s, CAPTURE_DIR_D2H, stub, 4);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
	    "chip=ESP32 stub=1 phase=stub");
	/* Baud change. */
	cmd_dump_synth_words(data, (const uint32_t[]){ 921600, 115200 }, 2);
	cmd_dump_synth_cmd(s, stub, ESP_OP_CHANGE_BAUDRATE, data, 8, 0);
	cmd_dump_synth_resp(s, stub, ESP_OP_CHANGE_BAUDRATE, 0, 0, 2);
	capture_write_event(s->c, s->ts += 50 * NS_PER_US, CAPTURE_DIR_NONE, CAPTURE_EV_BAUD,
	    "side=both baud=921600 from=115200");
	cmd_dump_synth_words(data, (const uint32_t[]){ 0, 0 }, 2);
	cmd_dump_synth_cmd(s, stub, ESP_OP_SPI_ATTACH, data, 8, 0);
	cmd_dump_synth_resp(s, stub, ESP_OP_SPI_ATTACH, 0, 0, 2);
	/* FLASH_BEGIN: erase size, blocks, block size, offset, not encrypted. */
	cmd_dump_synth_words(data, (const uint32_t[]){ blocks * 1024, blocks, 1024, 0x10000, 0 }, 5);
	cmd_dump_synth_cmd(s, stub, ESP_OP_FLASH_BEGIN, data, 20, 0);
	cmd_dump_synth_resp(s, stub, ESP_OP_FLASH_BEGIN, 0, 0, 2);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
	    "phase=flash offset=0x10000 size=20480 progress=0");
	for (seq = 0; seq < blocks; seq++) {
		uint8_t chk;
		size_t blen;

		put_le32(data, 1024);
		put_le32(data + 4, seq);
		put_le32(data + 8, 0);
		put_le32(data + 12, 0);
		for (i = 0; i < 1024; i++)	/* includes C0/DB bytes, so escapes show */
			data[16 + i] = (uint8_t)((i * i) / 3 + i * 7 + seq * 13);
		chk = esp_checksum(data + 16, 1024);
		if (seq != 14) {
			cmd_dump_synth_cmd(s, stub, ESP_OP_FLASH_DATA, data, sizeof(data), chk);
			cmd_dump_synth_resp(s, stub, ESP_OP_FLASH_DATA, 0, 0, 2);
		} else {
			/* The fault: record what the host sent, the fault, what the device got. */
			blen = esp_command_build(ESP_OP_FLASH_DATA, data, sizeof(data), chk, s->body);
			cmd_dump_synth_frame(s, CAPTURE_DIR_H2D, stub | CAPTURE_STAGE_ORIGINAL, blen);
			capture_kv_init(&kv);
			capture_kv_adds(&kv, "rule", "corrupt-seq14");
			capture_kv_adds(&kv, "action", "corrupt");
			capture_kv_add(&kv, "op", "FLASH_DATA");
			capture_kv_add(&kv, "seq", "%u", seq);
			capture_kv_add(&kv, "changed", "byte %u 0x%02x->0x%02x", 8 + 16 + 100,
			    s->body[8 + 16 + 100], (uint8_t)(s->body[8 + 16 + 100] ^ 0x20));
			capture_write_event(s->c, s->ts, CAPTURE_DIR_H2D, CAPTURE_EV_FAULT, kv.buf);
			s->body[8 + 16 + 100] ^= 0x20;
			cmd_dump_synth_frame(s, CAPTURE_DIR_H2D, stub | CAPTURE_STAGE_DELIVERED, blen);
			s->ts += 150 * NS_PER_US;
			cmd_dump_synth_resp(s, stub, ESP_OP_FLASH_DATA, 0,
			    ESP_STUB_BAD_DATA_CHECKSUM, 2);
			/* esptool retries the block. */
			cmd_dump_synth_cmd(s, stub, ESP_OP_FLASH_DATA, data, sizeof(data), chk);
			cmd_dump_synth_resp(s, stub, ESP_OP_FLASH_DATA, 0, 0, 2);
		}
		if ((seq + 1) % 5 == 0)
			capture_write_eventf(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
			    "phase=flash seq=%u progress=%u", seq, (seq + 1) * 100 / blocks);
	}
	cmd_dump_synth_words(data, (const uint32_t[]){ 1 }, 1);
	cmd_dump_synth_cmd(s, stub, ESP_OP_FLASH_END, data, 4, 0);
	cmd_dump_synth_resp(s, stub, ESP_OP_FLASH_END, 0, 0, 2);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_NOT_TRIGGERED,
	    "rule=drop-md5 reason=\"op SPI_FLASH_MD5 never seen\"");
	capture_write_event(s->c, s->ts += NS_PER_MS, CAPTURE_DIR_NONE, CAPTURE_EV_HANGUP,
	    "side=host");
	capture_write_event(s->c, s->ts += NS_PER_US, CAPTURE_DIR_NONE, CAPTURE_EV_PORT_CLOSE,
	    "side=device port=synthetic reason=\"host closed\"");
	capture_write_eventf(s->c, s->ts += NS_PER_US, CAPTURE_DIR_NONE, CAPTURE_EV_END,
	    "records=%u reason=done", capture_next_seq(s->c) + 1);
	if (capture_close(s->c) != 0) {
		fprintf(stderr, "sliptap: %s: write failed\n", path);
		rc = 1;
	}
	free(s);
	return rc;
}
