/*
 * esp.h — the Espressif serial bootloader protocol: command and response
 * packets of the ROM loader and the flasher stub. Pure: no fds, no clocks.
 *
 * Command (host to device): u8 0x00, u8 op, u16 len, u32 checksum, data[len].
 * Response (device to host): u8 0x01, u8 op, u16 len, u32 value, data[len],
 * the last 2 (stub, ESP8266 ROM) or 4 (ESP32+ ROM) bytes of data being status.
 * All little endian. See docs/ and the protocol notes for the details.
 */
#ifndef SLIPTAP_ESP_H
#define SLIPTAP_ESP_H

#include <stddef.h>
#include <stdint.h>

enum esp_op {
	ESP_OP_FLASH_BEGIN = 0x02,
	ESP_OP_FLASH_DATA = 0x03,
	ESP_OP_FLASH_END = 0x04,
	ESP_OP_MEM_BEGIN = 0x05,
	ESP_OP_MEM_END = 0x06,
	ESP_OP_MEM_DATA = 0x07,
	ESP_OP_SYNC = 0x08,
	ESP_OP_WRITE_REG = 0x09,
	ESP_OP_READ_REG = 0x0A,
	ESP_OP_SPI_SET_PARAMS = 0x0B,
	ESP_OP_SPI_ATTACH = 0x0D,
	ESP_OP_READ_FLASH_SLOW = 0x0E,
	ESP_OP_CHANGE_BAUDRATE = 0x0F,
	ESP_OP_FLASH_DEFL_BEGIN = 0x10,
	ESP_OP_FLASH_DEFL_DATA = 0x11,
	ESP_OP_FLASH_DEFL_END = 0x12,
	ESP_OP_SPI_FLASH_MD5 = 0x13,
	ESP_OP_GET_SECURITY_INFO = 0x14,
	ESP_OP_ERASE_FLASH = 0xD0,
	ESP_OP_ERASE_REGION = 0xD1,
	ESP_OP_READ_FLASH = 0xD2,
	ESP_OP_RUN_USER_CODE = 0xD3,
	ESP_OP_FLASH_ENCRYPT_DATA = 0xD4,	/* stub only, esptool >= 4 */
};

/* ROM error codes (second status byte). */
#define ESP_ROM_INVALID_MESSAGE	0x05
#define ESP_ROM_FAILED_TO_ACT	0x06
#define ESP_ROM_BAD_CHECKSUM	0x07
#define ESP_ROM_FLASH_WRITE_ERR	0x08
#define ESP_ROM_FLASH_READ_ERR	0x09
#define ESP_ROM_READ_LENGTH_ERR	0x0A
#define ESP_ROM_DEFLATE_ERR	0x0B
/* Flasher stub error codes. */
#define ESP_STUB_BAD_DATA_LEN	0xC0
#define ESP_STUB_BAD_DATA_CHECKSUM 0xC1
#define ESP_STUB_BAD_BLOCKSIZE	0xC2
#define ESP_STUB_INVALID_COMMAND 0xC3
#define ESP_STUB_FAILED_SPI_OP	0xC4
#define ESP_STUB_FAILED_SPI_UNLOCK 0xC5
#define ESP_STUB_NOT_IN_FLASH_MODE 0xC6
#define ESP_STUB_INFLATE_ERROR	0xC7
#define ESP_STUB_NOT_ENOUGH_DATA 0xC8
#define ESP_STUB_TOO_MUCH_DATA	0xC9
#define ESP_STUB_CMD_NOT_IMPLEMENTED 0xFF

#define ESP_CHECKSUM_SEED	0xEF
#define ESP_HDR_LEN		8	/* direction, op, len, checksum/value */
#define ESP_DATA_HDR_LEN	16	/* FLASH_DATA/MEM_DATA: size, seq, 0, 0 */
#define ESP_SYNC_VALUE		0x20120707
#define ESP_ROM_BLOCK		0x400	/* ROM FLASH_DATA block */
#define ESP_STUB_BLOCK		0x4000	/* stub FLASH_DATA block */
#define ESP_RAM_BLOCK		0x1800	/* MEM_DATA block */

enum esp_dir { ESP_DIR_COMMAND = 0x00, ESP_DIR_RESPONSE = 0x01 };

/*
 * Which way bytes travel on the serial link: the one direction vocabulary
 * of the proxy, the session tracker and the fault engine. (A capture
 * record stores it as enum capture_dir, where 0 means "no direction".)
 */
