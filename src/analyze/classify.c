/*
 * classify.c — facts in, a struct analysis out. Pure.
 *
 * The wire decides where it can (captures, traces): it shows the command
 * that failed, its seq, the progress the tool printed and the time. The
 * console wording (docs/failure-classes.md) decides where the wire cannot
 * (a console log has no wire; a trace has no port events), and the two are
 * combined with a confidence: when they agree it rises, when they disagree
 * the other one is listed as an alternative. Advice is chosen from the
 * evidence, never from the class name alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-int.h"
#include "esp.h"
#include "util.h"

const char *const analyze_classes[] = {
	"NO_RESPONSE", "WRONG_BOOT_MODE", "TX_PATH_DOWN", "NOISE_INVALID_HEAD", "PARTIAL_FRAME",
	"ACK_STALL", "BAUD_SWITCH_FAILED", "RAM_UPLOAD_CORRUPT", "STUB_NO_START",
	"BLOCK_REJECTED", "WRITE_TIMEOUT", "DEVICE_VANISHED", "VERIFY_MISMATCH",
	"READBACK_CORRUPT", "PORT_UNAVAILABLE", "STUCK_IN_LOADER", "UNSUPPORTED_IN_SDM",
	"SUCCESS", "UNKNOWN", NULL
};

int
analyze_class_known(const char *name)
{
	int i;

	for (i = 0; analyze_classes[i] != NULL; i++)
		if (strcmp(analyze_classes[i], name) == 0)
			return 1;
	return 0;
}

static const char *
an_static_class(const char *name)
{
	int i;

	for (i = 0; name != NULL && analyze_classes[i] != NULL; i++)
		if (strcmp(analyze_classes[i], name) == 0)
			return analyze_classes[i];
	return "UNKNOWN";
}

/* A verdict in the making. */
struct an_verdict {
	const char *cls;
	int conf;
	struct an_mark at;	/* where */
	char why[240];
};

