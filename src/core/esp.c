/*
 * esp.c — the Espressif serial bootloader protocol model: packet parse and
 * build, the *_DATA checksum, op and error names, the data sub-header and
 * response status. Follows esptool's loader (command()/check_command()) and
 * the ROM/stub sources as described in the protocol notes.
 *
 * Differences from esptool: parsing never raises; a frame whose header
 * length disagrees with its size is still filled in as far as it goes, and
 * the status of a response is taken from the end of the bytes the header
 * announces (or of those present, when fewer arrived).
 */
#include <string.h>
#include <strings.h>

#include "esp.h"
#include "util.h"

struct esp_name {
	uint8_t		 code;
	const char	*name;
	const char	*text;
};

static const struct esp_name esp_ops[] = {
	{ ESP_OP_FLASH_BEGIN,		"FLASH_BEGIN", NULL },
	{ ESP_OP_FLASH_DATA,		"FLASH_DATA", NULL },
	{ ESP_OP_FLASH_END,		"FLASH_END", NULL },
	{ ESP_OP_MEM_BEGIN,		"MEM_BEGIN", NULL },
	{ ESP_OP_MEM_END,		"MEM_END", NULL },
	{ ESP_OP_MEM_DATA,		"MEM_DATA", NULL },
	{ ESP_OP_SYNC,			"SYNC", NULL },
	{ ESP_OP_WRITE_REG,		"WRITE_REG", NULL },
	{ ESP_OP_READ_REG,		"READ_REG", NULL },
	{ ESP_OP_SPI_SET_PARAMS,	"SPI_SET_PARAMS", NULL },
	{ ESP_OP_SPI_ATTACH,		"SPI_ATTACH", NULL },
	{ ESP_OP_READ_FLASH_SLOW,	"READ_FLASH_SLOW", NULL },
	{ ESP_OP_CHANGE_BAUDRATE,	"CHANGE_BAUDRATE", NULL },
	{ ESP_OP_FLASH_DEFL_BEGIN,	"FLASH_DEFL_BEGIN", NULL },
	{ ESP_OP_FLASH_DEFL_DATA,	"FLASH_DEFL_DATA", NULL },
	{ ESP_OP_FLASH_DEFL_END,	"FLASH_DEFL_END", NULL },
	{ ESP_OP_SPI_FLASH_MD5,		"SPI_FLASH_MD5", NULL },
	{ ESP_OP_GET_SECURITY_INFO,	"GET_SECURITY_INFO", NULL },
	{ ESP_OP_ERASE_FLASH,		"ERASE_FLASH", NULL },
	{ ESP_OP_ERASE_REGION,		"ERASE_REGION", NULL },
	{ ESP_OP_READ_FLASH,		"READ_FLASH", NULL },
	{ ESP_OP_RUN_USER_CODE,		"RUN_USER_CODE", NULL },
	{ ESP_OP_FLASH_ENCRYPT_DATA,	"FLASH_ENCRYPT_DATA", NULL },
};

/* Texts as esptool's FatalError.WithResult prints them where it has one. */
static const struct esp_name esp_errors[] = {
	{ ESP_ROM_INVALID_MESSAGE,	"INVALID_MESSAGE", "Invalid message / unsupported command" },
	{ ESP_ROM_FAILED_TO_ACT,	"FAILED_TO_ACT", "Failed to act on received message" },
	{ ESP_ROM_BAD_CHECKSUM,		"BAD_CHECKSUM", "Invalid CRC in message" },
	{ ESP_ROM_FLASH_WRITE_ERR,	"FLASH_WRITE_ERR", "Flash write error" },
	{ ESP_ROM_FLASH_READ_ERR,	"FLASH_READ_ERR", "Flash read error" },
	{ ESP_ROM_READ_LENGTH_ERR,	"READ_LENGTH_ERR", "Flash read length error" },
	{ ESP_ROM_DEFLATE_ERR,		"DEFLATE_ERR", "Deflate error" },
	{ ESP_STUB_BAD_DATA_LEN,	"BAD_DATA_LEN", "Bad data length" },
	{ ESP_STUB_BAD_DATA_CHECKSUM,	"BAD_DATA_CHECKSUM", "Bad data checksum" },
	{ ESP_STUB_BAD_BLOCKSIZE,	"BAD_BLOCKSIZE", "Bad blocksize" },
	{ ESP_STUB_INVALID_COMMAND,	"INVALID_COMMAND", "Invalid command" },
	{ ESP_STUB_FAILED_SPI_OP,	"FAILED_SPI_OP", "Failed SPI operation" },
	{ ESP_STUB_FAILED_SPI_UNLOCK,	"FAILED_SPI_UNLOCK", "Failed SPI unlock" },
	{ ESP_STUB_NOT_IN_FLASH_MODE,	"NOT_IN_FLASH_MODE", "Not in flash mode" },
	{ ESP_STUB_INFLATE_ERROR,	"INFLATE_ERROR", "Inflate error" },
	{ ESP_STUB_NOT_ENOUGH_DATA,	"NOT_ENOUGH_DATA", "Not enough data" },
	{ ESP_STUB_TOO_MUCH_DATA,	"TOO_MUCH_DATA", "Too much data" },
	{ ESP_STUB_CMD_NOT_IMPLEMENTED,	"CMD_NOT_IMPLEMENTED", "Command not implemented" },
};

int
esp_packet_parse(const uint8_t *buf, size_t len, struct esp_packet *out)
{
	memset(out, 0, sizeof(*out));
	if (len >= 1)
		out->dir = (enum esp_dir)buf[0];
	if (len >= 2)
		out->op = buf[1];
	if (len >= 4)
		out->len = le16(buf + 2);
	if (len < ESP_HDR_LEN)
		return ESP_ERR_SHORT;
	out->value = le32(buf + 4);
	out->data = buf + ESP_HDR_LEN;
	out->data_len = len - ESP_HDR_LEN;
	if (buf[0] != ESP_DIR_COMMAND && buf[0] != ESP_DIR_RESPONSE)
		return ESP_ERR_DIR;
	if (out->data_len != out->len)
		return ESP_ERR_LENGTH;
	return 0;
}

