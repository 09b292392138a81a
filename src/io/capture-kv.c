/*
 * capture-kv.c — the logfmt text of capture events (pure): building
 * key=value fields with quoting and escapes (capture_kv_add/adds) and
 * parsing them back (capture_kv_next). Format: docs/capture-format.md §4.2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "util.h"

void
capture_kv_init(struct capture_kv *kv)
{
	kv->buf[0] = '\0';
	kv->len = 0;
	kv->overflow = 0;
}

static int
capture_kv_needs_quote(const char *v)
{
	const unsigned char *p;

	if (*v == '\0')
		return 1;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '=' || *p == 0x7f)
			return 1;
	}
	return 0;
}

void
capture_kv_adds(struct capture_kv *kv, const char *key, const char *value)
{
	char field[CAPTURE_MAX_TEXT + 1];
	const unsigned char *p;
	size_t n = 0, cap = sizeof(field);
	int quote;

	if (value == NULL)
		value = "";
	quote = capture_kv_needs_quote(value);
	/* Build the field (with its leading space) in `field`, then append whole. */
#define KV_PUT(ch) do { if (n + 1 >= cap) goto overflow; field[n++] = (char)(ch); } while (0)
	if (kv->len > 0)
		KV_PUT(' ');
	for (p = (const unsigned char *)key; *p != '\0'; p++)
		KV_PUT(*p > ' ' && *p != '=' && *p != '"' && *p < 0x7f ? *p : '_');
	KV_PUT('=');
	if (quote)
		KV_PUT('"');
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (!quote) {
			KV_PUT(*p);
			continue;
		}
		switch (*p) {
		case '"':  KV_PUT('\\'); KV_PUT('"'); break;
		case '\\': KV_PUT('\\'); KV_PUT('\\'); break;
		case '\n': KV_PUT('\\'); KV_PUT('n'); break;
		case '\t': KV_PUT('\\'); KV_PUT('t'); break;
		case '\r': KV_PUT('\\'); KV_PUT('r'); break;
		default:
			if (*p < ' ' || *p == 0x7f) {
				static const char hex[] = "0123456789abcdef";

				KV_PUT('\\'); KV_PUT('x');
				KV_PUT(hex[*p >> 4]); KV_PUT(hex[*p & 15]);
			} else
				KV_PUT(*p);
		}
	}
	if (quote)
		KV_PUT('"');
#undef KV_PUT
	if (kv->len + n > CAPTURE_MAX_TEXT)
		goto overflow;
	memcpy(kv->buf + kv->len, field, n);
	kv->len += n;
	kv->buf[kv->len] = '\0';
	return;
overflow:
	kv->overflow = 1;
}

void
capture_kv_add(struct capture_kv *kv, const char *key, const char *fmt, ...)
{
	char value[CAPTURE_MAX_TEXT + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	capture_kv_adds(kv, key, value);
}

int
capture_kv_next(const char *text, size_t len, size_t *pos, char *key, size_t keylen,
    char *value, size_t valuelen)
{
	size_t i = *pos, k = 0, v = 0;
	int h1, h2;
	char c;

	/* Evaluate ch exactly once: callers pass text[i++]. */
#define KV_KEY(ch) do { char ch_ = (ch); if (k + 1 < keylen) key[k++] = ch_; } while (0)
#define KV_VAL(ch) do { char ch_ = (ch); if (v + 1 < valuelen) value[v++] = ch_; } while (0)
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
		i++;
	if (i >= len) {
		*pos = i;
		if (keylen > 0)
			key[0] = '\0';
		if (valuelen > 0)
			value[0] = '\0';
		return 0;
	}
	while (i < len && text[i] != '=' && text[i] != ' ' && text[i] != '\t' && text[i] != '\n')
		KV_KEY(text[i++]);
	if (i < len && text[i] == '=') {
		i++;
		if (i < len && text[i] == '"') {
			i++;
			while (i < len && text[i] != '"') {
				c = text[i++];
				if (c != '\\' || i >= len) {
					KV_VAL(c);
					continue;
				}
				c = text[i++];
				switch (c) {
				case 'n': KV_VAL('\n'); break;
				case 't': KV_VAL('\t'); break;
				case 'r': KV_VAL('\r'); break;
				case 'x':
					if (i + 1 < len && (h1 = hex_digit(text[i])) >= 0 &&
					    (h2 = hex_digit(text[i + 1])) >= 0) {
						KV_VAL((char)(h1 << 4 | h2));
						i += 2;
					} else
						KV_VAL('x');
					break;
				default: KV_VAL(c); break;
				}
			}
			if (i < len)
				i++;	/* closing quote */
		} else {
			while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != '\n')
				KV_VAL(text[i++]);
		}
	}
#undef KV_KEY
#undef KV_VAL
	if (keylen > 0)
		key[k] = '\0';
	if (valuelen > 0)
		value[v] = '\0';
	*pos = i;
	return 1;
}

