/*
 * check_fault.c — the pure fault engine, driven by a scripted flashing
 * session (SYNC, FLASH_BEGIN of 100 blocks, FLASH_DATA seq 0..99 with
 * their replies, SPI_FLASH_MD5, FLASH_END): trigger matching, action
 * results on the bytes, determinism per seed, NOT_TRIGGERED reporting,
 * pinning, and the burst model's statistics (counted over units, not time).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "fault.h"
#include "scenario.h"
#include "session.h"
#include "slip.h"
#include "units.h"
#include "util.h"

#define HEAD "[scenario]\nname = t\nseed = 1\n[expect]\noutcome = fail-clean\nclass = ACK_STALL\n"
#define NBLOCKS 100
#define MS NS_PER_MS

struct unitbuf {
	uint8_t body[2048];
	size_t body_len;
	uint8_t raw[SLIP_ENCODED_MAX(2048)];
	size_t raw_len;
	struct fault_unit u;
};

static void
mk_unit(struct unitbuf *b, enum link_dir dir, uint64_t now)
{
	b->raw_len = slip_encode(b->body, b->body_len, b->raw);
	memset(&b->u, 0, sizeof(b->u));
	b->u.dir = dir;
	b->u.raw = b->raw;
	b->u.raw_len = b->raw_len;
	b->u.body = b->body;
	b->u.body_len = b->body_len;
	b->u.now = now;
}

static void
mk_cmd(struct unitbuf *b, uint8_t op, const uint8_t *data, size_t len, uint64_t now)
{
	uint32_t chk = 0;

	if (esp_op_has_data_header(op) && len >= ESP_DATA_HDR_LEN)
		chk = esp_checksum(data + ESP_DATA_HDR_LEN, len - ESP_DATA_HDR_LEN);
	b->body_len = esp_command_build(op, data, len, chk, b->body);
	mk_unit(b, LINK_H2D, now);
}

static void
mk_resp(struct unitbuf *b, uint8_t op, const uint8_t *data, size_t len, uint64_t now)
{
	b->body_len = esp_response_build(op, 0, data, len, b->body);
	mk_unit(b, LINK_D2H, now);
}

/* One fired rule as a line: "name@unit#:match#:op:seq". */
struct trace {
	char text[65536];
	size_t len;
	int fired;
	int dropped;
	struct fault_decision last;
	int last_unit_fired;	/* index of the last unit that fired */
	uint8_t out[SLIP_ENCODED_MAX(2048)];
	size_t out_len;
	int out_modified;
};

static void
trace_decision(struct trace *t, int unit, const struct fault_decision *d)
{
	int i;

	for (i = 0; i < d->nfired; i++) {
		t->len += (size_t)snprintf(t->text + t->len, sizeof(t->text) - t->len, "%s@%d#%llu:%s:%d\n",
		    d->fired[i].rule->name, unit, (unsigned long long)d->fired[i].match_no,
		    d->fired[i].have_op ? esp_op_name(d->fired[i].op) : "-",
		    d->fired[i].have_seq ? (int)d->fired[i].seq : -1);
		t->fired++;
	}
	if (d->drop)
		t->dropped++;
	if (d->nfired > 0) {
		t->last = *d;
		t->last_unit_fired = unit;
	}
}