const char *
esp_parse_error(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case ESP_ERR_SHORT:
		return "shorter than a packet header";
	case ESP_ERR_DIR:
		return "first byte is neither 0x00 (command) nor 0x01 (response)";
	case ESP_ERR_LENGTH:
		return "header length disagrees with the frame length";
	}
	return "unknown error";
}

static size_t
esp_build(uint8_t dir, uint8_t op, uint32_t word, const uint8_t *data, size_t data_len,
    uint8_t *out)
{
	if (data_len > UINT16_MAX)
		fatalx("esp: packet data of %zu bytes does not fit the length field", data_len);
	out[0] = dir;
	out[1] = op;
	put_le16(out + 2, (uint16_t)data_len);
	put_le32(out + 4, word);
	if (data_len > 0)
		memmove(out + ESP_HDR_LEN, data, data_len);
	return ESP_HDR_LEN + data_len;
}

size_t
esp_command_build(uint8_t op, const uint8_t *data, size_t data_len, uint32_t checksum,
    uint8_t *out)
{
	return esp_build(ESP_DIR_COMMAND, op, checksum, data, data_len, out);
}

size_t
esp_response_build(uint8_t op, uint32_t value, const uint8_t *data, size_t data_len,
    uint8_t *out)
{
	return esp_build(ESP_DIR_RESPONSE, op, value, data, data_len, out);
}

uint8_t
esp_checksum(const uint8_t *data, size_t len)
{
	uint8_t c = ESP_CHECKSUM_SEED;
	size_t i;

	for (i = 0; i < len; i++)
		c ^= data[i];
	return c;
}

const char *
esp_op_name(uint8_t op)
{
	size_t i;

	for (i = 0; i < nitems(esp_ops); i++)
		if (esp_ops[i].code == op)
			return esp_ops[i].name;
	return NULL;
}

int
esp_op_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < nitems(esp_ops); i++)
		if (strcasecmp(esp_ops[i].name, name) == 0)
			return esp_ops[i].code;
	return -1;
}

const char *
esp_error_name(uint8_t code)
{
	size_t i;

	for (i = 0; i < nitems(esp_errors); i++)
		if (esp_errors[i].code == code)
			return esp_errors[i].name;
	return NULL;
}

const char *
esp_error_text(uint8_t code)
{
	size_t i;

	for (i = 0; i < nitems(esp_errors); i++)
		if (esp_errors[i].code == code)
			return esp_errors[i].text;
	return NULL;
}

int
esp_error_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < nitems(esp_errors); i++)
		if (strcasecmp(esp_errors[i].name, name) == 0)
			return esp_errors[i].code;
	return -1;
}

int
esp_op_has_data_header(uint8_t op)
{
	return op == ESP_OP_FLASH_DATA || op == ESP_OP_FLASH_DEFL_DATA ||
	    op == ESP_OP_MEM_DATA || op == ESP_OP_FLASH_ENCRYPT_DATA;
}

/* Bytes of data both announced and present. */
static size_t
esp_data_avail(const struct esp_packet *p)
{
	if (p->data == NULL)
		return 0;
	return p->data_len < p->len ? p->data_len : p->len;
}

int
esp_data_header_parse(const struct esp_packet *cmd, struct esp_data_header *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (cmd->dir != ESP_DIR_COMMAND || !esp_op_has_data_header(cmd->op))
		return -1;
	n = esp_data_avail(cmd);
	if (n < ESP_DATA_HDR_LEN)
		return -1;
	out->size = le32(cmd->data);
	out->seq = le32(cmd->data + 4);
	out->payload = cmd->data + ESP_DATA_HDR_LEN;
	out->payload_len = n - ESP_DATA_HDR_LEN;
	return 0;
}

int
esp_progress_percent(uint32_t seq, uint32_t num_blocks)
{
	if (num_blocks == 0)
		return -1;
	return (int)((100ULL * ((uint64_t)seq + 1)) / num_blocks);
}

int
esp_status_len_guess(const struct esp_packet *resp)
{
	size_t n = esp_data_avail(resp);

	if (n < 4)
		return 2;
	if (n == 4)
		return 4;
	/* ESP32+ ROM: status, error, 0, 0; the stub ends with status, error. */
	if (resp->data[n - 2] == 0 && resp->data[n - 1] == 0 && resp->data[n - 4] <= 1)
		return 4;
	return 2;
}

int
esp_response_status(const struct esp_packet *resp, int status_len, uint8_t *status,
    uint8_t *error)
{
	size_t n;

	*status = 0;
	*error = 0;
	if (status_len != 2 && status_len != 4)
		return -1;
	n = esp_data_avail(resp);
	if (n < (size_t)status_len)
		return -1;
	*status = resp->data[n - (size_t)status_len];
	*error = resp->data[n - (size_t)status_len + 1];
	/*
	 * The flasher stub reports a failure as <code, 0> (esptool prints it
	 * as "result was C100") where the ROM sends <1, code>: normalise the
	 * stub's form so callers see status 1 and the code in error. Only a
	 * 2-byte status with a stub code (0xC0..0xFF) is that form; anything
	 * else is reported as sent (a ROM's <04 00 00 00> is status 4, error 0).
	 */
	if (status_len == 2 && *status >= ESP_STUB_BAD_DATA_LEN && *error == 0) {
		*error = *status;
		*status = 1;
	}
	return 0;
}
