/*
 * check_session.c — the session tracker over scripted ROM and stub sessions,
 * the progress formula against lines esptool prints, and anomalies.
 *
 * Expected progress lines were computed with esptool's write_flash loop
 * (esptool 3.3.2 and 4.9.1 share it): before block seq it prints
 * "Writing at 0x%08x... (%d %%)" % (address + bytes_written, 100 * (seq + 1) // blocks),
 * bytes_written counting uncompressed bytes (zlib.decompressobj per block).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "esp.h"
#include "session.h"
#include "slip.h"
#include "util.h"

#define MS	1000000ULL

struct tap {
	struct session	*s;
	uint64_t	 now;
	int		 count[SESSION_EV_NOTE + 1];
	enum session_anomaly anomalies[64];
	uint8_t		 anomaly_error[64];
	char		 anomaly_text[64][160];
	int		 nanomalies;
	char		 (*lines)[48];
	int		 nlines;
	char		 phases[256];
	char		 notes[2048];
	char		 last_region_end[128];
	uint64_t	 last_latency;
	uint8_t		 last_done_op;
	uint8_t		 last_error;
	uint32_t	 last_baud;
	const char	*last_chip;
};

static void
tap_cb(const struct session_event *ev, void *arg)
{
	struct tap *t = arg;

	ck_assert_ptr_nonnull(ev->text);
	ck_assert_ptr_null(strchr(ev->text, '\n'));
	ck_assert_uint_eq(ev->ts, t->now);
	t->count[ev->type]++;
	switch (ev->type) {
	case SESSION_EV_PHASE:
		strncat(t->phases, session_phase_name(ev->phase),
		    sizeof(t->phases) - strlen(t->phases) - 2);
		strcat(t->phases, " ");
		break;
	case SESSION_EV_ANOMALY:
		ck_assert_int_lt(t->nanomalies, 64);
		snprintf(t->anomaly_text[t->nanomalies], sizeof(t->anomaly_text[0]), "%s", ev->text);
		t->anomaly_error[t->nanomalies] = ev->error;
		t->anomalies[t->nanomalies++] = ev->anomaly;
		break;
	case SESSION_EV_PROGRESS:
		ck_assert_ptr_nonnull(ev->region);
		ck_assert_int_lt(t->nlines, 1024);
		snprintf(t->lines[t->nlines++], sizeof(t->lines[0]), "%s", ev->text);
		break;
	case SESSION_EV_COMMAND_DONE:
		t->last_latency = ev->latency_ns;
		t->last_done_op = ev->op;
		t->last_error = ev->error;
		break;
	case SESSION_EV_BAUD:
		t->last_baud = ev->baud;
		break;
	case SESSION_EV_CHIP:
		t->last_chip = ev->chip;
		break;
	case SESSION_EV_REGION_END:
		snprintf(t->last_region_end, sizeof(t->last_region_end), "%s", ev->text);
		break;
	case SESSION_EV_NOTE:
		strncat(t->notes, ev->text, sizeof(t->notes) - strlen(t->notes) - 2);
		strcat(t->notes, "|");
		break;
	default:
		break;
	}
}

static void
tap_init(struct tap *t)
{
	memset(t, 0, sizeof(*t));
	t->lines = calloc(1024, sizeof(*t->lines));
	t->now = 1000 * MS;
	t->s = session_new(115200, tap_cb, t);
}

static void
tap_free(struct tap *t)
{
	session_free(t->s);
	free(t->lines);
}

static const struct session_state *
st(struct tap *t)
{
	return session_state(t->s);
}

static void
host(struct tap *t, uint8_t op, const uint8_t *data, size_t len, uint32_t chk)
{
	uint8_t *buf = malloc(ESP_HDR_LEN + len);
	size_t n;

	t->now += 1 * MS;
	n = esp_command_build(op, data, len, chk, buf);
	session_frame(t->s, LINK_H2D, buf, n, t->now);
	free(buf);
}

static void
host4(struct tap *t, uint8_t op, uint32_t a, uint32_t b, uint32_t c, uint32_t d, size_t words)
{
	uint8_t data[20] = { 0 };	/* a 5th word (ROM encrypted flag) is 0 */

	ck_assert_uint_le(words, 5);
	put_le32(data, a);
	put_le32(data + 4, b);
	put_le32(data + 8, c);
	put_le32(data + 12, d);
	host(t, op, data, words * 4, 0);
}

static void
host_block(struct tap *t, uint8_t op, uint32_t seq, const uint8_t *payload, size_t len)
{
	uint8_t *data = malloc(16 + len);

	memset(data, 0, 16);
	put_le32(data, (uint32_t)len);
	put_le32(data + 4, seq);
	memcpy(data + 16, payload, len);
	host(t, op, data, 16 + len, esp_checksum(payload, len));
	free(data);
}

/* A device response: extra data, then a status of status_len bytes. */
static void
dev(struct tap *t, uint8_t op, uint32_t value, const uint8_t *extra, size_t elen,
    int status_len, uint8_t status, uint8_t error)
{
	uint8_t data[64], buf[80];
	size_t n;

	ck_assert_uint_le(elen + 4, sizeof(data));
	if (elen > 0)
		memcpy(data, extra, elen);
	memset(data + elen, 0, 4);
	data[elen] = status;
	data[elen + 1] = error;
	t->now += 2 * MS;
	n = esp_response_build(op, value, data, elen + (size_t)status_len, buf);
	session_frame(t->s, LINK_D2H, buf, n, t->now);
}

static void
dev_ok(struct tap *t, uint8_t op, uint32_t value, int status_len)
{
	dev(t, op, value, NULL, 0, status_len, 0, 0);
}

