/*
 * cmd-opt.h — option values shared by several subcommands, parsed and
 * worded once (src/cmd/cmd-opt.c): the same option gives the same error
 * in `proxy` and `sim`, and every error is a usage error (the caller
 * returns 2).
 */
#ifndef SLIPTAP_CMD_OPT_H
#define SLIPTAP_CMD_OPT_H

#include <stdint.h>

/* --baud N: 300 .. 16000000. 0, or -1 after printing "sliptap CMD: --baud ...". */
int cmd_opt_baud(const char *cmd, const char *arg, uint32_t *out);
/* --rfc2217-reset auto|esp|direct. */
enum cmd_rfc2217_reset {
	CMD_RFC2217_AUTO,	/* esp, but pass DTR/RTS on to an RFC 2217 device (proxy) */
	CMD_RFC2217_DIRECT,	/* every change as it arrives */
	CMD_RFC2217_ESP,	/* like esptool's esp_rfc2217_server, always */
};
/* 0 and *mode set, or -1 (printed). */
int cmd_opt_rfc2217_reset(const char *cmd, const char *arg, enum cmd_rfc2217_reset *mode);
/* An ADDR:PORT option (port 0 .. 65535). 0 or -1 (printed, naming the option). */
int cmd_opt_addr(const char *cmd, const char *opt, const char *arg);
/* A duration option (DUR). 0 or -1 (printed). */
int cmd_opt_duration(const char *cmd, const char *opt, const char *arg, uint64_t *ns);
#endif
