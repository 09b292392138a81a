/*
 * html.c — `analyze --html`: one self-contained page (inline SVG and CSS,
 * no script, no network): host and device lanes on a time axis with frames
 * coloured by command, silent stretches shaded, FAULT records marked, the
 * progress curve as the tool printed it, the failure point with its
 * evidence, and the summary.
 *
 * The input is read a second time, streamed; frames are binned into at most
 * HTML_BINS columns per lane and only the longest HTML_GAPS silences are
 * drawn, so a capture of any size stays a page of a few thousand elements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-int.h"
#include "esp.h"
#include "util.h"

#define HTML_BINS	1200
#define HTML_GAPS	40
#define HTML_W		1200.0
#define HTML_GAP_NS	NS_PER_SEC	/* a second without frames is a gap */

struct html_bin {
	uint32_t count;
	uint8_t op;
	uint8_t err;
};

struct html_gap {
	uint64_t from, to;
};

struct html_state {
	uint64_t t0, t1;		/* first and last frame time (ns) */
	int have;
	/* first pass fills timestamps, second the bins: one pass with a known span */
	uint64_t span;
	struct html_bin bins[2][HTML_BINS];
	struct html_gap gaps[HTML_GAPS];
	int ngaps;
	uint64_t last;
	uint64_t frames;
	/* failure marker */
	double fail_x;
	const struct analysis *a;
	int64_t fail_seq;
	int fail_op;
	int fail_bin;
	uint64_t fail_ts;
};

static const char *
html_color(uint8_t op)
{
	switch (op) {
	case ESP_OP_SYNC:
		return "#9e9e9e";
	case ESP_OP_READ_REG:
	case ESP_OP_WRITE_REG:
		return "#80cbc4";
	case ESP_OP_MEM_BEGIN:
	case ESP_OP_MEM_DATA:
	case ESP_OP_MEM_END:
		return "#ce93d8";
	case ESP_OP_FLASH_BEGIN:
	case ESP_OP_FLASH_DEFL_BEGIN:
	case ESP_OP_FLASH_END:
	case ESP_OP_FLASH_DEFL_END:
		return "#ffb74d";
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
		return "#42a5f5";
	case ESP_OP_SPI_FLASH_MD5:
		return "#66bb6a";
	case ESP_OP_CHANGE_BAUDRATE:
		return "#fff176";
	default:
		return "#bcaaa4";
	}
}

static void
html_gap_add(struct html_state *h, uint64_t from, uint64_t to)
{
	int i, min = 0;

	if (h->ngaps < HTML_GAPS) {
		h->gaps[h->ngaps].from = from;
		h->gaps[h->ngaps++].to = to;
		return;
	}
	for (i = 1; i < HTML_GAPS; i++)
		if (h->gaps[i].to - h->gaps[i].from < h->gaps[min].to - h->gaps[min].from)
			min = i;
	if (to - from > h->gaps[min].to - h->gaps[min].from) {
		h->gaps[min].from = from;
		h->gaps[min].to = to;
	}
}

static int
html_bin_of(const struct html_state *h, uint64_t ts)
{
	uint64_t off = ts > h->t0 ? ts - h->t0 : 0;
	int b = h->span ? (int)((double)off / (double)h->span * HTML_BINS) : 0;

	return b < 0 ? 0 : b >= HTML_BINS ? HTML_BINS - 1 : b;
}

static void
html_packet_cb(int dir, const struct esp_packet *p, uint64_t ts, void *arg)
{
	struct html_state *h = arg;
	struct html_bin *b;
	struct esp_data_header dh;

	if (h->span == 0)
		return;		/* pass 1 only measures the session's span */
	if (!h->have) {
		h->have = 1;
		h->last = ts;
	}
	if (ts > h->last + HTML_GAP_NS)
		html_gap_add(h, h->last, ts);
	if (ts > h->last)
		h->last = ts;
	h->frames++;
	b = &h->bins[dir][html_bin_of(h, ts)];
	b->count++;
	b->op = p->op;
	if (dir == 1 && (p->data_len == 2 || p->data_len == 18) && p->data[p->data_len - 2] != 0)
		b->err = 1;	/* stub status */
	if (dir == 1 && (p->data_len == 4 || p->data_len == 36) && p->data[p->data_len - 4] != 0)
		b->err = 1;	/* ROM status */
	if (dir == 0 && h->fail_seq >= 0 && p->op == h->fail_op &&
	    esp_data_header_parse(p, &dh) == 0 && (int64_t)dh.seq == h->fail_seq && h->fail_ts == 0)
		h->fail_ts = ts;
}