static void
dev_raw(struct tap *t, enum link_dir dir, const void *buf, size_t len)
{
	t->now += 1 * MS;
	session_frame(t->s, dir, buf, len, t->now);
}

static void
sync_rom(struct tap *t, int status_len, int replies)
{
	uint8_t data[36];
	int i;

	data[0] = 0x07; data[1] = 0x07; data[2] = 0x12; data[3] = 0x20;
	memset(data + 4, 0x55, 32);
	host(t, ESP_OP_SYNC, data, sizeof(data), 0);
	for (i = 0; i < replies; i++)
		dev_ok(t, ESP_OP_SYNC, ESP_SYNC_VALUE, status_len);
}

static void
read_reg(struct tap *t, uint32_t addr, uint32_t value, int status_len)
{
	host4(t, ESP_OP_READ_REG, addr, 0, 0, 0, 1);
	dev_ok(t, ESP_OP_READ_REG, value, status_len);
}

/* The same deterministic image the expected lines were computed from. */
static uint8_t *
gen_image(size_t n)
{
	uint8_t *p = malloc(n);
	uint32_t x = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = ((i >> 7) % 4 == 0) ? (uint8_t)(x >> 24) : (uint8_t)((i >> 3) & 0xff);
	}
	return p;
}

static uint8_t *
gen_compressed(size_t n, size_t *clen)
{
	uint8_t *img = gen_image(n);
	uLongf len = compressBound(n);
	uint8_t *out = malloc(len);

	ck_assert_int_eq(compress2(out, &len, img, n, 9), Z_OK);
	free(img);
	*clen = len;
	return out;
}

/* ---- progress formula ------------------------------------------------ */

static const struct {
	uint32_t	 seq, blocks;
	int		 percent;
} percent_vectors[] = {
	{ 14, 16, 93 }, { 0, 16, 6 }, { 15, 16, 100 }, { 0, 1, 100 },
	{ 0, 3, 33 }, { 1, 3, 66 }, { 2, 3, 100 }, { 0, 450, 0 }, { 1, 450, 0 },
	{ 224, 450, 50 }, { 448, 450, 99 }, { 449, 450, 100 }, { 0, 0, -1 },
	{ 0xFFFFFFFE, 0xFFFFFFFF, 100 },
};

START_TEST(test_percent)
{
	ck_assert_int_eq(esp_progress_percent(percent_vectors[_i].seq,
	    percent_vectors[_i].blocks), percent_vectors[_i].percent);
}
END_TEST

START_TEST(test_format)
{
	char buf[64];

	ck_assert_int_eq(session_format_progress(buf, sizeof(buf), 0x00077c00, 93), 31);
	ck_assert_str_eq(buf, "Writing at 0x00077c00... (93 %)");
	session_format_progress(buf, sizeof(buf), 0x10000, 0);
	ck_assert_str_eq(buf, "Writing at 0x00010000... (0 %)");
	session_format_progress(buf, sizeof(buf), 0xFFFFFFFF, 100);
	ck_assert_str_eq(buf, "Writing at 0xffffffff... (100 %)");
}
END_TEST

/* ---- a ROM session --------------------------------------------------- */

START_TEST(test_rom_session)
{
	struct tap t;
	uint8_t block[ESP_ROM_BLOCK];
	char line[64];
	uint32_t seq;

	tap_init(&t);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_CONNECTING);
	ck_assert_int_eq(session_progress_line(t.s, line, sizeof(line)), -1);
	ck_assert_str_eq(line, "");
	/* two unanswered SYNCs (chip not yet listening), then one with 8 replies */
	sync_rom(&t, 4, 0);
	sync_rom(&t, 4, 0);
	sync_rom(&t, 4, 8);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_SYNCED);
	ck_assert_int_eq(st(&t)->status_len, 4);
	ck_assert_ptr_null(st(&t)->chip);
	read_reg(&t, SESSION_MAGIC_REG, 0x00f01d83, 4);
	ck_assert_str_eq(st(&t)->chip, "ESP32");
	ck_assert_str_eq(t.last_chip, "ESP32");
	ck_assert_uint_eq(t.last_latency, 2 * MS);

	/* esptool --no-stub: 450 KB at 0x10000, 0x400 blocks, 5th word on ESP32 ROM */
	host4(&t, ESP_OP_FLASH_BEGIN, 450 * 1024, 450, ESP_ROM_BLOCK, 0x10000, 4);
	dev_ok(&t, ESP_OP_FLASH_BEGIN, 0, 4);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_FLASHING);
	ck_assert_int_eq(t.count[SESSION_EV_REGION_BEGIN], 1);
	ck_assert_uint_eq(st(&t)->region.num_blocks, 450);
	for (seq = 0; seq < 450; seq++) {
		memset(block, (int)seq, sizeof(block));
		host_block(&t, ESP_OP_FLASH_DATA, seq, block, sizeof(block));
		ck_assert_uint_eq(st(&t)->region.seq, seq);
		dev_ok(&t, ESP_OP_FLASH_DATA, 0, 4);
		if (seq == 224) {
			ck_assert_int_eq(session_progress_line(t.s, line, sizeof(line)), 31);
			ck_assert_str_eq(line, "Writing at 0x00048000... (50 %)");
			ck_assert_uint_eq(st(&t)->region.blocks_acked, 225);
			ck_assert_uint_eq(st(&t)->region.bytes_written, 225 * 1024);
		}
	}
	ck_assert_int_eq(t.nlines, 450);
	ck_assert_str_eq(t.lines[0], "Writing at 0x00010000... (0 %)");
	ck_assert_str_eq(t.lines[1], "Writing at 0x00010400... (0 %)");
	ck_assert_str_eq(t.lines[224], "Writing at 0x00048000... (50 %)");
	ck_assert_str_eq(t.lines[417], "Writing at 0x00078400... (92 %)");
	ck_assert_str_eq(t.lines[448], "Writing at 0x00080000... (99 %)");
	ck_assert_str_eq(t.lines[449], "Writing at 0x00080400... (100 %)");
	ck_assert_int_eq(t.count[SESSION_EV_REGION_END], 1);
	ck_assert_str_eq(t.last_region_end, "Wrote 460800 bytes at 0x00010000");
	ck_assert_int_eq(st(&t)->region.active, 0);
	ck_assert_uint_eq(st(&t)->regions_done, 1);

	host4(&t, ESP_OP_FLASH_END, 0, 0, 0, 0, 1);
	dev_ok(&t, ESP_OP_FLASH_END, 0, 4);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_DONE);
	ck_assert_str_eq(t.phases, "synced flashing done ");
	ck_assert_int_eq(t.nanomalies, 0);
	ck_assert_int_eq(st(&t)->error, 0);
	/* 1 SYNC + READ_REG + FLASH_BEGIN + 450 blocks + FLASH_END */
	ck_assert_int_eq(t.count[SESSION_EV_COMMAND_DONE], 1 + 1 + 1 + 450 + 1);
	ck_assert_uint_eq(st(&t)->pending, 0);
	ck_assert_int_eq(st(&t)->last_op, ESP_OP_FLASH_END);
	ck_assert_uint_eq(st(&t)->baud, 115200);
	tap_free(&t);
}
END_TEST