enum link_dir {
	LINK_H2D = 0,		/* host (the flashing tool) to device */
	LINK_D2H = 1,		/* device to host */
};

/* The ROM loader's baud rate at reset, and every tool's default. */
#define ESP_DEFAULT_BAUD	115200

/* A parsed packet; pointers borrow from the buffer passed to esp_packet_parse. */
struct esp_packet {
	enum esp_dir dir;
	uint8_t op;
	uint16_t len;		/* the header's length field */
	uint32_t value;		/* command: checksum; response: value (READ_REG result) */
	const uint8_t *data;	/* len bytes */
	size_t data_len;	/* bytes actually present (== len when well formed) */
};

/* Parse errors (negative returns of esp_packet_parse). */
#define ESP_ERR_SHORT	(-1)	/* fewer than 8 bytes */
#define ESP_ERR_DIR	(-2)	/* first byte neither 0x00 nor 0x01 */
#define ESP_ERR_LENGTH	(-3)	/* header length disagrees with the frame length */

/*
 * Parse a decoded SLIP body. Returns 0, or an ESP_ERR_* with *out still
 * filled as far as the bytes allow (ESP_ERR_LENGTH leaves data/data_len set
 * to what is there). Never reads past buf + len.
 */
int esp_packet_parse(const uint8_t *buf, size_t len, struct esp_packet *out);
const char *esp_parse_error(int err);

/* Build a command body into out (room for 8 + data_len); returns bytes written. */
size_t esp_command_build(uint8_t op, const uint8_t *data, size_t data_len, uint32_t checksum, uint8_t *out);
/* Build a response body (data includes the status bytes); returns bytes written. */
size_t esp_response_build(uint8_t op, uint32_t value, const uint8_t *data, size_t data_len, uint8_t *out);

/* Checksum of *_DATA payloads: 0xEF XOR every byte. */
uint8_t esp_checksum(const uint8_t *data, size_t len);

/* "FLASH_DATA", ... or NULL when unknown. */
const char *esp_op_name(uint8_t op);
/* Op by name, case-insensitive ("flash_data"); -1 when unknown. */
int esp_op_by_name(const char *name);
/* Name of an error code ("BAD_CHECKSUM", "INFLATE_ERROR", ...), or NULL. */
const char *esp_error_name(uint8_t code);
/* esptool's wording of an error code ("Inflate error", ...), or NULL. */
const char *esp_error_text(uint8_t code);
/* Error code by name, case-insensitive ("inflate_error"); -1 when unknown. */
int esp_error_by_name(const char *name);

/* True for FLASH_DATA, FLASH_DEFL_DATA, MEM_DATA and FLASH_ENCRYPT_DATA (the ops with a data sub-header). */
int esp_op_has_data_header(uint8_t op);

/* The data sub-header of FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA. */
struct esp_data_header {
	uint32_t size;		/* payload bytes that follow */
	uint32_t seq;
	const uint8_t *payload;	/* borrowed */
	size_t payload_len;	/* bytes present after the 16-byte header */
};
/* 0 when cmd is a *_DATA command with a 16-byte header; -1 otherwise. */
int esp_data_header_parse(const struct esp_packet *cmd, struct esp_data_header *out);

/*
 * esptool's progress percent for FLASH_DATA block `seq` of `num_blocks`:
 * 100 * (seq + 1) / num_blocks, rounded down (esptool's own formula). A
 * zero-length write (num_blocks 0) has no blocks and esptool prints no
 * percent for it: -1. A seq past the last block gives more than 100.
 */
int esp_progress_percent(uint32_t seq, uint32_t num_blocks);

/*
 * Length (2 or 4) of a response's status field when nothing else tells it
 * (no recorder flag, unknown chip): 4 when the data is exactly 4 bytes or
 * ends <0|1, x, 0, 0> (ESP32+ ROM), else 2 (stub, ESP8266 ROM).
 */
int esp_status_len_guess(const struct esp_packet *resp);

/*
 * Status of a response whose status field is `status_len` (2 or 4) bytes at
 * the end of data. Returns 0 and sets status/error, or -1 when data is shorter.
 * A stub failure sent as a 2-byte <code, 0> with a stub code (0xC0..0xFF) is
 * reported as status 1, error code; every other status as sent (a ROM's
 * 4-byte <04 00 00 00> is status 4, error 0: a failure without a code).
 */
int esp_response_status(const struct esp_packet *resp, int status_len, uint8_t *status, uint8_t *error);

#endif