static void
html_esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '<')
			fputs("&lt;", fp);
		else if (*s == '>')
			fputs("&gt;", fp);
		else if (*s == '&')
			fputs("&amp;", fp);
		else if (*s == '"')
			fputs("&quot;", fp);
		else
			fputc(*s, fp);
	}
}

static double
html_x(const struct html_state *h, uint64_t ts)
{
	uint64_t off = ts > h->t0 ? ts - h->t0 : 0;

	return h->span ? 60.0 + (double)off / (double)h->span * HTML_W : 60.0;
}

/* One pass over the input with a fresh analyzer feeding html_packet_cb. */
static int
html_pass(const char *input, struct html_state *h, struct analyzer **keep, char *err, size_t errlen)
{
	struct analyzer *an = analyzer_new(NULL);
	char warn[512];
	int rc;

	an->packet_cb = html_packet_cb;
	an->packet_arg = h;
	rc = an_stream_file(an, input, warn, sizeof(warn), err, errlen);
	analyzer_text_end(an);
	analyzer_end(an);
	if (keep != NULL && rc == ANALYZE_OK)
		*keep = an;
	else
		analyzer_free(an);
	return rc == ANALYZE_OK ? 0 : -1;
}

static void
html_lanes(FILE *fp, const struct html_state *h, const struct analyzer *an)
{
	static const char *const names[2] = { "host", "device" };
	int d, i;

	fprintf(fp, "<svg id=\"timeline\" width=\"%d\" height=\"260\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">\n", (int)HTML_W + 80);
	for (i = 0; i < h->ngaps; i++)
		fprintf(fp, "<rect class=\"gap\" x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"130\">"
		    "<title>no frames for %.1f s</title></rect>\n", html_x(h, h->gaps[i].from),
		    html_x(h, h->gaps[i].to) - html_x(h, h->gaps[i].from),
		    (double)(h->gaps[i].to - h->gaps[i].from) / (double)NS_PER_SEC);
	for (d = 0; d < 2; d++) {
		double y = 20 + d * 60;

		fprintf(fp, "<g id=\"lane-%s\" class=\"lane\"><text x=\"2\" y=\"%.0f\">%s</text>\n",
		    names[d], y + 25, names[d]);
		fprintf(fp, "<line x1=\"60\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#ccc\"/>\n",
		    HTML_W + 60, y + 20, y + 20);
		for (i = 0; i < HTML_BINS; i++) {
			const struct html_bin *b = &h->bins[d][i];
			const char *name;

			if (b->count == 0)
				continue;
			name = esp_op_name(b->op);
			fprintf(fp, "<rect class=\"frame\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			    "height=\"40\" fill=\"%s\"%s><title>%s x%u</title></rect>\n",
			    60.0 + i * HTML_W / HTML_BINS, y, HTML_W / HTML_BINS > 1 ? HTML_W / HTML_BINS : 1,
			    b->err ? "#e53935" : html_color(b->op), b->err ? " stroke=\"#b71c1c\"" : "",
			    name ? name : "?", b->count);
		}
		fprintf(fp, "</g>\n");
	}
	/* faults */
	for (i = 0; i < an->sum.nfaults; i++) {
		const struct analysis_fault *f = &an->sum.faults[i];
		double x = f->time_s >= 0 ? 60.0 + f->time_s * (double)NS_PER_SEC / (h->span ? h->span : 1) * HTML_W : 60;

		fprintf(fp, "<g class=\"fault\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"5\" y2=\"145\" "
		    "stroke=\"#8e24aa\" stroke-dasharray=\"3 2\"/><text x=\"%.1f\" y=\"158\" "
		    "font-size=\"10\" fill=\"#8e24aa\">&#9889; ", x, x, x);
		html_esc(fp, f->rule);
		fprintf(fp, "</text></g>\n");
	}
	/* progress curve */
	if (an->ncurve > 0 && an->input != ANALYZE_IN_CONSOLE) {
		fprintf(fp, "<polyline id=\"progress\" fill=\"none\" stroke=\"#1565c0\" "
		    "stroke-width=\"2\" points=\"");
		for (i = 0; i < an->ncurve; i++)
			fprintf(fp, "%.1f,%.1f ", an->curve[i].t >= 0 ?
			    60.0 + an->curve[i].t * (double)NS_PER_SEC / (h->span ? h->span : 1) * HTML_W : 60.0,
			    250 - an->curve[i].percent * 0.6);
		fprintf(fp, "\"/><text x=\"2\" y=\"235\" font-size=\"12\">progress</text>\n");
	}
	/* time axis */
	for (i = 0; i <= 4; i++)
		fprintf(fp, "<text class=\"tick\" x=\"%.0f\" y=\"172\" font-size=\"10\">%.2f s</text>\n",
		    60 + i * HTML_W / 4 - (i == 4 ? 40 : 0), (double)h->span / (double)NS_PER_SEC * i / 4);
	/* the failure point */
	if (h->fail_x >= 0 && h->a != NULL) {
		const struct analysis *a = h->a;

		fprintf(fp, "<g id=\"failure\" data-seq=\"%lld\" data-percent=\"%d\" "
		    "data-class=\"%s\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"5\" y2=\"150\"/>"
		    "<text x=\"%.1f\" y=\"186\" fill=\"#d50000\" font-size=\"12\">&#9650; %s",
		    (long long)a->where.seq, a->where.percent, a->class_name, h->fail_x, h->fail_x,
		    h->fail_x > HTML_W - 200 ? h->fail_x - 260 : h->fail_x, a->class_name);
		if (a->where.command != NULL)
			fprintf(fp, " %s", a->where.command);
		if (a->where.seq >= 0)
			fprintf(fp, " seq %lld", (long long)a->where.seq);
		if (a->where.percent >= 0)
			fprintf(fp, " (%d %%)", a->where.percent);
		fprintf(fp, "</text></g>\n");
	}
	fprintf(fp, "</svg>\n");
}

int
analyze_write_html(const char *input, const struct analysis *a, FILE *fp, char *err,
    size_t errlen)
{
	struct html_state *h = xcalloc(1, sizeof(*h));
	struct analyzer *an = NULL;
	const struct analysis_summary *s = &a->summary;
	size_t i;
	double fx = -1;

	h->fail_seq = a->where.seq;
	h->fail_op = a->where.op;
	h->a = a;
	h->fail_x = -1;
	if (html_pass(input, h, &an, err, errlen) != 0)
		goto fail;
	/* the session clock: first to last record, events included */
	h->t0 = an->w.first_ts;
	h->t1 = an->w.last_ts;
	h->span = h->t1 > h->t0 ? h->t1 - h->t0 : 1;
	analyzer_free(an);
	an = NULL;
	if (html_pass(input, h, &an, err, errlen) != 0)
		goto fail;
	if (h->have && h->t1 > h->last + HTML_GAP_NS)
		html_gap_add(h, h->last, h->t1);	/* the silence at the end */
	if (a->where.time_s >= 0)
		fx = 60.0 + a->where.time_s * (double)NS_PER_SEC / (double)h->span * HTML_W;
	else if (h->fail_ts != 0)
		fx = html_x(h, h->fail_ts);
	h->fail_x = fx;

	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<title>sliptap analyze: %s</title>\n<style>\n"
	    "body{font:14px sans-serif;margin:20px;color:#222}\n"
	    "h1{font-size:20px} .cls{padding:2px 8px;border-radius:4px;color:#fff;background:%s}\n"
	    ".gap{fill:#fbe9e7} .lane text{font-size:12px} #failure line{stroke:#d50000;stroke-width:3}\n"
	    "table{border-collapse:collapse} td{padding:2px 10px;border-bottom:1px solid #eee}\n"
	    ".legend span{display:inline-block;padding:0 6px;margin-right:4px;color:#000}\n"
	    "</style></head><body>\n", a->class_name,
	    strcmp(a->class_name, "SUCCESS") == 0 ? "#2e7d32" : "#c62828");
	fprintf(fp, "<h1>");
	html_esc(fp, a->input_name);
	fprintf(fp, ": <span class=\"cls\" id=\"class\">%s</span> (confidence %d %%)</h1>\n",
	    a->class_name, a->confidence);
	fprintf(fp, "<p id=\"headline\">");
	html_esc(fp, a->headline);
	fprintf(fp, "</p>\n<div class=\"legend\">");
	{
		static const uint8_t ops[] = { ESP_OP_SYNC, ESP_OP_READ_REG, ESP_OP_MEM_DATA,
		    ESP_OP_FLASH_BEGIN, ESP_OP_FLASH_DATA, ESP_OP_SPI_FLASH_MD5, ESP_OP_CHANGE_BAUDRATE };
		for (i = 0; i < sizeof(ops); i++)
			fprintf(fp, "<span style=\"background:%s\">%s</span>", html_color(ops[i]),
			    esp_op_name(ops[i]));
		fprintf(fp, "<span style=\"background:#e53935\">error reply</span>"
		    "<span style=\"background:#fbe9e7\">silence &gt; 1 s</span></div>\n");
	}
	html_lanes(fp, h, an);
	if (fx < 0)
		fprintf(fp, "<div id=\"failure\" data-seq=\"%lld\" data-percent=\"%d\" "
		    "data-class=\"%s\">failure point: no time on the wire</div>\n",
		    (long long)a->where.seq, a->where.percent, a->class_name);
	fprintf(fp, "<h2>Evidence</h2><ul id=\"evidence\">\n");
	for (i = 0; i < a->nevidence; i++) {
		fprintf(fp, "<li>");
		html_esc(fp, a->evidence[i].text);
		if (a->evidence[i].record >= 0)
			fprintf(fp, " <small>[record %lld]</small>", (long long)a->evidence[i].record);
		if (a->evidence[i].line >= 0)
			fprintf(fp, " <small>[line %lld]</small>", (long long)a->evidence[i].line);
		fprintf(fp, "</li>\n");
	}
	fprintf(fp, "</ul>\n<h2>What else it could be</h2><ul>\n");
	for (i = 0; i < a->nalternatives; i++) {
		fprintf(fp, "<li>%s (%d %%): ", a->alternatives[i].class_name,
		    a->alternatives[i].confidence);
		html_esc(fp, a->alternatives[i].why);
		fprintf(fp, "</li>\n");
	}
	fprintf(fp, "</ul>\n<h2>What to do</h2><ul id=\"advice\">\n");
	for (i = 0; i < a->nadvice; i++) {
		fprintf(fp, "<li>");
		html_esc(fp, a->advice[i]);
		fprintf(fp, "</li>\n");
	}
	fprintf(fp, "</ul>\n<h2>Summary</h2><table id=\"summary\">\n<tr><td>tool</td><td>");
	html_esc(fp, s->tool ? s->tool : "unknown");
	fprintf(fp, " ");
	html_esc(fp, s->tool_version);
	fprintf(fp, "</td></tr>\n<tr><td>chip</td><td>");
	html_esc(fp, s->chip ? s->chip : "unknown");
	fprintf(fp, "</td></tr>\n<tr><td>loader</td><td>%s</td></tr>\n", s->stub == 1 ?
	    "flasher stub" : s->stub == 0 ? "ROM" : "unknown");
	for (i = 0; i < (size_t)s->nregions; i++)
		fprintf(fp, "<tr><td>region</td><td>0x%08x, %u bytes%s, %s</td></tr>\n",
		    s->regions[i].offset, s->regions[i].size, s->regions[i].compressed ?
		    " compressed" : "", s->regions[i].complete ? "complete" : "incomplete");
	fprintf(fp, "<tr><td>duration</td><td>%.3f s</td></tr>\n<tr><td>frames</td><td>%llu "
	    "(drawn in %d columns per lane)</td></tr>\n<tr><td>retries / reconnects</td>"
	    "<td>%u / %u</td></tr>\n", s->duration_s, (unsigned long long)h->frames, HTML_BINS,
	    s->retries, s->reconnects);
	if (s->faults_total > 0) {
		fprintf(fp, "<tr><td>injected</td><td>scenario ");
		html_esc(fp, s->scenario ? s->scenario : "-");
		fprintf(fp, ", %u FAULT record(s)%s%s</td></tr>\n", s->faults_total,
		    s->injected_class ? " = " : "", s->injected_class ? s->injected_class : "");
	}
	fprintf(fp, "</table>\n<p><small>sliptap analyze, report schema %d</small></p>\n"
	    "</body></html>\n", ANALYZE_SCHEMA_VERSION);
	analyzer_free(an);
	free(h);
	if (ferror(fp)) {
		snprintf(err, errlen, "write error");
		return -1;
	}
	return 0;
fail:
	analyzer_free(an);
	free(h);
	return -1;
}