/* ---- a stub session -------------------------------------------------- */

static const char *stub_lines[] = {
	"Writing at 0x00010000... (25 %)",
	"Writing at 0x0001ee4a... (50 %)",
	"Writing at 0x0002e426... (75 %)",
	"Writing at 0x0003da03... (100 %)",
};

START_TEST(test_stub_session)
{
	struct tap t;
	uint8_t *z, ram[ESP_RAM_BLOCK], secinfo[20], md5[16];
	size_t zlen, off;
	uint32_t seq, nblocks;

	tap_init(&t);
	sync_rom(&t, 4, 8);
	/* esptool 4.x probes GET_SECURITY_INFO first: chip id 9 is an ESP32-S3 */
	memset(secinfo, 0, sizeof(secinfo));
	secinfo[12] = 9;
	host(&t, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	dev(&t, ESP_OP_GET_SECURITY_INFO, 0, secinfo, sizeof(secinfo), 4, 0, 0);
	ck_assert_str_eq(st(&t)->chip, "ESP32-S3");

	/* stub upload: two RAM segments */
	memset(ram, 0x11, sizeof(ram));
	host4(&t, ESP_OP_MEM_BEGIN, 0x2000, 2, ESP_RAM_BLOCK, 0x40378000, 4);
	dev_ok(&t, ESP_OP_MEM_BEGIN, 0, 4);
	host_block(&t, ESP_OP_MEM_DATA, 0, ram, sizeof(ram));
	dev_ok(&t, ESP_OP_MEM_DATA, 0, 4);
	host_block(&t, ESP_OP_MEM_DATA, 1, ram, 0x800);
	dev_ok(&t, ESP_OP_MEM_DATA, 0, 4);
	host4(&t, ESP_OP_MEM_END, 0, 0x4037a000, 0, 0, 2);
	dev_ok(&t, ESP_OP_MEM_END, 0, 4);
	ck_assert_int_eq(st(&t)->stub, 0);
	dev_raw(&t, LINK_D2H, "OHAI", 4);
	ck_assert_int_eq(t.count[SESSION_EV_STUB_START], 1);
	ck_assert_int_eq(st(&t)->stub, 1);
	ck_assert_int_eq(st(&t)->status_len, 2);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_STUB_RUNNING);

	/* CHANGE_BAUDRATE takes effect after its ack */
	host4(&t, ESP_OP_CHANGE_BAUDRATE, 460800, 115200, 0, 0, 2);
	ck_assert_uint_eq(st(&t)->baud, 115200);
	dev_ok(&t, ESP_OP_CHANGE_BAUDRATE, 0, 2);
	ck_assert_uint_eq(st(&t)->baud, 460800);
	ck_assert_uint_eq(t.last_baud, 460800);

	host4(&t, ESP_OP_SPI_ATTACH, 0, 0, 0, 0, 2);
	dev_ok(&t, ESP_OP_SPI_ATTACH, 0, 2);

	/* compressed write: 200000 bytes at 0x10000 in 0x4000 blocks */
	z = gen_compressed(200000, &zlen);
	ck_assert_uint_eq(zlen, 52671);	/* what Python's zlib.compress(image, 9) gives */
	nblocks = (uint32_t)((zlen + ESP_STUB_BLOCK - 1) / ESP_STUB_BLOCK);
	host4(&t, ESP_OP_FLASH_DEFL_BEGIN, 200000, nblocks, ESP_STUB_BLOCK, 0x10000, 4);
	dev_ok(&t, ESP_OP_FLASH_DEFL_BEGIN, 0, 2);
	ck_assert_int_eq(st(&t)->region.compressed, 1);
	for (seq = 0, off = 0; off < zlen; seq++, off += ESP_STUB_BLOCK) {
		size_t n = zlen - off < ESP_STUB_BLOCK ? zlen - off : ESP_STUB_BLOCK;

		host_block(&t, ESP_OP_FLASH_DEFL_DATA, seq, z + off, n);
		ck_assert_str_eq(t.lines[seq], stub_lines[seq]);
		dev_ok(&t, ESP_OP_FLASH_DEFL_DATA, 0, 2);
	}
	free(z);
	ck_assert_int_eq(t.nlines, 4);
	ck_assert_int_eq(st(&t)->region.inflate_ok, 1);
	ck_assert_uint_eq(st(&t)->region.bytes_written, 200000);
	ck_assert_uint_eq(st(&t)->region.bytes_sent, 52671);
	ck_assert_str_eq(t.last_region_end, "Wrote 200000 bytes (52671 compressed) at 0x00010000");
	/* esptool's dummy READ_REG after the last block */
	read_reg(&t, SESSION_MAGIC_REG, 0x9, 2);
	host4(&t, ESP_OP_SPI_FLASH_MD5, 0x10000, 200000, 0, 0, 4);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_VERIFYING);
	memset(md5, 0xAB, sizeof(md5));
	dev(&t, ESP_OP_SPI_FLASH_MD5, 0, md5, sizeof(md5), 2, 0, 0);
	/* leaving: FLASH_BEGIN(0, 0) then FLASH_DEFL_END(stay) */
	host4(&t, ESP_OP_FLASH_BEGIN, 0, 0, ESP_STUB_BLOCK, 0, 4);
	dev_ok(&t, ESP_OP_FLASH_BEGIN, 0, 2);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_VERIFYING);
	ck_assert_uint_eq(st(&t)->regions, 1);
	host4(&t, ESP_OP_FLASH_DEFL_END, 1, 0, 0, 0, 1);
	dev_ok(&t, ESP_OP_FLASH_DEFL_END, 0, 2);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_DONE);
	ck_assert_str_eq(t.phases, "synced stub-running flashing verifying done ");
	ck_assert_msg(t.nanomalies == 0, "anomaly: %s", t.anomaly_text[0]);
	ck_assert_int_eq(st(&t)->error, 0);
	tap_free(&t);
}
END_TEST