/* Run the scripted session through the engine; `probe` (if >= 0) keeps that unit's output. */
static void
run_session(struct fault_engine *e, struct trace *t, int probe)
{
	static struct unitbuf b;
	struct fault_decision d;
	uint8_t data[16 + ESP_ROM_BLOCK], status[4] = { 0, 0, 0, 0 };
	uint64_t now = 0;
	int unit = 0, seq, k;

	memset(t, 0, sizeof(*t));
#define FEED() do { \
		fault_engine_on_unit(e, &b.u, &d); \
		trace_decision(t, unit, &d); \
		if (unit == probe) { \
			t->out_modified = d.modified; \
			t->out_len = d.modified ? d.len : b.raw_len; \
			memcpy(t->out, d.modified ? d.data : b.raw, t->out_len); \
			t->last = d; \
		} \
		unit++; now += MS; \
	} while (0)

	memset(data, 0x55, 36);
	data[0] = 0x07; data[1] = 0x07; data[2] = 0x12; data[3] = 0x20;
	mk_cmd(&b, ESP_OP_SYNC, data, 36, now); FEED();
	for (k = 0; k < 3; k++) {
		mk_resp(&b, ESP_OP_SYNC, status, 4, now); FEED();
	}
	put_le32(data, NBLOCKS * ESP_ROM_BLOCK);
	put_le32(data + 4, NBLOCKS);
	put_le32(data + 8, ESP_ROM_BLOCK);
	put_le32(data + 12, 0x10000);
	mk_cmd(&b, ESP_OP_FLASH_BEGIN, data, 16, now); FEED();
	mk_resp(&b, ESP_OP_FLASH_BEGIN, status, 4, now); FEED();
	for (seq = 0; seq < NBLOCKS; seq++) {
		put_le32(data, ESP_ROM_BLOCK);
		put_le32(data + 4, (uint32_t)seq);
		put_le32(data + 8, 0);
		put_le32(data + 12, 0);
		memset(data + 16, seq & 0xff, ESP_ROM_BLOCK);
		mk_cmd(&b, ESP_OP_FLASH_DATA, data, 16 + ESP_ROM_BLOCK, now); FEED();
		mk_resp(&b, ESP_OP_FLASH_DATA, status, 4, now); FEED();
	}
	memset(data, 0, 16);
	mk_cmd(&b, ESP_OP_SPI_FLASH_MD5, data, 16, now); FEED();
	{
		uint8_t md5[36];

		memcpy(md5, "0123456789abcdef0123456789abcdef", 32);
		memset(md5 + 32, 0, 4);
		mk_resp(&b, ESP_OP_SPI_FLASH_MD5, md5, 36, now); FEED();
	}
	put_le32(data, 1);
	mk_cmd(&b, ESP_OP_FLASH_END, data, 4, now); FEED();
	mk_resp(&b, ESP_OP_FLASH_END, status, 4, now); FEED();
#undef FEED
}

static void
parse_ok(const char *text, struct scenario *sc)
{
	char err[4096];

	ck_assert_msg(scenario_parse_string("t.ini", text, sc, err, sizeof(err)) == 0, "%s", err);
}

/* ---- trigger matching ----------------------------------------------------- */

static const struct {
	const char *rule;	/* rule body after [rule r] */
	const char *expect;	/* the trace */
} triggers[] = {
	{ "command = FLASH_DATA\nseq = 5\naction = pass\n", "r@16#1:FLASH_DATA:5\n" },
	{ "command = any-flash-data\nseq = 5..6\naction = pass\n",
	  "r@16#1:FLASH_DATA:5\nr@18#2:FLASH_DATA:6\n" },
	/* the reply to block seq 49 is the first reply at 50 % (100 * 50 // 100) */
	{ "response_to = FLASH_DATA\nprogress = 50\naction = pass\n", "r@105#1:FLASH_DATA:49\n" },
	/* the tool prints 93 % before block 92: the ack of block 91 precedes it */
	{ "response_to = any-flash-data\nbefore_progress = 93\naction = pass\n",
	  "r@189#1:FLASH_DATA:91\n" },
	{ "response_to = any-flash-begin\nbefore_progress = 1\naction = pass\n",
	  "r@5#1:FLASH_BEGIN:-1\n" },
	{ "command = FLASH_DATA\nprogress >= 99\naction = pass\n",
	  "r@202#1:FLASH_DATA:98\nr@204#2:FLASH_DATA:99\n" },
	{ "command = FLASH_DATA\noffset = 0x10400\naction = pass\n", "r@8#1:FLASH_DATA:1\n" },
	{ "response_to = SYNC\nnth = 2\naction = pass\n", "r@2#2:SYNC:-1\n" },
	{ "response_to = SYNC\ntimes = 2\naction = pass\n", "r@1#1:SYNC:-1\nr@2#2:SYNC:-1\n" },
	{ "command = FLASH_DATA\nevery = 40\naction = pass\n",
	  "r@84#40:FLASH_DATA:39\nr@164#80:FLASH_DATA:79\n" },
	{ "direction = to-device\nbytes >= 50000\nkind = command\ntimes = 1\naction = pass\n",
	  "r@102#1:FLASH_DATA:48\n" },
	{ "direction = host\ncommand = SPI_FLASH_MD5\naction = pass\n", "r@206#1:SPI_FLASH_MD5:-1\n" },
	{ "response_to = any-end\naction = pass\n", "r@209#1:FLASH_END:-1\n" },
	/* `after` counts from the start (1 ms per unit in this script) */
	{ "command = FLASH_DATA\nafter = 200ms\ntimes = 1\naction = pass\n", "r@200#1:FLASH_DATA:97\n" },
	{ "kind = text\naction = pass\n", "" },
	{ "kind = ohai\naction = pass\n", "" },
};