static void
an_verdict(struct an_verdict *v, const char *cls, int conf, const struct an_mark *at,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
an_verdict(struct an_verdict *v, const char *cls, int conf, const struct an_mark *at,
    const char *fmt, ...)
{
	va_list ap;

	v->cls = an_static_class(cls);
	v->conf = conf;
	if (at != NULL)
		v->at = *at;
	else
		memset(&v->at, 0, sizeof(v->at));
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

static void
an_add_evidence(struct analysis *a, const struct an_mark *m, const struct analyzer *an,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
an_add_evidence(struct analysis *a, const struct an_mark *m, const struct analyzer *an,
    const char *fmt, ...)
{
	struct analysis_evidence *e;
	char buf[512];
	va_list ap;

	if (a->nevidence == AN_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (a->evidence == NULL)
		a->evidence = xcalloc(AN_MAX_EVIDENCE, sizeof(*a->evidence));
	e = &a->evidence[a->nevidence++];
	e->text = xstrdup(buf);
	e->record = m != NULL && m->set ? m->record : -1;
	e->line = m != NULL && m->set ? m->line : -1;
	e->time_s = m != NULL && m->set ? an_time_s(an, m->ts) : -1;
	if (an->input != ANALYZE_IN_CAPTURE && e->time_s >= 0 && an->input == ANALYZE_IN_CONSOLE)
		e->time_s = -1;
}

static void
an_add_alt(struct analysis *a, const char *cls, int conf, const char *why)
{
	size_t i;

	if (strcmp(cls, a->class_name) == 0)
		return;
	for (i = 0; i < a->nalternatives; i++)
		if (strcmp(a->alternatives[i].class_name, cls) == 0)
			return;
	if (a->nalternatives == AN_MAX_ALT)
		return;
	if (a->alternatives == NULL)
		a->alternatives = xcalloc(AN_MAX_ALT, sizeof(*a->alternatives));
	a->alternatives[a->nalternatives].class_name = an_static_class(cls);
	a->alternatives[a->nalternatives].confidence = conf;
	a->alternatives[a->nalternatives].why = xstrdup(why);
	a->nalternatives++;
}

static void
an_add_advice(struct analysis *a, const char *text)
{
	size_t i;

	for (i = 0; i < a->nadvice; i++)
		if (strcmp(a->advice[i], text) == 0)
			return;
	if (a->nadvice == AN_MAX_ADVICE)
		return;
	if (a->advice == NULL)
		a->advice = xcalloc(AN_MAX_ADVICE, sizeof(char *));
	a->advice[a->nadvice++] = xstrdup(text);
}

static const char *
an_opname(int op)
{
	const char *n = op >= 0 ? esp_op_name((uint8_t)op) : NULL;

	return n != NULL ? n : "command";
}

static int
an_is_data_op(int op)
{
	return op == ESP_OP_FLASH_DATA || op == ESP_OP_FLASH_DEFL_DATA;
}

/* ---- the wire ---------------------------------------------------------- */

static int
an_wire_success(const struct analyzer *an)
{
	const struct an_wire *w = &an->w;
	int i, complete = an->sum.nregions > 0;

	for (i = 0; i < an->sum.nregions; i++)
		if (!an->sum.regions[i].complete)
			complete = 0;
	if (!complete || w->md5_checked < 0)
		return 0;
	if (!w->last_cmd_answered && w->last_cmd.op != ESP_OP_RUN_USER_CODE &&
	    !((w->last_cmd.op == ESP_OP_FLASH_END || w->last_cmd.op == ESP_OP_FLASH_DEFL_END) &&
	    w->end_reboot && w->md5_checked == 1))
		return 0;	/* a reply is still owed (a reboot owes none) */
	if (w->unanswered.set && w->md5_checked != 1)
		return 0;
	return w->md5_checked == 1 || w->md5.set || w->flash_end_acked;
}

/* The port went away mid-flash: a write timeout (a silence first) or a vanish. */
static void
an_classify_vanish(struct analyzer *an, struct an_verdict *v)
{
	const struct an_wire *w = &an->w;
	uint64_t last = w->vanish_last_ts;
	double gap = w->vanish.ts > last ? (double)(w->vanish.ts - last) / (double)NS_PER_SEC : 0;

	if (gap >= 5.0) {
		an_verdict(v, "WRITE_TIMEOUT", 80, &w->vanish, "after %s%s, nothing was "
		    "written for %.1f s although the tool had its next block to send "
		    "(host writes blocked); then %s", w->vanish_cmd.text,
		    w->vanish_cmd_answered ? " and its reply" : " (no reply)", gap, w->vanish.text);
	} else {
		an_verdict(v, "DEVICE_VANISHED", 85, &w->vanish, "%s %.1f s after the last "
		    "bytes, with %s %s%s", w->vanish.text, gap, w->vanish_cmd.text,
		    w->vanish_cmd_answered ? "answered" : "pending", w->vanish_recovered ?
		    "; the tool reconnected afterwards and went on (recovered)" : "");
	}
	v->at.op = w->vanish_cmd.op;
	v->at.seq = w->vanish_cmd.seq;
	v->at.percent = w->vanish_cmd.seq >= 0 ? w->vanish_cmd.percent :
	    w->vanish_progress.set ? w->vanish_progress.percent : -1;
	v->at.offset = w->vanish_cmd.seq >= 0 ? w->vanish_cmd.offset :
	    w->vanish_progress.set ? w->vanish_progress.offset : -1;
	if (gap >= 5.0 && w->vanish_cmd_answered && an_is_data_op(w->vanish_cmd.op) &&
	    w->vanish_cmd.seq >= 0) {
		/* the tool printed the next block's line, then its write blocked */
		const struct session_region *rg = &w->vanish_region;

		if (rg->num_blocks > (uint32_t)w->vanish_cmd.seq + 1) {
			v->at.seq = w->vanish_cmd.seq + 1;
			v->at.percent = esp_progress_percent((uint32_t)v->at.seq,
			    rg->num_blocks);
			if (!rg->compressed)
				v->at.offset = rg->offset + (int64_t)v->at.seq * rg->block_size;
		}
	}
}

static void
an_classify_wire(struct analyzer *an, struct an_verdict *v)
{
	const struct an_wire *w = &an->w;
	const struct an_mark *e = &w->last_err_resp;

	memset(v, 0, sizeof(*v));
	if (!w->seen) {
		an_verdict(v, "UNKNOWN", 0, NULL, "no wire traffic");
		return;
	}
	if (w->md5_checked < 0) {
		an_verdict(v, "VERIFY_MISMATCH", 95, &w->md5_bad, "%s", w->md5_bad.text);
		return;
	}
	if (w->vanish.set && w->vanish.phase != SESSION_PHASE_DONE &&
	    w->vanish.phase != SESSION_PHASE_VERIFYING) {
		an_classify_vanish(an, v);
		return;
	}
	if (an_wire_success(an)) {
		an_verdict(v, "SUCCESS", w->md5_checked == 1 ? 95 : 80, &w->last_resp,
		    "every region written and acked%s", w->md5_checked == 1 ?
		    ", the device's MD5 matches the data sent" : w->md5.set ? ", MD5 verified" : "");
		return;
	}
	if (w->err_resps > 0 && e->op != ESP_OP_GET_SECURITY_INFO) {
		const char *name = esp_error_name(e->error);

		if (e->op == ESP_OP_MEM_DATA || e->op == ESP_OP_MEM_BEGIN || e->op == ESP_OP_MEM_END) {
			an_verdict(v, "RAM_UPLOAD_CORRUPT", 90, e, "%s answered with error 0x%02x (%s)",
			    an_opname(e->op), e->error, name ? name : "?");
			return;
		}
		if (an_is_data_op(e->op)) {
			an_verdict(v, "BLOCK_REJECTED", 90, e, "%s seq %lld answered with error 0x%02x "
			    "(%s)%s", an_opname(e->op), (long long)e->seq, e->error, name ? name : "?",
			    an->pend_seq_count > 1 ? ", the same seq resent" : "");
			return;
		}
		if (e->error == ESP_ROM_INVALID_MESSAGE || e->error == ESP_ROM_FAILED_TO_ACT ||
		    e->error == ESP_STUB_INVALID_COMMAND || e->error == ESP_STUB_CMD_NOT_IMPLEMENTED) {
			an_verdict(v, "UNSUPPORTED_IN_SDM", 85, e, "%s refused with error 0x%02x (%s): "
			    "the loader does not allow it", an_opname(e->op), e->error,
			    name ? name : "?");
			return;
		}
	}
	if (!w->vanish.set && w->client_close.set && w->last_cmd_answered &&
	    an_is_data_op(w->last_cmd.op) && w->client_close.ts >= w->last_ts_before_close + 5 * NS_PER_SEC) {
		an_verdict(v, "WRITE_TIMEOUT", 75, &w->client_close, "after %s and its reply the tool "
		    "sent nothing for %.1f s with blocks left to write, then closed the port (its "
		    "writes were blocked)", w->last_cmd.text,
		    (double)(w->client_close.ts - w->last_ts_before_close) / (double)NS_PER_SEC);
		v->at.op = w->last_cmd.op;
		v->at.seq = w->last_cmd.seq + 1;
		v->at.percent = w->progress.set ? w->progress.percent : -1;
		{
			const struct session_state *st = session_state(an->sess);

			if (st->region.num_blocks > (uint32_t)v->at.seq) {
				v->at.percent = esp_progress_percent((uint32_t)v->at.seq,
				    st->region.num_blocks);
				if (!st->region.compressed)
					v->at.offset = st->region.offset +
					    (int64_t)v->at.seq * st->region.block_size;
			}
		}
		return;
	}
	if (w->d2h_packets == 0) {
		if (w->boot_spi)
			an_verdict(v, "WRONG_BOOT_MODE", 90, &w->boot, "SYNC sent %u time(s), never "
			    "answered; the chip booted from flash: %s", w->sync_cmds, w->boot.text);
		else if (w->boot_download)
			an_verdict(v, "TX_PATH_DOWN", 85, &w->boot, "the chip is in download mode (%s) "
			    "but %u SYNC(s) were never answered", w->boot.text, w->sync_cmds);
		else
			an_verdict(v, "NO_RESPONSE", 80, &w->last_cmd, "SYNC sent %u time(s), %s",
			    w->sync_cmds, w->d2h_frames ? "no valid reply" : "zero bytes back");
		return;
	}
	if (w->noise.set && !(w->garbage.set && w->garbage.record <= w->noise.record)) {
		an_verdict(v, "NOISE_INVALID_HEAD", 85, &w->noise, "%s", w->noise.text);
		return;
	}
	if (w->truncated.set || w->garbage.set) {
		const struct an_mark *m = w->truncated.set ? &w->truncated : &w->garbage;

		an_verdict(v, "PARTIAL_FRAME", 80, m, "after %s: %s", w->last_cmd.text, m->text);
		v->at.op = w->last_cmd.op;
		v->at.seq = w->last_cmd.seq;
		return;
	}
	if (w->mem_end.set && !w->ohai) {
		an_verdict(v, "STUB_NO_START", 85, &w->mem_end, "the stub was uploaded and MEM_END "
		    "acked, but it never said OHAI");
		return;
	}
	if (w->baud_cmd.set && w->packets_after_baud == 0) {
		an_verdict(v, "BAUD_SWITCH_FAILED", 85, &w->baud_cmd, "%s, then no valid reply at "
		    "the new rate", w->baud_cmd.text);
		return;
	}
	if (w->stuck_in_loader) {
		an_verdict(v, "STUCK_IN_LOADER", 70, &w->boot, "after flashing the chip booted "
		    "into download mode again: %s", w->boot.text);
		return;
	}
	if (!w->last_cmd_answered && w->last_cmd.set) {
		an_verdict(v, "ACK_STALL", 80, &w->last_cmd, "%s got no reply; earlier commands "
		    "were answered", w->last_cmd.text);
		return;
	}
	if (w->unanswered.set) {
		an_verdict(v, "ACK_STALL", 75, &w->unanswered, "%s got no reply (the tool moved on "
		    "after its timeout)", w->unanswered.text);
		return;
	}
	if (w->missing.set) {
		an_verdict(v, "ACK_STALL", 65, &w->missing, "%s", w->missing.text);
		return;
	}
	if (w->err_resps > 0) {
		an_verdict(v, "UNSUPPORTED_IN_SDM", 40, e, "%s", e->text);
		return;
	}
	an_verdict(v, "UNKNOWN", 20, &w->last_resp, "the session stops after %s with no sign "
	    "of an error", w->last_resp.text[0] ? w->last_resp.text : "its last reply");
}

/* ---- the console -------------------------------------------------------- */

static void
an_classify_console(struct analyzer *an, struct an_verdict *v)
{
	const struct an_console *c = &an->c;

	memset(v, 0, sizeof(*v));
	if (c->error_class[0] != '\0') {
		const char *cls = c->error_class;
		int conf = c->error_conf;

		/* context the wording table cannot see */
		if ((strcmp(cls, "NO_RESPONSE") == 0 || strcmp(cls, "ACK_STALL") == 0) &&
		    c->baud_changed && c->connected && !c->progress.set) {
			cls = "BAUD_SWITCH_FAILED";
			conf = 70;
		} else if ((strcmp(cls, "NO_RESPONSE") == 0 || strcmp(cls, "ACK_STALL") == 0) &&
		    c->running_stub && !c->stub_running && c->connected) {
			cls = "STUB_NO_START";
			conf = 70;
		} else if (strcmp(cls, "NO_RESPONSE") == 0 && c->connected && an->sum.tool != NULL &&
		    strcmp(an->sum.tool, "esptool-js") == 0) {
			/* esptool-js says this only with a packet begun (else "stream stopped") */
			cls = "PARTIAL_FRAME";
			conf = 75;
		} else if (strcmp(cls, "NO_RESPONSE") == 0 && c->progress.set) {
			cls = "PARTIAL_FRAME";
			conf = 45;
		} else if (strcmp(cls, "NO_RESPONSE") == 0 && c->connected) {
			cls = "ACK_STALL";
			conf = 55;
		} else if (strcmp(cls, "NOISE_INVALID_HEAD") == 0 && !c->connected &&
		    strstr(c->error.text, "Failed to connect") != NULL) {
			/*
			 * Text where the SYNC reply should be, before any chip line:
			 * the chip prints a boot log or its app instead of answering
			 */
			cls = "WRONG_BOOT_MODE";
			conf = 45;
		} else if (strcmp(cls, "DEVICE_VANISHED") == 0 && c->write_timeout) {
			cls = "WRITE_TIMEOUT";
			conf = 85;
		} else if (strcmp(cls, "ACK_STALL") == 0 && !c->connected && !c->progress.set) {
			conf = 50;
		}
		an_verdict(v, cls, conf, &c->error, "the tool printed: %s", c->error.text);
		return;
	}
	if (c->hash_ok) {
		an_verdict(v, "SUCCESS", 80, &c->progress, "the tool printed \"Hash of data verified.\"");
		return;
	}
	if (c->running_stub && !c->stub_running && !c->progress.set) {
		an_verdict(v, "STUB_NO_START", 60, NULL, "the log stops at \"Running stub...\": the "
		    "stub never said it runs (the tool hangs there)");
		return;
	}
	if (c->error.set) {
		an_verdict(v, "UNKNOWN", 20, &c->error, "the tool printed: %s", c->error.text);
		return;
	}
	if (c->progress.set) {
		an_verdict(v, "UNKNOWN", 15, &c->progress, "the log stops at \"%s\" without an "
		    "error (partial paste?)", c->progress.text);
		return;
	}
	an_verdict(v, "UNKNOWN", 0, NULL, "no esptool output recognised");
}

static void
an_console_alternatives(struct analysis *a, const struct analyzer *an)
{
	const struct an_console *c = &an->c;
	const char *cls = a->class_name;

	if (an->input == ANALYZE_IN_CAPTURE)
		return;
	if (c->stream_locked || strcmp(cls, "WRITE_TIMEOUT") == 0) {
		an_add_alt(a, "DEVICE_VANISHED", 45, "\"WritableStream is locked\" / a write timeout "
		    "also follows a port that vanished; a capture tells them apart");
		an_add_alt(a, "WRITE_TIMEOUT", 45, "esptool-js prints the same words when its writes "
		    "block; a capture tells them apart");
	}
	if (strcmp(cls, "NO_RESPONSE") == 0) {
		an_add_alt(a, "WRONG_BOOT_MODE", 25, "the chip may have booted the app (IO0 not "
		    "held low): the boot log in a capture or the serial monitor says which");
		an_add_alt(a, "TX_PATH_DOWN", 20, "the chip may be in download mode but not "
		    "hear the host: the boot log says \"waiting for download\"");
	}
	if (strcmp(cls, "WRONG_BOOT_MODE") == 0 && a->confidence < 60) {
		an_add_alt(a, "TX_PATH_DOWN", 35, "a chip in download mode that does not hear the host "
		    "prints its boot log too: the log itself (a capture) says which");
		an_add_alt(a, "NOISE_INVALID_HEAD", 20, "or other text on the line (a second program, "
		    "echo)");
	}
	if (strcmp(cls, "ACK_STALL") == 0) {
		an_add_alt(a, "NOISE_INVALID_HEAD", 25, "esptool 5.x words bytes before a reply as a "
		    "lost one too (\"The chip stopped responding\", 5.3: \"No more data to read\")");
		an_add_alt(a, "PARTIAL_FRAME", 20, "a reply cut short reads the same without a trace");
		an_add_alt(a, "DEVICE_VANISHED", 15, "a chip that reset mid-flash also stops answering");
	}
	if (strcmp(cls, "PARTIAL_FRAME") == 0)
		an_add_alt(a, "ACK_STALL", 40, "\"No serial data received\" also ends a lost reply");
}

/* ---- advice ---------------------------------------------------------- */

static int
an_version_lt(const char *v, int major, int minor, int patch)
{
	int a = 0, b = 0, c = 0;

	if (v == NULL || sscanf(v, "%d.%d.%d", &a, &b, &c) < 1)
		return 0;
	if (a != major)
		return a < major;
	if (b != minor)
		return b < minor;
	return c < patch;
}

static void
an_advice(struct analysis *a, const struct analyzer *an)
{
	const char *cls = a->class_name;
	const struct analysis_summary *s = &a->summary;
	int s3 = s->chip != NULL && strstr(s->chip, "S3") != NULL;
	char buf[300];

	if (strcmp(cls, "WRITE_TIMEOUT") == 0 || strcmp(cls, "DEVICE_VANISHED") == 0) {
		if (s3 || an->c.usb_jtag) {
			if (s->tool_version != NULL && an_version_lt(s->tool_version, 4, 6, 1)) {
				snprintf(buf, sizeof(buf), "esptool %s does not disable the ESP32-S3 RTC "
				    "watchdog over USB-Serial/JTAG (fixed in 4.6.1): upgrade to esptool "
				    ">= 4.6.1", s->tool_version);
				an_add_advice(a, buf);
			} else
				an_add_advice(a, "on USB-Serial/JTAG a reset into download mode is only "
				    "a core reset: use esptool >= 4.6.1, which disables the watchdog");
			an_add_advice(a, "enter download mode by hand (hold BOOT, press RESET, release "
			    "BOOT): a full chip reset clears the watchdog");
			an_add_advice(a, "or flash through the board's other USB port (the USB-UART bridge)");
		}
		an_add_advice(a, "try another USB cable and plug in without a hub: the port went "
		    "away mid-flash");
		if (a->where.percent >= 0)
			an_add_advice(a, "a failure at a repeatable progress point means a reset on the "
			    "chip (watchdog, brown-out): check the supply");
	} else if (strcmp(cls, "NO_RESPONSE") == 0) {
		an_add_advice(a, "check the port is the board's (sliptap ports) and that TX/RX are not swapped");
		an_add_advice(a, "enter download mode by hand: hold BOOT (IO0), press and release "
		    "RESET (EN), release BOOT, then run the tool with --before no_reset");
		an_add_advice(a, "close any serial monitor or app holding the UART");
	} else if (strcmp(cls, "WRONG_BOOT_MODE") == 0) {
		an_add_advice(a, "the chip booted the app: IO0 was not low when EN was released; "
		    "hold BOOT while pressing RESET, or add/increase the capacitor on EN (auto-reset timing)");
	} else if (strcmp(cls, "TX_PATH_DOWN") == 0) {
		an_add_advice(a, "the chip is in download mode but does not hear the host: check the "
		    "host TX -> chip RX wire and the adapter's TX LED; another device driving RX?");
	} else if (strcmp(cls, "NOISE_INVALID_HEAD") == 0) {
		an_add_advice(a, "something else writes to the UART (app output, a second program, "
		    "echo): stop the app / serial monitor, hold the chip in download mode");
		an_add_advice(a, "lower the baud rate (-b 115200) and use a shorter cable");
	} else if (strcmp(cls, "PARTIAL_FRAME") == 0 || strcmp(cls, "ACK_STALL") == 0) {
		an_add_advice(a, "lower the baud rate (-b 115200); a USB-CDC driver or a hub that "
		    "drops bytes shows like this: try another port/cable");
		an_add_advice(a, "if the chip resets mid-flash, check the supply (brown-out) and the "
		    "watchdog (esptool >= 4.6.1 on ESP32-S3 over USB-Serial/JTAG)");
	} else if (strcmp(cls, "BAUD_SWITCH_FAILED") == 0) {
		snprintf(buf, sizeof(buf), "the adapter or driver cannot do %u baud: flash with a lower "
		    "-b (e.g. 460800 or 115200) or update the USB-UART driver",
		    s->nbauds > 0 ? s->bauds[s->nbauds - 1] : an->c.baud_to);
		an_add_advice(a, buf);
	} else if (strcmp(cls, "RAM_UPLOAD_CORRUPT") == 0 || strcmp(cls, "BLOCK_REJECTED") == 0) {
		an_add_advice(a, "bytes are corrupted on the way to the chip: lower the baud rate, "
		    "try another cable, avoid hubs");
		if (strcmp(cls, "RAM_UPLOAD_CORRUPT") == 0)
			an_add_advice(a, "as a workaround flash without the stub (--no-stub)");
	} else if (strcmp(cls, "STUB_NO_START") == 0) {
		an_add_advice(a, "the stub did not start: retry with --no-stub, and check for a "
		    "watchdog reset (esptool >= 4.6.1 on ESP32-S3 over USB-Serial/JTAG)");
	} else if (strcmp(cls, "VERIFY_MISMATCH") == 0) {
		an_add_advice(a, "the flash holds other bytes than sent: check flash size/mode "
		    "(--flash_size detect), write protection and the 3.3 V supply; erase and flash again");
	} else if (strcmp(cls, "UNSUPPORTED_IN_SDM") == 0) {
		an_add_advice(a, "the chip is in Secure Download Mode (or refuses the command): use "
		    "--no-stub and only the commands SDM allows; compression needs the stub");
	} else if (strcmp(cls, "PORT_UNAVAILABLE") == 0) {
		an_add_advice(a, "close the program holding the port (serial monitor, another "
		    "esptool), join the dialout group, or install the USB-UART driver");
	} else if (strcmp(cls, "STUCK_IN_LOADER") == 0) {
		an_add_advice(a, "press RESET (or power-cycle): a core-only reset over USB-Serial/JTAG "
		    "keeps the download-mode straps");
	} else if (strcmp(cls, "READBACK_CORRUPT") == 0) {
		an_add_advice(a, "bytes are lost reading back: lower the baud rate");
	}
	if (s->wrapper != NULL && a->nadvice > 0) {
		snprintf(buf, sizeof(buf), "%s passes these options to esptool: set the baud/port in "
		    "its configuration rather than on the esptool command line", s->wrapper);
		an_add_advice(a, buf);
	}
}

/* ---- the injected fault, as the capture says ------------------------- */

static const char *
an_injected_class(const struct analysis_summary *s)
{
	int i;

	for (i = 0; i < s->nfaults; i++) {
		const char *act = s->faults[i].action ? s->faults[i].action : "";

		if (strcmp(act, "freeze-host-writes") == 0)
			return "WRITE_TIMEOUT";
		if (strcmp(act, "disconnect") == 0)
			return "DEVICE_VANISHED";
		if (strcmp(act, "ignore-baud-change") == 0)
			return "BAUD_SWITCH_FAILED";
		if (strcmp(act, "truncate") == 0)
			return "PARTIAL_FRAME";
	}
	return NULL;
}

/* ---- assembling --------------------------------------------------------- */

/*
 * Image size and compression from a console log: "Compressed N bytes",
 * else "Flash will be erased from A to B", else estimated from the progress
 * lines (esptool prints 100 * (k + 1) / N % before block k of N).
 */
static void
an_console_size(struct analysis_summary *s, const struct an_console *c)
{
	if (c->nprogress > 0 && s->compressed < 0)
		s->compressed = 0;	/* esptool says "Compressed ..." when it compresses */
	if (c->compressed_from > 0)
		s->image_size = c->compressed_from;
	else if (c->erase_size > 0)
		s->image_size = c->erase_size;
	else if (c->block > 0 && c->progress.set && c->progress.percent > 0 &&
	    c->progress.offset >= c->first_addr) {
		uint64_t k = (uint64_t)(c->progress.offset - c->first_addr) / c->block;
		uint64_t n = (100 * (k + 1) + (uint64_t)c->progress.percent) /
		    ((uint64_t)c->progress.percent + 1);

		if (n < k + 1)
			n = k + 1;
		s->image_size = n * c->block;
	}
}


void
an_summary_free(struct analysis_summary *s)
{
	int i;

	free(s->tool);
	free(s->tool_version);
	free(s->wrapper);
	free(s->chip);
	free(s->chip_revision);
	free(s->mac);
	free(s->stub_kind);
	free(s->scenario);
	free(s->seed);
	free(s->injected_class);
	free(s->previous_verdict);
	for (i = 0; i < s->nfaults; i++) {
		free(s->faults[i].rule);
		free(s->faults[i].action);
		free(s->faults[i].changed);
	}
	memset(s, 0, sizeof(*s));
}

static void
an_where(struct analysis *a, const struct analyzer *an, const struct an_mark *m)
{
	struct analysis_where *wh = &a->where;

	wh->phase = NULL;
	wh->op = -1;
	wh->command = NULL;
	wh->seq = -1;
	wh->nth = -1;
	wh->percent = -1;
	wh->offset = -1;
	wh->time_s = -1;
	wh->record = -1;
	wh->line = -1;
	if (m == NULL || !m->set)
		return;
	wh->phase = session_phase_name((enum session_phase)m->phase);
	wh->op = m->op;
	wh->command = m->op >= 0 ? esp_op_name((uint8_t)m->op) : NULL;
	wh->seq = m->seq;
	wh->nth = m->op >= 0 ? m->nth : -1;
	wh->percent = m->percent;
	wh->offset = m->offset;
	wh->record = m->record;
	wh->line = m->line;
	if (an->input != ANALYZE_IN_CONSOLE)
		wh->time_s = an_time_s(an, m->ts);
}

static void
an_console_where(struct analysis *a, const struct analyzer *an)
{
	const struct an_console *c = &an->c;

	if (a->where.percent < 0 && c->progress.set) {
		a->where.percent = c->progress.percent;
		a->where.offset = c->progress.offset;
	}
	if (a->where.seq < 0 && c->seq_line.set)
		a->where.seq = c->seq_line.seq;
	if (an->input == ANALYZE_IN_CONSOLE) {
		a->where.phase = c->progress.set ? "flashing" : c->stub_running ? "stub" :
		    c->connected ? "synced" : "connecting";
	}
	if (a->where.line < 0 && c->error.set)
		a->where.line = c->error.line;
}

struct analysis *
analyzer_finish(struct analyzer *an, const char *name)
{
	struct analysis *a = xcalloc(1, sizeof(*a));
	struct an_verdict wv, cv, *v;
	int have_wire, have_con;

	analyzer_text_end(an);
	analyzer_end(an);
	a->input = an->input;
	a->input_name = an_strdup(name);
	an_classify_wire(an, &wv);
	an_classify_console(an, &cv);
	have_wire = an->w.seen;
	have_con = cv.conf > 0 && strcmp(cv.cls, "UNKNOWN") != 0;
	v = have_wire ? &wv : &cv;
	if (have_wire && have_con && strcmp(wv.cls, cv.cls) != 0) {
		int generic = strcmp(wv.cls, "ACK_STALL") == 0 || strcmp(wv.cls, "UNKNOWN") == 0 ||
		    strcmp(wv.cls, "SUCCESS") == 0 || strcmp(wv.cls, "NO_RESPONSE") == 0;
		int port = strcmp(cv.cls, "WRITE_TIMEOUT") == 0 || strcmp(cv.cls, "DEVICE_VANISHED") == 0;

		/* a trace has no port events: the tool's words about the port win */
		if ((generic && cv.conf >= 60) || (port && !an->w.vanish.set && cv.conf >= 60))
			v = &cv;
	}
	a->class_name = v->cls;
	a->confidence = v->conf;
	if (have_wire && have_con && strcmp(wv.cls, cv.cls) == 0)
		a->confidence = v->conf + 10 > 99 ? 99 : v->conf + 10;
	an_where(a, an, &v->at);
	if (v == &cv && wv.at.set) {
		/* the wire still knows where */
		if (a->where.op < 0)
			a->where.op = an->w.last_cmd.op, a->where.command = an->w.last_cmd.op >= 0 ?
			    esp_op_name((uint8_t)an->w.last_cmd.op) : NULL;
		if (a->where.seq < 0)
			a->where.seq = an->w.last_cmd.seq;
		if (a->where.percent < 0 && an->w.progress.set)
			a->where.percent = an->w.progress.percent, a->where.offset = an->w.progress.offset;
	}
	an_console_where(a, an);
	a->headline = xstrdup(v->why);
	an_add_evidence(a, &v->at, an, "%s", v->why);
	if (v == &wv && have_con)
		an_add_evidence(a, &an->c.error, an, "the tool printed: %s", an->c.error.text);
	if (v == &cv && have_wire && wv.cls != NULL)
		an_add_evidence(a, &wv.at, an, "on the wire: %s", wv.why);
	if (an->w.progress.set && strcmp(a->class_name, "SUCCESS") != 0)
		an_add_evidence(a, &an->w.progress, an, "last block sent: seq %lld, \"%s\"",
		    (long long)an->w.progress.seq, an->w.progress.text);
	else if (an->c.progress.set && strcmp(a->class_name, "SUCCESS") != 0)
		an_add_evidence(a, &an->c.progress, an, "last progress line: %s", an->c.progress.text);
	if (an->w.retransmits > 0)
		an_add_evidence(a, NULL, an, "%u retransmission(s) of a data block", an->w.retransmits);
	if (an->c.error.set && an->c.error_class[0] != '\0' && v != &cv && !have_con)
		a->tool_message = xstrdup(an->c.error.text);
	else if (an->c.error.set)
		a->tool_message = xstrdup(an->c.error.text);
	/* alternatives */
	if (have_wire && have_con && strcmp(wv.cls, cv.cls) != 0)
		an_add_alt(a, v == &wv ? cv.cls : wv.cls, (v == &wv ? cv.conf : wv.conf) / 2,
		    v == &wv ? "the tool's wording" : "the wire alone");
	an_console_alternatives(a, an);
	if (an->w.vanish.set && strcmp(a->class_name, "WRITE_TIMEOUT") == 0)
		an_add_alt(a, "DEVICE_VANISHED", 100 - a->confidence, "the port went away after the "
		    "writes blocked: the vanish is the consequence here, but it is on the wire too");
	if (an->w.vanish.set && strcmp(a->class_name, "DEVICE_VANISHED") == 0)
		an_add_alt(a, "WRITE_TIMEOUT", 100 - a->confidence, "a tool whose writes block "
		    "before the port goes reports a write timeout first");
	/* summary: move it over */
	a->summary = an->sum;
	memset(&an->sum, 0, sizeof(an->sum));
	if (a->summary.runs == 0)
		a->summary.runs = 1;
	a->summary.retries += 0;
	a->summary.trace_format = an->input == ANALYZE_IN_TRACE ? an->tfmt : ANALYZE_TRACE_NONE;
	a->summary.frames_h2d = an->w.h2d_frames;
	a->summary.frames_d2h = an->w.d2h_frames;
	if (a->summary.stub < 0 && an->input != ANALYZE_IN_CONSOLE && an->w.sync_answered)
		a->summary.stub = an->w.ohai ? 1 : 0;
	if (an->input == ANALYZE_IN_CONSOLE)
		an_console_size(&a->summary, &an->c);
	if (a->summary.stub < 0 && an->input == ANALYZE_IN_CONSOLE && an->c.connected)
		a->summary.stub = an->c.stub_running || an->c.running_stub ? 1 : 0;
	if (a->summary.stub == 1 && a->summary.stub_kind == NULL)
		a->summary.stub_kind = xstrdup(a->summary.tool_version != NULL &&
		    !an_version_lt(a->summary.tool_version, 5, 3, 0) ? "esp-flasher-stub" :
		    "esptool legacy flasher stub");
	if (a->summary.nfaults > 0) {
		const char *ic = an_injected_class(&a->summary);

		if (ic != NULL)
			a->summary.injected_class = xstrdup(ic);
	}
	if (a->summary.injected_class != NULL)
		an_add_evidence(a, NULL, an, "the capture's FAULT records injected %s; the wire alone "
		    "says %s (%s)", a->summary.injected_class, wv.cls,
		    strcmp(a->summary.injected_class, wv.cls) == 0 ? "they agree" : "they differ");
	else if (a->summary.faults_total > 0)
		an_add_evidence(a, NULL, an, "the capture's %u FAULT record(s) (rule %s, action %s); "
		    "the wire alone says %s", a->summary.faults_total,
		    a->summary.faults[0].rule ? a->summary.faults[0].rule : "?",
		    a->summary.faults[0].action ? a->summary.faults[0].action : "?", wv.cls);
	an_advice(a, an);
	return a;
}

void
analysis_free(struct analysis *a)
{
	size_t i;

	if (a == NULL)
		return;
	free(a->input_name);
	free(a->headline);
	for (i = 0; i < a->nevidence; i++)
		free(a->evidence[i].text);
	free(a->evidence);
	for (i = 0; i < a->nalternatives; i++)
		free(a->alternatives[i].why);
	free(a->alternatives);
	for (i = 0; i < a->nadvice; i++)
		free(a->advice[i]);
	free(a->advice);
	an_summary_free(&a->summary);
	free(a->tool_message);
	free(a->warnings);
	free(a);
}

int
analysis_exit_status(const struct analysis *a)
{
	return strcmp(a->class_name, "SUCCESS") == 0 ? ANALYZE_EXIT_SUCCESS : ANALYZE_EXIT_FAILURE;
}