/* esptool --no-stub on an ESP32: compressed writes through the ROM, 0x400 blocks. */
static const struct {
	uint32_t	 address;
	int		 percent;
} rom_defl[] = {
	{ 0x00010000, 1 }, { 0x00010831, 3 }, { 0x00011805, 5 }, { 0x0001265e, 7 },
	{ 0x00013634, 9 }, { 0x0001460a, 11 }, { 0x00015464, 13 }, { 0x00016439, 15 },
	{ 0x00017411, 17 }, { 0x0001826c, 19 }, { 0x00019240, 21 }, { 0x0001a217, 23 },
	{ 0x0001b072, 25 }, { 0x0001c046, 26 }, { 0x0001d01b, 28 }, { 0x0001de75, 30 },
	{ 0x0001ee4a, 32 }, { 0x0001fc79, 34 }, { 0x00020c50, 36 }, { 0x00021c28, 38 },
	{ 0x00022b82, 40 }, { 0x00023a59, 42 }, { 0x00024a31, 44 }, { 0x00025a09, 46 },
	{ 0x00026866, 48 }, { 0x0002783d, 50 }, { 0x00028813, 51 }, { 0x0002966e, 53 },
	{ 0x0002a645, 55 }, { 0x0002b61a, 57 }, { 0x0002c477, 59 }, { 0x0002d44e, 61 },
	{ 0x0002e426, 63 }, { 0x0002f252, 65 }, { 0x0003022a, 67 }, { 0x00031202, 69 },
	{ 0x0003205e, 71 }, { 0x00033035, 73 }, { 0x0003400b, 75 }, { 0x00034e67, 76 },
	{ 0x00035e40, 78 }, { 0x00036e17, 80 }, { 0x00037c74, 82 }, { 0x00038c4c, 84 },
	{ 0x00039c24, 86 }, { 0x0003aa7f, 88 }, { 0x0003ba57, 90 }, { 0x0003ca2d, 92 },
	{ 0x0003da03, 94 }, { 0x0003e85e, 96 }, { 0x0003f671, 98 }, { 0x00040653, 100 },
};

START_TEST(test_rom_defl_lines)
{
	struct tap t;
	uint8_t *z;
	char want[64];
	size_t zlen, off;
	uint32_t seq;

	tap_init(&t);
	sync_rom(&t, 4, 1);
	z = gen_compressed(200000, &zlen);
	/* the ROM gets the uncompressed size rounded up to blocks */
	host4(&t, ESP_OP_FLASH_DEFL_BEGIN, 196 * 1024, 52, ESP_ROM_BLOCK, 0x10000, 5);
	dev_ok(&t, ESP_OP_FLASH_DEFL_BEGIN, 0, 4);
	for (seq = 0, off = 0; off < zlen; seq++, off += ESP_ROM_BLOCK) {
		size_t n = zlen - off < ESP_ROM_BLOCK ? zlen - off : ESP_ROM_BLOCK;

		host_block(&t, ESP_OP_FLASH_DEFL_DATA, seq, z + off, n);
		dev_ok(&t, ESP_OP_FLASH_DEFL_DATA, 0, 4);
	}
	free(z);
	ck_assert_int_eq(t.nlines, 52);
	for (seq = 0; seq < 52; seq++) {
		session_format_progress(want, sizeof(want), rom_defl[seq].address,
		    rom_defl[seq].percent);
		ck_assert_str_eq(t.lines[seq], want);
	}
	ck_assert_int_eq(t.nanomalies, 0);
	ck_assert_uint_eq(st(&t)->regions_done, 1);
	tap_free(&t);
}
END_TEST

/* ---- anomalies ------------------------------------------------------- */