START_TEST(test_triggers)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *t = calloc(1, sizeof(*t));
	char text[2048];

	snprintf(text, sizeof(text), HEAD "[rule r]\n%s", triggers[_i].rule);
	parse_ok(text, &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, -1);
	ck_assert_str_eq(t->text, triggers[_i].expect);
	fault_engine_free(e);
	scenario_free(&sc);
	free(t);
}
END_TEST

START_TEST(test_after_rule)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *t = calloc(1, sizeof(*t));

	parse_ok(HEAD "[rule a]\ncommand = FLASH_DATA\nseq = 10\naction = pass\n"
	    "[rule b]\nresponse_to = FLASH_DATA\nafter_rule = a\nafter = 5ms\ntimes = 1\naction = drop\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, -1);
	/* a fires at unit 26 (t = 26 ms); b at the first reply 5 ms later or more */
	ck_assert_str_eq(t->text, "a@26#1:FLASH_DATA:10\nb@31#1:FLASH_DATA:12\n");
	fault_engine_free(e);
	scenario_free(&sc);
	free(t);
}
END_TEST

/* ---- action results --------------------------------------------------------- */

/* Decode one SLIP frame (C0 ... C0) into body; returns its length or -1. */
static int
unslip(const uint8_t *raw, size_t len, uint8_t *body)
{
	size_t i, n = 0;

	if (len < 2 || raw[0] != SLIP_END || raw[len - 1] != SLIP_END)
		return -1;
	for (i = 1; i < len - 1; i++) {
		if (raw[i] == SLIP_ESC) {
			i++;
			body[n++] = raw[i] == SLIP_ESC_END ? SLIP_END : SLIP_ESC;
		} else
			body[n++] = raw[i];
	}
	return (int)n;
}

START_TEST(test_corrupt_payload)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *t = calloc(1, sizeof(*t));
	uint8_t body[4096];
	int n, i, diff = 0;
	struct esp_packet p;

	parse_ok(HEAD "[rule r]\ncommand = FLASH_DATA\nseq = 7\naction = corrupt\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, 20);	/* unit 20 = FLASH_DATA seq 7 */
	ck_assert(t->out_modified);
	n = unslip(t->out, t->out_len, body);
	ck_assert_int_eq(n, 8 + 16 + ESP_ROM_BLOCK);
	ck_assert_int_eq(esp_packet_parse(body, (size_t)n, &p), 0);
	/* exactly one bit differs, inside the block data, so the checksum no longer matches */
	for (i = 24; i < n; i++)
		diff += __builtin_popcount(body[i] ^ 7);
	ck_assert_int_eq(diff, 1);
	ck_assert_uint_ne(esp_checksum(p.data + 16, ESP_ROM_BLOCK), p.value);
	ck_assert_ptr_nonnull(strstr(t->last.fired[0].changed, "flipped byte"));
	fault_engine_free(e);
	scenario_free(&sc);
	free(t);
}
END_TEST

