/*
 * util.h — the few helpers every floor of sliptap shares: fatal errors,
 * allocation wrappers that never return NULL, and little-endian accessors.
 *
 * The allocation wrappers and fatal() may be used from the pure core: they
 * touch no fd but stderr, and only on a bug or out-of-memory.
 */
#ifndef SLIPTAP_UTIL_H
#define SLIPTAP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SLIPTAP_VERSION "0.1.0"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* Print "sliptap: <msg>: <strerror(errno)>" (fatal) or without errno (fatalx) and exit(1). */
void fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Allocation wrappers: never return NULL (fatalx on exhaustion). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
int xasprintf(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Little-endian loads and stores. */
static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* The value of one hex digit (0-9, a-f, A-F), or -1. */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse a decimal or 0x-hex unsigned number; 0 on success, -1 on junk or overflow. */
int parse_u32(const char *s, uint32_t *out);
/* Parse a size with optional K/M/MB/KB suffix (binary units); 0 or -1. */
int parse_size(const char *s, uint64_t *out);

#endif