/* An ESP32 ROM session with a 4-block region open. */
static void
rom_region(struct tap *t)
{
	sync_rom(t, 4, 1);
	read_reg(t, SESSION_MAGIC_REG, 0x00f01d83, 4);
	host4(t, ESP_OP_FLASH_BEGIN, 4096, 4, ESP_ROM_BLOCK, 0x1000, 4);
	dev_ok(t, ESP_OP_FLASH_BEGIN, 0, 4);
}

static uint8_t zero_block[ESP_ROM_BLOCK];

static void
an_orphan(struct tap *t)
{
	sync_rom(t, 4, 1);
	dev_ok(t, ESP_OP_READ_REG, 0, 4);
}

static void
an_error_status(struct tap *t)
{
	rom_region(t);
	host_block(t, ESP_OP_FLASH_DATA, 0, zero_block, sizeof(zero_block));
	dev(t, ESP_OP_FLASH_DATA, 0, NULL, 0, 4, 1, ESP_ROM_BAD_CHECKSUM);
	ck_assert_uint_eq(t->last_error, ESP_ROM_BAD_CHECKSUM);
	ck_assert_ptr_nonnull(strstr(t->anomaly_text[0], "FLASH_DATA seq 0 failed"));
	ck_assert_ptr_nonnull(strstr(t->anomaly_text[0], "BAD_CHECKSUM"));
	ck_assert_uint_eq(t->anomaly_error[0], ESP_ROM_BAD_CHECKSUM);
	ck_assert_int_eq(session_state(t->s)->error, 1);
	/* esptool retries the same block: a retransmission, then success */
	host_block(t, ESP_OP_FLASH_DATA, 0, zero_block, sizeof(zero_block));
	dev_ok(t, ESP_OP_FLASH_DATA, 0, 4);
	ck_assert_uint_eq(session_state(t->s)->region.blocks_acked, 1);
}

static void
an_retransmit(struct tap *t)
{
	rom_region(t);
	host_block(t, ESP_OP_FLASH_DATA, 0, zero_block, sizeof(zero_block));
	dev_ok(t, ESP_OP_FLASH_DATA, 0, 4);
	host_block(t, ESP_OP_FLASH_DATA, 1, zero_block, sizeof(zero_block));
	host_block(t, ESP_OP_FLASH_DATA, 1, zero_block, sizeof(zero_block));
	dev_ok(t, ESP_OP_FLASH_DATA, 0, 4);
	ck_assert_int_eq(t->nlines, 2);		/* no second progress line */
	ck_assert_uint_eq(session_state(t->s)->region.blocks_acked, 2);
}

static void
an_missing(struct tap *t)
{
	sync_rom(t, 4, 1);
	host4(t, ESP_OP_READ_REG, 0x3ff5a004, 0, 0, 0, 1);
	host4(t, ESP_OP_SPI_ATTACH, 0, 0, 0, 0, 2);
	dev_ok(t, ESP_OP_SPI_ATTACH, 0, 4);
	ck_assert_uint_eq(session_state(t->s)->pending, 0);
}

static void
an_timeout(struct tap *t)
{
	sync_rom(t, 4, 1);
	host4(t, ESP_OP_READ_REG, 0x3ff5a004, 0, 0, 0, 1);
	ck_assert_uint_eq(session_state(t->s)->pending, 1);
	session_tick(t->s, t->now + 2000 * MS);		/* within 3 s: nothing */
	ck_assert_int_eq(t->nanomalies, 0);
	t->now += 3001 * MS;
	session_tick(t->s, t->now);
	session_tick(t->s, t->now);			/* reported once */
	ck_assert_uint_eq(session_state(t->s)->pending, 0);
}

static void
an_garbage(struct tap *t)
{
	dev_raw(t, LINK_D2H, "hello", 5);
	dev_raw(t, LINK_H2D, "\x00\x08\x00", 3);
}

static void
an_bad_checksum(struct tap *t)
{
	uint8_t data[16 + 4] = { 4, 0, 0, 0 };

	rom_region(t);
	data[16] = 0x42;
	host(t, ESP_OP_FLASH_DATA, data, sizeof(data), 0xEF);	/* should be 0xAD */
	dev(t, ESP_OP_FLASH_DATA, 0, NULL, 0, 4, 1, ESP_ROM_BAD_CHECKSUM);
}

static void
an_connect_clean(struct tap *t)
{
	int i;

	for (i = 0; i < 5; i++)
		sync_rom(t, 4, 0);
	sync_rom(t, 4, 8);
	sync_rom(t, 4, 8);
	ck_assert_int_eq(session_state(t->s)->phase, SESSION_PHASE_SYNCED);
}

