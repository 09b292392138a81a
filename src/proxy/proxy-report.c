/*
 * proxy-report.c — what the proxy tells people while it runs: a live
 * status line on stderr when stderr is a terminal (chip, baud, phase and
 * esptool's own progress line), and with --json-events one JSON object per
 * event on stdout, one line each, flushed, after the ready line.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proxy-int.h"
#include "units.h"
#include "util.h"

#define PROXY_STATUS_EVERY	(100ULL * NS_PER_MS)	/* redraw at most 10 times a second */

static uint64_t proxy_report_t0;

void
proxy_report_init(struct proxy *p)
{
	p->status_tty = !p->cfg.quiet && isatty(STDERR_FILENO);
	proxy_report_t0 = loop_now();
}

static void
proxy_json_str(FILE *fp, const char *s)
{
	const unsigned char *c;

	fputc('"', fp);
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(fp, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(fp, "\\u%04x", *c);
		else
			fputc(*c, fp);
	}
	fputc('"', fp);
}

static const char *
proxy_event_name(enum proxy_event_type t)
{
	switch (t) {
	case PROXY_EV_CLIENT_OPEN:
		return "client-open";
	case PROXY_EV_CLIENT_CLOSE:
		return "client-close";
	case PROXY_EV_FIRST_SYNC:
		return "first-sync";
	case PROXY_EV_BAUD:
		return "baud";
	case PROXY_EV_LINES:
		return "lines";
	case PROXY_EV_RESET:
		return "reset";
	case PROXY_EV_STUB_START:
		return "stub-start";
	case PROXY_EV_DEVICE_GONE:
		return "device-gone";
	case PROXY_EV_DEVICE_BACK:
		return "device-back";
	case PROXY_EV_CLIENT_HANGUP:
		return "client-hangup";
	case PROXY_EV_CLIENT_BACK:
		return "client-back";
	case PROXY_EV_SESSION:
		return "session";
	}
	return "unknown";
}

static void
proxy_report_json(struct proxy *p, const struct proxy_event *ev)
{
	const struct session_event *se = ev->session;
	FILE *fp = stdout;

	if (ev->type == PROXY_EV_SESSION) {
		/* Commands and responses are per frame: too many for an event stream. */
		if (se->type == SESSION_EV_COMMAND || se->type == SESSION_EV_COMMAND_DONE ||
		    se->type == SESSION_EV_STUB_START || se->type == SESSION_EV_BAUD)
			return;
	}
	fprintf(fp, "{\"t\":%.6f,\"event\":", (double)(ev->now - proxy_report_t0) / (double)NS_PER_SEC);
	if (ev->type != PROXY_EV_SESSION) {
		proxy_json_str(fp, proxy_event_name(ev->type));
		if (ev->type == PROXY_EV_BAUD)
			fprintf(fp, ",\"baud\":%u", ev->baud);
		if (ev->type == PROXY_EV_LINES) {
			if (ev->dtr != -1)
				fprintf(fp, ",\"dtr\":%d", ev->dtr);
			if (ev->rts != -1)
				fprintf(fp, ",\"rts\":%d", ev->rts);
		}
		if (ev->how != NULL) {
			fputs(",\"how\":", fp);
			proxy_json_str(fp, ev->how);
		}
	} else {
		proxy_json_str(fp, session_event_name(se->type));
		fputs(",\"phase\":", fp);
		proxy_json_str(fp, session_phase_name(se->phase));
		switch (se->type) {
		case SESSION_EV_CHIP:
			fputs(",\"chip\":", fp);
			proxy_json_str(fp, se->chip != NULL ? se->chip : "");
			break;
		case SESSION_EV_PROGRESS:
			fprintf(fp, ",\"percent\":%d,\"address\":\"0x%08x\",\"seq\":%u", se->percent,
			    se->address, se->seq);
			break;
		case SESSION_EV_ANOMALY:
			fputs(",\"anomaly\":", fp);
			proxy_json_str(fp, session_anomaly_name(se->anomaly));
			break;
		default:
			break;
		}
		if (se->text != NULL) {
			fputs(",\"text\":", fp);
			proxy_json_str(fp, se->text);
		}
	}
	fputs("}\n", fp);
	fflush(fp);
}

static void
proxy_status_compose(struct proxy *p)
{
	const struct session_state *st = session_state(p->session);
	char prog[64] = "";

	session_progress_line(p->session, prog, sizeof(prog));
	if (st->phase != SESSION_PHASE_FLASHING && st->phase != SESSION_PHASE_DONE &&
	    st->phase != SESSION_PHASE_VERIFYING)
		prog[0] = '\0';
	snprintf(p->status, sizeof(p->status), "%s%s %u baud, %s%s%s%s",
	    st->chip != NULL ? st->chip : "chip ?", st->stub ? " (stub)" : "", p->dev.baud,
	    session_phase_name(st->phase), *prog ? ", " : "", prog,
	    p->dev.present ? (p->host.clients > 0 ? "" : " [port closed]") : " [device gone]");
}

void
proxy_report_event(struct proxy *p, const struct proxy_event *ev)
{
	if (p->cfg.json_events)
		proxy_report_json(p, ev);
}

void
proxy_report_idle(struct proxy *p)
{
	uint64_t now;

	if (!p->status_tty)
		return;
	now = loop_now();
	if (now - p->status_at < PROXY_STATUS_EVERY)
		return;
	p->status_at = now;
	proxy_status_compose(p);
	fprintf(stderr, "\r\033[K%s", p->status);
	fflush(stderr);
	p->status_shown = 1;
}

void
proxy_status_clear(struct proxy *p)
{
	if (p->status_shown) {
		fputs("\r\033[K", stderr);
		p->status_shown = 0;
	}
}

void
proxy_report_end(struct proxy *p)
{
	proxy_status_clear(p);
}