START_TEST(test_reply_and_truncate)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *t = calloc(1, sizeof(*t));
	uint8_t body[64];
	struct esp_packet p;
	int n;

	parse_ok(HEAD "[rule r]\ncommand = FLASH_BEGIN\naction = reply\nerror = INVALID_MESSAGE\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, 4);	/* unit 4 = FLASH_BEGIN */
	ck_assert(t->last.drop);
	ck_assert_int_eq(t->last.nsends, 1);
	ck_assert_int_eq(t->last.sends[0].dir, LINK_D2H);
	n = unslip(t->last.sends[0].data, t->last.sends[0].len, body);
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(esp_packet_parse(body, (size_t)n, &p), 0);
	ck_assert_int_eq(p.dir, ESP_DIR_RESPONSE);
	ck_assert_int_eq(p.op, ESP_OP_FLASH_BEGIN);
	ck_assert_int_eq(p.data[0], 1);
	ck_assert_int_eq(p.data[1], ESP_ROM_INVALID_MESSAGE);
	fault_engine_free(e);
	scenario_free(&sc);

	parse_ok(HEAD "[rule r]\nresponse_to = FLASH_BEGIN\naction = truncate\nkeep = 6\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, 5);
	ck_assert(t->out_modified);
	ck_assert_uint_eq(t->out_len, 6);
	ck_assert_int_eq(t->out[0], SLIP_END);
	fault_engine_free(e);
	scenario_free(&sc);

	/* framing: the opening C0 becomes something else */
	parse_ok(HEAD "[rule r]\nresponse_to = FLASH_BEGIN\naction = corrupt\ntarget = framing\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, 5);
	ck_assert(t->out_modified);
	ck_assert_int_ne(t->out[0], SLIP_END);
	ck_assert_int_eq(t->out[t->out_len - 1], SLIP_END);
	fault_engine_free(e);
	scenario_free(&sc);

	/* status rewrite of a device reply */
	parse_ok(HEAD "[rule r]\nresponse_to = FLASH_DATA\nseq = 3\naction = reply\nerror = 0xc1\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, 13);
	ck_assert(t->out_modified);
	ck_assert(!t->last.drop);
	n = unslip(t->out, t->out_len, body);
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(body[8], 1);
	ck_assert_int_eq(body[9], 0xc1);
	fault_engine_free(e);
	scenario_free(&sc);
	free(t);
}
END_TEST

START_TEST(test_link_actions)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *t = calloc(1, sizeof(*t));

	parse_ok(HEAD "[rule w]\nresponse_to = any-flash-data\nbefore_progress = 93\ntimes = 1\n"
	    "action = freeze-host-writes\nduration = 12s\nthen = disconnect\nreappear = 1.5s\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, -1);
	ck_assert_int_eq(t->fired, 1);
	ck_assert(t->last.freeze);
	ck_assert_uint_eq(t->last.freeze_ns, 12000000000ULL);
	ck_assert(t->last.freeze_then_disconnect);
	ck_assert(t->last.reappear);
	ck_assert_uint_eq(t->last.reappear_ns, 1500000000ULL);
	ck_assert(!t->last.drop && !t->last.modified);
	fault_engine_free(e);
	scenario_free(&sc);

	parse_ok(HEAD "[rule d]\ndirection = to-host\nkind = frame\naction = delay\nlatency = 40ms\n"
	    "jitter = 25ms\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, -1);
	ck_assert_int_eq(t->fired, 3 + 1 + NBLOCKS + 2);
	ck_assert_uint_ge(t->last.delay_ns, 15 * MS);
	ck_assert_uint_le(t->last.delay_ns, 65 * MS);
	fault_engine_free(e);
	scenario_free(&sc);
	free(t);
}
END_TEST

START_TEST(test_events)
{
	struct scenario sc;
	struct fault_engine *e;
	struct fault_decision d;

	parse_ok(HEAD "[rule boot]\non = client-open\ntimes = 1\naction = inject\n"
	    "text = rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\\r\\n\n"
	    "[rule rs]\non = reset\nnth = 2\naction = reset\nboot = spi\n"
	    "[rule never]\non = stub-start\naction = pass\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	ck_assert_int_eq(fault_engine_on_event(e, SCENARIO_EV_CLIENT_OPEN, NULL, 0, &d), 1);
	ck_assert_int_eq(d.nsends, 1);
	ck_assert_int_eq(d.sends[0].dir, LINK_D2H);
	ck_assert_uint_eq(d.sends[0].len, 57);
	ck_assert_int_eq(fault_engine_on_event(e, SCENARIO_EV_CLIENT_OPEN, NULL, 1, &d), 0);
	ck_assert_int_eq(fault_engine_on_event(e, SCENARIO_EV_RESET, NULL, 2, &d), 0);
	ck_assert_int_eq(fault_engine_on_event(e, SCENARIO_EV_RESET, NULL, 3, &d), 1);
	ck_assert(d.reset);
	ck_assert_int_eq(d.reset_boot, SCENARIO_BOOT_SPI);
	ck_assert_uint_eq(fault_engine_not_triggered(e), 1);
	fault_engine_free(e);
	scenario_free(&sc);
}
END_TEST

/* ---- determinism, NOT_TRIGGERED, pinning ------------------------------------- */

#define RANDOM_RULES \
	"[rule noise]\ndirection = to-host\nkind = response\nprobability = 10%\naction = corrupt\n" \
	"[rule loss]\ncommand = FLASH_DATA\nburst_enter = 5\nburst_exit = 50\naction = drop\n" \
	"[rule fixed]\ncommand = FLASH_DATA\nseq = 42\naction = duplicate\n"

START_TEST(test_determinism)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)), *c = calloc(1, sizeof(*c));

	parse_ok(HEAD RANDOM_RULES, &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, a, -1);
	fault_engine_free(e);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, b, -1);
	fault_engine_free(e);
	ck_assert_int_gt(a->fired, 3);
	ck_assert_str_eq(a->text, b->text);	/* same seed: same fired sequence */
	e = fault_engine_new(&sc, 1, 2, 0);	/* --seed 2 */
	ck_assert_uint_eq(fault_engine_seed(e), 2);
	run_session(e, c, -1);
	fault_engine_free(e);
	ck_assert_str_ne(a->text, c->text);	/* another seed: other victims */
	ck_assert_ptr_nonnull(strstr(c->text, "fixed@"));	/* deterministic rules stay */
	/* the rule streams are independent: a rule's victims do not depend on other rules */
	scenario_free(&sc);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_stream_independence)
{
	struct scenario sc1, sc2;
	struct fault_engine *e;
	struct trace *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char *p, *q;

	parse_ok(HEAD "[rule noise]\ndirection = to-host\nkind = response\nprobability = 10%\n"
	    "action = pass\n", &sc1);
	parse_ok(HEAD "[rule other]\ncommand = FLASH_DATA\nprobability = 50%\naction = pass\n"
	    "[rule noise]\ndirection = to-host\nkind = response\nprobability = 10%\naction = pass\n", &sc2);
	e = fault_engine_new(&sc1, 0, 0, 0);
	run_session(e, a, -1);
	fault_engine_free(e);
	e = fault_engine_new(&sc2, 0, 0, 0);
	run_session(e, b, -1);
	fault_engine_free(e);
	/* keep only noise@ lines of b */
	for (p = b->text, q = b->text; *p != '\0';) {
		char *nl = strchr(p, '\n');
		size_t l = (size_t)(nl - p) + 1;

		if (strncmp(p, "noise@", 6) == 0) {
			memmove(q, p, l);
			q += l;
		}
		p += l;
	}
	*q = '\0';
	ck_assert_str_eq(a->text, b->text);
	scenario_free(&sc1);
	scenario_free(&sc2);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_not_triggered)
{
	struct scenario sc;
	struct fault_engine *e;
	struct trace *t = calloc(1, sizeof(*t));
	struct fault_rule_report rep;
	char *report;

	parse_ok(HEAD "[rule hit]\ncommand = SYNC\naction = pass\n"
	    "[rule miss]\ncommand = READ_FLASH\naction = drop\n"
	    "[rule unlucky]\ncommand = SYNC\nprobability = 0\naction = drop\n"
	    "[rule maybe]\ncommand = READ_FLASH\noptional = yes\naction = drop\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, t, -1);
	ck_assert_uint_eq(fault_engine_nrules(e), 4);
	ck_assert_uint_eq(fault_engine_not_triggered(e), 2);
	ck_assert_int_eq(fault_engine_rule_report(e, 1, &rep), 0);
	ck_assert(rep.not_triggered);
	ck_assert_uint_eq(rep.matched, 0);
	ck_assert_str_eq(rep.reason,
	    "no READ_FLASH command seen: the tool never uploaded the flasher stub");
	ck_assert_int_eq(fault_engine_rule_report(e, 2, &rep), 0);
	ck_assert(rep.not_triggered);
	ck_assert_uint_eq(rep.matched, 1);
	ck_assert_int_eq(fault_engine_rule_report(e, 3, &rep), 0);
	ck_assert(!rep.not_triggered);
	ck_assert_int_eq(fault_engine_rule_report(e, 4, &rep), -1);
	report = fault_engine_report(e);
	ck_assert_ptr_nonnull(strstr(report, "rule hit: pass fired 1 time (first at SYNC to-device (match 1))\n"));
	ck_assert_ptr_nonnull(strstr(report, "rule miss: NOT_TRIGGERED (no READ_FLASH command seen: "
	    "the tool never uploaded the flasher stub; matched 0)\n"));
	ck_assert_ptr_nonnull(strstr(report, "rule unlucky: NOT_TRIGGERED (matched, but the random draw never fired; matched 1)\n"));
	ck_assert_ptr_nonnull(strstr(report, "rule maybe: not fired (optional)"));
	free(report);
	fault_engine_free(e);
	scenario_free(&sc);
	free(t);
}
END_TEST

/* A flash of `blocks` blocks with `op` (FLASH_DATA or FLASH_DEFL_DATA), stopping after `sent`. */
static void
run_flash(struct fault_engine *e, uint8_t op, uint32_t blocks, uint32_t sent)
{
	static struct unitbuf b;
	struct fault_decision d;
	uint8_t data[16 + 64], status[4] = { 0, 0, 0, 0 };
	uint64_t now = 0;
	uint32_t seq;

	memset(data, 0x55, 36);
	put_le32(data, ESP_SYNC_VALUE);
	mk_cmd(&b, ESP_OP_SYNC, data, 36, now += MS);
	fault_engine_on_unit(e, &b.u, &d);
	mk_resp(&b, ESP_OP_SYNC, status, 4, now += MS);
	fault_engine_on_unit(e, &b.u, &d);
	put_le32(data, blocks * 64);
	put_le32(data + 4, blocks);
	put_le32(data + 8, 64);
	put_le32(data + 12, 0x10000);
	mk_cmd(&b, op == ESP_OP_FLASH_DATA ? ESP_OP_FLASH_BEGIN : ESP_OP_FLASH_DEFL_BEGIN, data, 16,
	    now += MS);
	fault_engine_on_unit(e, &b.u, &d);
	for (seq = 0; seq < sent; seq++) {
		put_le32(data, 64);
		put_le32(data + 4, seq);
		memset(data + 8, 0, 8);
		memset(data + 16, (int)seq, 64);
		mk_cmd(&b, op, data, sizeof(data), now += MS);
		fault_engine_on_unit(e, &b.u, &d);
		mk_resp(&b, op, status, 4, now += MS);
		fault_engine_on_unit(e, &b.u, &d);
	}
}

/* NOT_TRIGGERED says which trigger never held and how close the session came. */
static const struct {
	uint8_t		 op;
	uint32_t	 blocks, sent;
	const char	*rule;
	const char	*reason;
} near_vectors[] = {
	{ ESP_OP_FLASH_DATA, 100, 92, "command = FLASH_DATA\nprogress >= 93\naction = drop\n",
	  "progress reached 92 % at most" },
	{ ESP_OP_FLASH_DEFL_DATA, 100, 100, "command = FLASH_DATA\naction = drop\n",
	  "no FLASH_DATA command seen: the tool used compressed writes (any-flash-data etc. match both)" },
	{ ESP_OP_FLASH_DATA, 10, 10, "response_to = FLASH_DEFL_DATA\naction = drop\n",
	  "no reply to FLASH_DEFL_DATA seen: the tool used plain writes (no compression)" },
	{ ESP_OP_FLASH_DATA, 10, 10, "command = FLASH_DATA\nseq = 20..30\naction = drop\n",
	  "seq reached 9 at most" },
	{ ESP_OP_FLASH_DATA, 10, 10, "command = FLASH_DATA\nprogress <= 5\naction = drop\n",
	  "progress was 10 % at least" },
	{ ESP_OP_FLASH_DATA, 3, 3, "command = FLASH_DATA\nprogress = 50\naction = drop\n",
	  "progress never in 50 %..50 % (33 %..100 % seen)" },
	{ ESP_OP_FLASH_DATA, 10, 10, "command = FLASH_DATA\noffset >= 0x400000\naction = drop\n",
	  "offset reached 0x10240 at most" },
	{ ESP_OP_FLASH_DATA, 10, 10, "response_to = FLASH_DATA\nbefore_progress = 100\n"
	  "seq <= 2\naction = drop\n", "the next block's progress reached 40 % at most" },
	{ ESP_OP_FLASH_DATA, 10, 10, "on = stub-start\naction = reset\n",
	  "its event (stub-start) never happened" },
	{ ESP_OP_FLASH_DATA, 10, 10, "command = SYNC\nafter = 10s\naction = drop\n",
	  "units matched its triggers only before after = 10000 ms" },
	{ ESP_OP_FLASH_DATA, 10, 10, "direction = to-host\nkind = ohai\naction = drop\n",
	  "no unit of kind ohai went that way" },
	{ ESP_OP_FLASH_DATA, 10, 10, "command = MEM_DATA\naction = drop\n",
	  "no MEM_DATA command seen: the tool never uploaded the flasher stub" },
	/* a zero-length write has no blocks and so no progress (esp_progress_percent: -1) */
	{ ESP_OP_FLASH_DATA, 0, 1, "command = FLASH_DATA\nprogress >= 0\naction = drop\n",
	  "no flash block seen (progress counts FLASH_DATA and FLASH_DEFL_DATA blocks)" },
};

START_TEST(test_not_triggered_near)
{
	struct scenario sc;
	struct fault_engine *e;
	struct fault_rule_report rep;
	char text[1024];

	snprintf(text, sizeof(text), HEAD "[rule r]\n%s", near_vectors[_i].rule);
	parse_ok(text, &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_flash(e, near_vectors[_i].op, near_vectors[_i].blocks, near_vectors[_i].sent);
	ck_assert_int_eq(fault_engine_rule_report(e, 0, &rep), 0);
	ck_assert(rep.not_triggered);
	ck_assert_uint_eq(rep.matched, 0);
	ck_assert_str_eq(rep.reason, near_vectors[_i].reason);
	fault_engine_free(e);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_pin)
{
	struct scenario sc, pinned;
	struct fault_engine *e;
	struct trace *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char *text, err[4096];
	size_t i;

	parse_ok(HEAD "[expect esptool<4]\noutcome = hang\nmessage = a |\n  b\n"
	    RANDOM_RULES "[rule never]\ncommand = SYNC\nprobability = 0.0000001\naction = drop\n", &sc);
	e = fault_engine_new(&sc, 1, 77, 0);
	run_session(e, a, -1);
	text = fault_engine_pin(e);
	fault_engine_free(e);
	ck_assert_int_eq(scenario_parse_string("pinned.ini", text, &pinned, err, sizeof(err)), 0);
	ck_assert_uint_eq(pinned.seed, 77);
	ck_assert_ptr_nonnull(strstr(text, "; fired at FLASH_DATA seq "));
	for (i = 0; i < pinned.nrules; i++)
		ck_assert(!scenario_rule_random(&pinned.rules[i]));
	ck_assert(scenario_rule_find(&pinned, "never")->optional);
	ck_assert_uint_eq(pinned.noverrides, 1);
	ck_assert_int_eq(pinned.overrides[0].outcome, SCENARIO_OUT_HANG);
	ck_assert_str_eq(pinned.overrides[0].message, "a | b");
	/* with any seed, the pinned file fires where the random run did */
	e = fault_engine_new(&pinned, 1, 12345, 0);
	run_session(e, b, -1);
	ck_assert_str_eq(a->text, b->text);
	ck_assert_uint_eq(fault_engine_not_triggered(e), 0);
	fault_engine_free(e);
	scenario_free(&pinned);
	scenario_free(&sc);
	free(text);
	free(a);
	free(b);
}
END_TEST

/* A pin list longer than a line goes on continuation lines. */
START_TEST(test_pin_long)
{
	struct scenario sc, pinned;
	struct fault_engine *e;
	struct trace *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char *text, err[4096];

	parse_ok(HEAD "[rule many]\nkind = command\nprobability = 60%\naction = pass\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	run_session(e, a, -1);
	ck_assert_int_gt(a->fired, 40);
	text = fault_engine_pin(e);
	fault_engine_free(e);
	ck_assert_msg(scenario_parse_string("pinned.ini", text, &pinned, err, sizeof(err)) == 0, "%s\n%s",
	    err, text);
	e = fault_engine_new(&pinned, 0, 0, 0);
	run_session(e, b, -1);
	ck_assert_str_eq(a->text, b->text);
	fault_engine_free(e);
	scenario_free(&pinned);
	scenario_free(&sc);
	free(text);
	free(a);
	free(b);
}
END_TEST

/* ---- the burst model ---------------------------------------------------------- */

START_TEST(test_burst_stats)
{
	struct scenario sc;
	struct fault_engine *e;
	struct fault_decision d;
	struct fault_unit u;
	const uint8_t text[] = "x";
	int i, n = 200000, fired = 0, bursts = 0, prev = 0;
	double frac, mean;

	/* stationary bad fraction pe / (pe + px) = 5 / 30; mean burst length 1 / px = 4 */
	parse_ok(HEAD "[rule b]\nkind = text\nburst_enter = 5%\nburst_exit = 25%\naction = drop\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	memset(&u, 0, sizeof(u));
	u.dir = LINK_D2H;
	u.outside = 1;
	u.raw = text;
	u.raw_len = 1;
	for (i = 0; i < n; i++) {
		int f = fault_engine_on_unit(e, &u, &d) > 0;

		fired += f;
		if (f && !prev)
			bursts++;
		prev = f;
	}
	frac = (double)fired / n;
	mean = (double)fired / bursts;
	ck_assert_msg(frac > 0.14 && frac < 0.19, "bad fraction %f", frac);
	ck_assert_msg(mean > 3.5 && mean < 4.5, "mean burst %f", mean);
	fault_engine_free(e);
	scenario_free(&sc);

	/* plain probability: about 2 % */
	parse_ok(HEAD "[rule p]\nkind = text\nprobability = 2%\naction = drop\n", &sc);
	e = fault_engine_new(&sc, 0, 0, 0);
	for (fired = 0, i = 0; i < n; i++)
		fired += fault_engine_on_unit(e, &u, &d) > 0;
	frac = (double)fired / n;
	ck_assert_msg(frac > 0.017 && frac < 0.023, "fraction %f", frac);
	fault_engine_free(e);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_stream_seed)
{
	uint64_t s = 0;

	/* splitmix64 reference values (seed 0) */
	ck_assert_uint_eq(fault_splitmix64(&s), 0xe220a8397b1dcdafULL);
	ck_assert_uint_eq(fault_splitmix64(&s), 0x6e789e6aa1b965f4ULL);
	ck_assert_uint_ne(fault_stream_seed(1, "a", "fire"), fault_stream_seed(1, "b", "fire"));
	ck_assert_uint_ne(fault_stream_seed(1, "a", "fire"), fault_stream_seed(2, "a", "fire"));
	ck_assert_uint_ne(fault_stream_seed(1, "a", "fire"), fault_stream_seed(1, "a", "act"));
	ck_assert_uint_eq(fault_stream_seed(1, "a", "fire"), fault_stream_seed(1, "a", "fire"));
}
END_TEST

static Suite *
fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_triggers, 0, (int)(sizeof(triggers) / sizeof(triggers[0])));
	tcase_add_test(tc, test_after_rule);
	tcase_add_test(tc, test_corrupt_payload);
	tcase_add_test(tc, test_reply_and_truncate);
	tcase_add_test(tc, test_link_actions);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_stream_independence);
	tcase_add_test(tc, test_not_triggered);
	tcase_add_loop_test(tc, test_not_triggered_near, 0,
	    (int)(sizeof(near_vectors) / sizeof(near_vectors[0])));
	tcase_add_test(tc, test_pin);
	tcase_add_test(tc, test_pin_long);
	tcase_add_test(tc, test_burst_stats);
	tcase_add_test(tc, test_stream_seed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