static void
an_secinfo_unsupported(struct tap *t)
{
	sync_rom(t, 4, 1);
	host(t, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	dev(t, ESP_OP_GET_SECURITY_INFO, 0, NULL, 0, 4, 1, ESP_ROM_INVALID_MESSAGE);
	read_reg(t, SESSION_MAGIC_REG, 0x00f01d83, 4);
	ck_assert_str_eq(session_state(t->s)->chip, "ESP32");
	ck_assert_int_eq(session_state(t->s)->error, 0);
}

static void
an_seq_gap(struct tap *t)
{
	rom_region(t);
	host_block(t, ESP_OP_FLASH_DATA, 0, zero_block, sizeof(zero_block));
	dev_ok(t, ESP_OP_FLASH_DATA, 0, 4);
	host_block(t, ESP_OP_FLASH_DATA, 2, zero_block, sizeof(zero_block));
	dev_ok(t, ESP_OP_FLASH_DATA, 0, 4);
	ck_assert_str_eq(t->lines[1], "Writing at 0x00001800... (75 %)");
}

static void
an_slip(struct tap *t)
{
	struct slip_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SLIP_EV_BAD_ESCAPE;
	ev.bad_byte = 0x41;
	session_slip_event(t->s, LINK_D2H, &ev, t->now);
	ev.type = SLIP_EV_OVERSIZE;
	ev.raw_len = 70000;
	session_slip_event(t->s, LINK_H2D, &ev, t->now);
	ev.type = SLIP_EV_TRUNCATED;
	session_slip_event(t->s, LINK_H2D, &ev, t->now);
}

static void
an_echo(struct tap *t)
{
	uint8_t buf[16];
	size_t n = esp_command_build(ESP_OP_SYNC, NULL, 0, 0, buf);

	dev_raw(t, LINK_D2H, buf, n);
	n = esp_response_build(ESP_OP_SYNC, 0, (const uint8_t *)"\0\0", 2, buf);
	dev_raw(t, LINK_H2D, buf, n);
}

static void
an_late_reply(struct tap *t)
{
	sync_rom(t, 4, 1);
	host4(t, ESP_OP_READ_REG, 0x3ff5a004, 0, 0, 0, 1);
	host4(t, ESP_OP_SPI_ATTACH, 0, 0, 0, 0, 2);
	dev_ok(t, ESP_OP_READ_REG, 0, 4);	/* late: paired, not an orphan */
	ck_assert_uint_eq(session_state(t->s)->pending, 1);
	dev_ok(t, ESP_OP_SPI_ATTACH, 0, 4);
	ck_assert_uint_eq(session_state(t->s)->pending, 0);
}

static void
an_length(struct tap *t)
{
	uint8_t buf[16] = { 0x01, 0x0A, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };

	sync_rom(t, 4, 1);
	host4(t, ESP_OP_READ_REG, SESSION_MAGIC_REG, 0, 0, 0, 1);
	buf[4] = 0x83; buf[5] = 0x1d; buf[6] = 0xf0;
	dev_raw(t, LINK_D2H, buf, 12);	/* len says 8, 4 present */
	ck_assert_str_eq(session_state(t->s)->chip, "ESP32");
}

static void
an_inflate(struct tap *t)
{
	sync_rom(t, 2, 1);
	dev_raw(t, LINK_D2H, "OHAI", 4);
	host4(t, ESP_OP_FLASH_DEFL_BEGIN, 0x8000, 2, ESP_STUB_BLOCK, 0x20000, 4);
	dev_ok(t, ESP_OP_FLASH_DEFL_BEGIN, 0, 2);
	host_block(t, ESP_OP_FLASH_DEFL_DATA, 0, zero_block, 64);	/* not zlib */
	dev_ok(t, ESP_OP_FLASH_DEFL_DATA, 0, 2);
	host_block(t, ESP_OP_FLASH_DEFL_DATA, 1, zero_block, 64);
	ck_assert_int_eq(session_state(t->s)->region.inflate_ok, 0);
	/* estimated: offset + seq * size / blocks */
	ck_assert_str_eq(t->lines[1], "Writing at 0x00024000... (100 %)");
}

static const struct {
	const char	*name;
	void		(*fn)(struct tap *);
	int		 n;
	enum session_anomaly want[4];
} an_vectors[] = {
	{ "orphan response", an_orphan, 1, { SESSION_AN_ORPHAN_RESPONSE } },
	{ "error status", an_error_status, 2, { SESSION_AN_ERROR_STATUS, SESSION_AN_RETRANSMIT } },
	{ "retransmit", an_retransmit, 2, { SESSION_AN_MISSING_REPLY, SESSION_AN_RETRANSMIT } },
	{ "missing reply", an_missing, 1, { SESSION_AN_MISSING_REPLY } },
	{ "timeout", an_timeout, 1, { SESSION_AN_TIMEOUT } },
	{ "garbage", an_garbage, 2, { SESSION_AN_GARBAGE, SESSION_AN_GARBAGE } },
	{ "bad checksum", an_bad_checksum, 2, { SESSION_AN_BAD_CHECKSUM, SESSION_AN_ERROR_STATUS } },
	{ "clean connect", an_connect_clean, 0, { SESSION_AN_NONE } },
	{ "security info probe", an_secinfo_unsupported, 0, { SESSION_AN_NONE } },
	{ "seq gap", an_seq_gap, 1, { SESSION_AN_SEQ_GAP } },
	{ "slip errors", an_slip, 3, { SESSION_AN_SLIP, SESSION_AN_SLIP, SESSION_AN_SLIP } },
	{ "echo", an_echo, 2, { SESSION_AN_GARBAGE, SESSION_AN_GARBAGE } },
	{ "late reply", an_late_reply, 1, { SESSION_AN_MISSING_REPLY } },
	{ "length mismatch", an_length, 1, { SESSION_AN_BAD_LENGTH } },
	{ "inflate", an_inflate, 1, { SESSION_AN_INFLATE } },
};

START_TEST(test_anomalies)
{
	struct tap t;
	int i;

	tap_init(&t);
	an_vectors[_i].fn(&t);
	ck_assert_msg(t.nanomalies == an_vectors[_i].n, "%s: %d anomalies (first: %s)",
	    an_vectors[_i].name, t.nanomalies, t.nanomalies ? t.anomaly_text[0] : "-");
	for (i = 0; i < t.nanomalies; i++)
		ck_assert_msg(t.anomalies[i] == an_vectors[_i].want[i], "%s: #%d is %s (%s)",
		    an_vectors[_i].name, i, session_anomaly_name(t.anomalies[i]),
		    t.anomaly_text[i]);
	ck_assert_uint_eq(st(&t)->anomalies, (uint64_t)t.nanomalies);
	tap_free(&t);
}
END_TEST

/* ---- READ_FLASH, status length, harness, boot log -------------------- */

START_TEST(test_read_flash)
{
	struct tap t;
	uint8_t block[0x1000], ack[4] = { 0, 0x10, 0, 0 }, md5[16];

	tap_init(&t);
	sync_rom(&t, 4, 1);
	dev_raw(&t, LINK_D2H, "OHAI", 4);
	host4(&t, ESP_OP_READ_FLASH, 0, 0x2000, 0x1000, 64, 4);
	dev_ok(&t, ESP_OP_READ_FLASH, 0, 2);
	ck_assert_int_eq(st(&t)->reading, 1);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_VERIFYING);
	/* data that looks like a response packet must still count as data */
	memset(block, 0, sizeof(block));
	block[0] = 0x01; block[1] = 0x0A; block[2] = 0xF8; block[3] = 0x0F;
	dev_raw(&t, LINK_D2H, block, sizeof(block));
	dev_raw(&t, LINK_H2D, ack, 4);
	dev_raw(&t, LINK_D2H, block, sizeof(block));
	ack[1] = 0x20;
	dev_raw(&t, LINK_H2D, ack, 4);
	memset(md5, 0x01, sizeof(md5));
	dev_raw(&t, LINK_D2H, md5, sizeof(md5));
	ck_assert_int_eq(st(&t)->reading, 0);
	ck_assert_uint_eq(st(&t)->read_blocks, 2);
	ck_assert_uint_eq(st(&t)->read_acks, 2);
	ck_assert_uint_eq(st(&t)->read_bytes, 0x2000);
	ck_assert_ptr_nonnull(strstr(t.notes, "READ_FLASH done"));
	read_reg(&t, SESSION_MAGIC_REG, 0x9, 2);
	ck_assert_msg(t.nanomalies == 0, "anomaly: %s", t.anomaly_text[0]);
	tap_free(&t);
}
END_TEST

START_TEST(test_esp8266_status)
{
	struct tap t;

	tap_init(&t);
	sync_rom(&t, 2, 8);
	ck_assert_int_eq(st(&t)->status_len, 2);
	read_reg(&t, SESSION_MAGIC_REG, 0xfff0c101, 2);
	ck_assert_str_eq(st(&t)->chip, "ESP8266");
	ck_assert_int_eq(st(&t)->status_len, 2);
	/* a 2-byte error status is read as such */
	host4(&t, ESP_OP_FLASH_BEGIN, 0x1000, 4, ESP_ROM_BLOCK, 0, 4);
	dev(&t, ESP_OP_FLASH_BEGIN, 0, NULL, 0, 2, 1, ESP_ROM_FAILED_TO_ACT);
	ck_assert_int_eq(t.nanomalies, 1);
	ck_assert_uint_eq(t.last_error, ESP_ROM_FAILED_TO_ACT);
	ck_assert_int_eq(st(&t)->region.active, 0);
	tap_free(&t);
}
END_TEST

START_TEST(test_security_info_s2)
{
	struct tap t;
	uint8_t secinfo[12] = { 0 };

	tap_init(&t);
	sync_rom(&t, 4, 1);
	host(&t, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	dev(&t, ESP_OP_GET_SECURITY_INFO, 0, secinfo, sizeof(secinfo), 4, 0, 0);
	ck_assert_str_eq(st(&t)->chip, "ESP32-S2");
	tap_free(&t);
}
END_TEST

START_TEST(test_harness)
{
	struct tap t;
	uint32_t seq;

	tap_init(&t);
	rom_region(&t);
	for (seq = 0; seq < 4; seq++) {
		host_block(&t, ESP_OP_FLASH_DATA, seq, zero_block, sizeof(zero_block));
		dev_ok(&t, ESP_OP_FLASH_DATA, 0, 4);
	}
	host4(&t, ESP_OP_SPI_FLASH_MD5, 0x1000, 0x1000, 0, 0, 4);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_VERIFYING);
	t.now += MS;
	session_harness(t.s, SESSION_HARNESS_RESET, 0, t.now);	/* hard reset after flashing */
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_DONE);
	ck_assert_uint_eq(st(&t)->pending, 0);
	t.now += MS;
	session_harness(t.s, SESSION_HARNESS_BOOTLOADER, 0, t.now);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_CONNECTING);
	ck_assert_int_eq(st(&t)->stub, 0);
	ck_assert_int_eq(st(&t)->status_len, 4);		/* the chip is still known */
	t.now += MS;
	session_harness(t.s, SESSION_HARNESS_BAUD, 921600, t.now);
	ck_assert_uint_eq(st(&t)->baud, 921600);
	ck_assert_uint_eq(t.last_baud, 921600);
	t.now += MS;
	session_harness(t.s, SESSION_HARNESS_PORT_OPEN, 0, t.now);
	ck_assert_int_eq(t.nanomalies, 0);
	ck_assert_str_eq(t.phases, "synced flashing verifying done connecting ");
	tap_free(&t);
}
END_TEST

START_TEST(test_boot_log)
{
	struct tap t;
	const char *a = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),bo";
	const char *b = "ot:0x13 (SPI_FAST_FLASH_BOOT)\r\n";
	const char *c = "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";

	tap_init(&t);
	session_outside(t.s, LINK_D2H, (const uint8_t *)a, strlen(a), t.now);
	ck_assert_str_eq(t.notes, "");
	session_outside(t.s, LINK_D2H, (const uint8_t *)b, strlen(b), t.now);
	ck_assert_ptr_nonnull(strstr(t.notes, "not download mode"));
	memset(t.notes, 0, sizeof(t.notes));
	session_outside(t.s, LINK_D2H, (const uint8_t *)c, strlen(c), t.now);
	ck_assert_ptr_null(strstr(t.notes, "not download mode"));
	ck_assert_ptr_nonnull(strstr(t.notes, "waiting for download"));
	/* host text and long noise lines are harmless */
	session_outside(t.s, LINK_H2D, (const uint8_t *)a, strlen(a), t.now);
	{
		uint8_t noise[1000];

		memset(noise, 0xF0, sizeof(noise));
		session_outside(t.s, LINK_D2H, noise, sizeof(noise), t.now);
		memset(noise, 'x', sizeof(noise));
		session_outside(t.s, LINK_D2H, noise, sizeof(noise), t.now);
	}
	ck_assert_int_eq(t.nanomalies, 0);
	/* a reset seen in the boot log while the stub ran: stub gone */
	sync_rom(&t, 4, 1);
	dev_raw(&t, LINK_D2H, "OHAI", 4);
	ck_assert_int_eq(st(&t)->stub, 1);
	session_outside(t.s, LINK_D2H, (const uint8_t *)c, strlen(c), t.now);
	ck_assert_int_eq(st(&t)->stub, 0);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_CONNECTING);
	tap_free(&t);
}
END_TEST

/* The stub's FLASH_END(reboot) after a write: the boot log that follows ends the session. */
START_TEST(test_reset_after_flashing)
{
	struct tap t;
	const char *c = "rst:0xc (SW_CPU_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n";
	uint32_t seq;

	tap_init(&t);
	rom_region(&t);
	dev_raw(&t, LINK_D2H, "OHAI", 4);	/* (a stub, for the stub flag) */
	host4(&t, ESP_OP_FLASH_BEGIN, 4096, 4, ESP_ROM_BLOCK, 0x1000, 4);
	dev_ok(&t, ESP_OP_FLASH_BEGIN, 0, 2);
	for (seq = 0; seq < 4; seq++) {
		host_block(&t, ESP_OP_FLASH_DATA, seq, zero_block, sizeof(zero_block));
		dev_ok(&t, ESP_OP_FLASH_DATA, 0, 2);
	}
	host4(&t, ESP_OP_FLASH_END, 0, 0, 0, 0, 1);
	dev_ok(&t, ESP_OP_FLASH_END, 0, 2);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_DONE);
	session_outside(t.s, LINK_D2H, (const uint8_t *)c, strlen(c), t.now);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_DONE);
	ck_assert_int_eq(st(&t)->stub, 0);
	ck_assert_int_eq(st(&t)->status_len, 4);
	/* a new esptool run syncs again */
	sync_rom(&t, 4, 1);
	ck_assert_int_eq(st(&t)->phase, SESSION_PHASE_SYNCED);
	ck_assert_int_eq(t.nanomalies, 0);
	tap_free(&t);
}
END_TEST

static const struct {
	uint32_t	 magic;
	const char	*chip;
} magics[] = {
	{ 0xfff0c101, "ESP8266" }, { 0x00f01d83, "ESP32" }, { 0x000007c6, "ESP32-S2" },
	{ 0x9, "ESP32-S3" }, { 0x6921506f, "ESP32-C3" }, { 0x1b31506f, "ESP32-C3" },
	{ 0x6f51306f, "ESP32-C2" }, { 0x7c41a06f, "ESP32-C2" }, { 0x2ce0806f, "ESP32-C6" },
	{ 0xd7b73e80, "ESP32-H2" }, { 0x12345678, NULL },
};

START_TEST(test_chip_magic)
{
	const char *c = session_chip_by_magic(magics[_i].magic);

	if (magics[_i].chip == NULL)
		ck_assert_ptr_null(c);
	else
		ck_assert_str_eq(c, magics[_i].chip);
}
END_TEST

START_TEST(test_chip_id)
{
	ck_assert_str_eq(session_chip_by_id(9), "ESP32-S3");
	ck_assert_str_eq(session_chip_by_id(5), "ESP32-C3");
	ck_assert_str_eq(session_chip_by_id(12), "ESP32-C2");
	ck_assert_str_eq(session_chip_by_id(13), "ESP32-C6");
	ck_assert_str_eq(session_chip_by_id(16), "ESP32-H2");
	ck_assert_str_eq(session_chip_by_id(18), "ESP32-P4");
	ck_assert_str_eq(session_chip_by_id(23), "ESP32-C5");
	ck_assert_ptr_null(session_chip_by_id(1000));
	ck_assert_str_eq(session_phase_name(SESSION_PHASE_STUB_RUNNING), "stub-running");
	ck_assert_str_eq(session_event_name(SESSION_EV_PROGRESS), "progress");
	ck_assert_str_eq(session_anomaly_name(SESSION_AN_RETRANSMIT), "retransmit");
	session_free(NULL);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_percent, 0,
	    (int)(sizeof(percent_vectors) / sizeof(percent_vectors[0])));
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_rom_session);
	tcase_add_test(tc, test_stub_session);
	tcase_add_test(tc, test_rom_defl_lines);
	tcase_add_loop_test(tc, test_anomalies, 0, (int)(sizeof(an_vectors) / sizeof(an_vectors[0])));
	tcase_add_test(tc, test_read_flash);
	tcase_add_test(tc, test_esp8266_status);
	tcase_add_test(tc, test_security_info_s2);
	tcase_add_test(tc, test_harness);
	tcase_add_test(tc, test_boot_log);
	tcase_add_test(tc, test_reset_after_flashing);
	tcase_add_loop_test(tc, test_chip_magic, 0, (int)(sizeof(magics) / sizeof(magics[0])));
	tcase_add_test(tc, test_chip_id);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(session_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
