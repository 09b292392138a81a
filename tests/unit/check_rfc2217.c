/*
 * check_rfc2217.c — the Telnet / RFC 2217 codec: IAC escaping both ways,
 * option negotiation (no loops, refusals), every COM-PORT-OPTION request the
 * server answers (with the values pySerial's client checks), the client
 * side's view of the answers, and feeding split at every byte boundary
 * giving the same data and answers as feeding whole.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2217.h"

#define IAC	0xff
#define SB	0xfa
#define SE	0xf0
#define WILL	0xfb
#define WONT	0xfc
#define DO	0xfd
#define DONT	0xfe
#define CPO	44

struct sink {
	uint8_t	 out[4096];	/* what the codec sent */
	size_t	 out_len;
	char	 cmds[1024];	/* "code:value " for every command */
	size_t	 cmds_len;
};

static void
sink_out(const uint8_t *buf, size_t len, void *arg)
{
	struct sink *s = arg;

	ck_assert_uint_le(s->out_len + len, sizeof(s->out));
	memcpy(s->out + s->out_len, buf, len);
	s->out_len += len;
}

static void
sink_cmd(const struct rfc2217_cmd *cmd, void *arg)
{
	struct sink *s = arg;

	s->cmds_len += (size_t)snprintf(s->cmds + s->cmds_len, sizeof(s->cmds) - s->cmds_len,
	    "%u:%u ", cmd->code, cmd->value);
}

/* Does the codec's output contain `pat`? */
static int
sink_has(const struct sink *s, const uint8_t *pat, size_t len)
{
	size_t i;

	for (i = 0; i + len <= s->out_len; i++) {
		if (memcmp(s->out + i, pat, len) == 0)
			return 1;
	}
	return 0;
}

START_TEST(test_escape)
{
	const uint8_t in[] = { 1, IAC, 2, IAC, IAC };
	const uint8_t want[] = { 1, IAC, IAC, 2, IAC, IAC, IAC, IAC };
	uint8_t out[16];

	ck_assert_uint_eq(rfc2217_escape(in, sizeof(in), out), sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_uint_eq(rfc2217_escape(in, 0, out), 0);
}
END_TEST

START_TEST(test_feed_data)
{
	struct sink s;
	struct rfc2217 *r;
	/* data, an escaped 0xFF, a NOP in the middle, more data */
	const uint8_t in[] = { 'a', IAC, IAC, 'b', IAC, 241, 'c', 0xc0, 0xdb, 0 };
	const uint8_t want[] = { 'a', IAC, 'b', 'c', 0xc0, 0xdb, 0 };
	uint8_t out[sizeof(in)];

	memset(&s, 0, sizeof(s));
	r = rfc2217_new(RFC2217_ROLE_SERVER, 115200, sink_out, sink_cmd, &s);
	ck_assert_uint_eq(rfc2217_feed(r, in, sizeof(in), out), sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_uint_eq(s.out_len, 0);
	rfc2217_free(r);
}
END_TEST

/* What pySerial's client sends at open, and what it waits for. */
START_TEST(test_negotiation_pyserial)
{
	struct sink s;
	struct rfc2217 *r;
	const uint8_t hello[] = {
		IAC, DO, 1,		/* ECHO: refused */
		IAC, WILL, 3, IAC, DO, 3,	/* SGA */
		IAC, DO, CPO,		/* they-RFC2217 */
		IAC, WILL, CPO,		/* we-RFC2217 */
		IAC, WILL, 24,		/* an option nobody supports */
	};
	const uint8_t wont_echo[] = { IAC, WONT, 1 };
	const uint8_t do_cpo[] = { IAC, DO, CPO };
	const uint8_t will_cpo[] = { IAC, WILL, CPO };
	const uint8_t dont_24[] = { IAC, DONT, 24 };
	const uint8_t modem[] = { IAC, SB, CPO, 107 };
	uint8_t out[64];
	size_t before;

	memset(&s, 0, sizeof(s));
	r = rfc2217_new(RFC2217_ROLE_SERVER, 115200, sink_out, sink_cmd, &s);
	ck_assert_int_eq(rfc2217_active(r), 0);
	rfc2217_feed(r, hello, sizeof(hello), out);
	ck_assert(sink_has(&s, wont_echo, 3));
	ck_assert(sink_has(&s, do_cpo, 3));
	ck_assert(sink_has(&s, will_cpo, 3));
	ck_assert(sink_has(&s, dont_24, 3));
	ck_assert(sink_has(&s, modem, 4));	/* one NOTIFY-MODEMSTATE once agreed */
	ck_assert_int_eq(rfc2217_active(r), 1);
	/* Repeating the requests changes nothing and is not answered again (no loop). */
	before = s.out_len;
	rfc2217_feed(r, hello + 3, 12, out);
	ck_assert_uint_eq(s.out_len, before);
	rfc2217_free(r);
}
END_TEST

/* Our own opening, answered by a peer that agrees: no further traffic. */
START_TEST(test_negotiation_start)
{
	struct sink s;
	struct rfc2217 *r;
	const uint8_t agree[] = {
		IAC, DO, 0, IAC, WILL, 0, IAC, DO, 3, IAC, WILL, 3, IAC, DO, CPO, IAC, WILL, CPO,
	};
	uint8_t out[64];
	size_t before;

	memset(&s, 0, sizeof(s));
	r = rfc2217_new(RFC2217_ROLE_CLIENT, 115200, sink_out, sink_cmd, &s);
	rfc2217_start(r);
	ck_assert_uint_eq(s.out_len, 18);	/* WILL/DO for BINARY, SGA, COM-PORT */
	before = s.out_len;
	rfc2217_feed(r, agree, sizeof(agree), out);
	ck_assert_uint_eq(s.out_len, before);
	ck_assert_int_eq(rfc2217_active(r), 1);
	rfc2217_free(r);
}
END_TEST

/* Server answers: request bytes in, exact answer bytes out. */
static const struct {
	const char *name;
	uint8_t req[16];
	size_t req_len;
	uint8_t ans[16];
	size_t ans_len;
	const char *cmds;
} server_vectors[] = {
	{ "baud 460800", { IAC, SB, CPO, 1, 0x00, 0x07, 0x08, 0x00, IAC, SE }, 10,
	  { IAC, SB, CPO, 101, 0x00, 0x07, 0x08, 0x00, IAC, SE }, 10, "1:460800 " },
	{ "baud query", { IAC, SB, CPO, 1, 0, 0, 0, 0, IAC, SE }, 10,
	  { IAC, SB, CPO, 101, 0x00, 0x01, 0xc2, 0x00, IAC, SE }, 10, "1:0 " },
	{ "baud with 0xFF", { IAC, SB, CPO, 1, 0x00, 0x00, IAC, IAC, 0xff - 1, IAC, SE }, 11,
	  { IAC, SB, CPO, 101, 0x00, 0x00, IAC, IAC, 0xfe, IAC, SE }, 11, "1:65534 " },
	{ "datasize 8", { IAC, SB, CPO, 2, 8, IAC, SE }, 7,
	  { IAC, SB, CPO, 102, 8, IAC, SE }, 7, "2:8 " },
	{ "parity none", { IAC, SB, CPO, 3, 1, IAC, SE }, 7,
	  { IAC, SB, CPO, 103, 1, IAC, SE }, 7, "3:1 " },
	{ "stopsize 1", { IAC, SB, CPO, 4, 1, IAC, SE }, 7,
	  { IAC, SB, CPO, 104, 1, IAC, SE }, 7, "4:1 " },
	{ "no flow", { IAC, SB, CPO, 5, 1, IAC, SE }, 7,
	  { IAC, SB, CPO, 105, 1, IAC, SE }, 7, "5:1 " },
	{ "DTR on", { IAC, SB, CPO, 5, 8, IAC, SE }, 7,
	  { IAC, SB, CPO, 105, 8, IAC, SE }, 7, "5:8 " },
	{ "RTS off", { IAC, SB, CPO, 5, 12, IAC, SE }, 7,
	  { IAC, SB, CPO, 105, 12, IAC, SE }, 7, "5:12 " },
	{ "DTR query", { IAC, SB, CPO, 5, 7, IAC, SE }, 7,
	  { IAC, SB, CPO, 105, 9, IAC, SE }, 7, "5:7 " },
	{ "purge both", { IAC, SB, CPO, 12, 3, IAC, SE }, 7,
	  { IAC, SB, CPO, 112, 3, IAC, SE }, 7, "12:3 " },
	{ "linestate mask", { IAC, SB, CPO, 10, 0x1f, IAC, SE }, 7,
	  { IAC, SB, CPO, 110, 0x1f, IAC, SE }, 7, "10:31 " },
	{ "modemstate mask", { IAC, SB, CPO, 11, 0x30, IAC, SE }, 7,
	  { IAC, SB, CPO, 111, 0x30, IAC, SE }, 7, "11:48 " },
	{ "linestate poll", { IAC, SB, CPO, 6, IAC, SE }, 6,
	  { IAC, SB, CPO, 106, 0, IAC, SE }, 7, "6:0 " },
	{ "modemstate poll", { IAC, SB, CPO, 7, IAC, SE }, 6,
	  { IAC, SB, CPO, 107, 0, IAC, SE }, 7, "7:0 " },
	{ "suspend", { IAC, SB, CPO, 8, IAC, SE }, 6, { 0 }, 0, "8:0 " },
	{ "other option", { IAC, SB, 24, 1, 2, IAC, SE }, 7, { 0 }, 0, "" },
};

static void
run_server_vector(int i, size_t split)
{
	struct sink s;
	struct rfc2217 *r;
	uint8_t out[32];
	size_t j, n = 0;

	memset(&s, 0, sizeof(s));
	r = rfc2217_new(RFC2217_ROLE_SERVER, 115200, sink_out, sink_cmd, &s);
	if (split == 0)
		n = rfc2217_feed(r, server_vectors[i].req, server_vectors[i].req_len, out);
	else {
		for (j = 0; j < server_vectors[i].req_len; j += split) {
			size_t k = server_vectors[i].req_len - j < split ?
			    server_vectors[i].req_len - j : split;

			n += rfc2217_feed(r, server_vectors[i].req + j, k, out);
		}
	}
	ck_assert_msg(n == 0, "%s: data bytes leaked out of a subnegotiation", server_vectors[i].name);
	ck_assert_msg(s.out_len == server_vectors[i].ans_len, "%s: answer is %zu bytes, want %zu",
	    server_vectors[i].name, s.out_len, server_vectors[i].ans_len);
	ck_assert_msg(memcmp(s.out, server_vectors[i].ans, s.out_len) == 0, "%s: wrong answer",
	    server_vectors[i].name);
	ck_assert_str_eq(s.cmds, server_vectors[i].cmds);
	rfc2217_free(r);
}

START_TEST(test_server_vectors)
{
	size_t split;

	for (split = 0; split <= 3; split++)
		run_server_vector(_i, split);
}
END_TEST

START_TEST(test_server_state)
{
	struct sink s;
	struct rfc2217 *r;
	const uint8_t req[] = {
		IAC, SB, CPO, 1, 0x00, 0x0e, 0x10, 0x00, IAC, SE,	/* 921600 */
		IAC, SB, CPO, 5, 8, IAC, SE,			/* DTR on */
		IAC, SB, CPO, 5, 11, IAC, SE,			/* RTS on */
		IAC, SB, CPO, 5, 12, IAC, SE,			/* RTS off */
		IAC, SB, CPO, 8, IAC, SE,			/* suspend */
	};
	const struct rfc2217_port *pt;
	uint8_t out[64];

	memset(&s, 0, sizeof(s));
	r = rfc2217_new(RFC2217_ROLE_SERVER, 115200, sink_out, sink_cmd, &s);
	pt = rfc2217_port(r);
	ck_assert_int_eq(pt->dtr, -1);
	rfc2217_feed(r, req, sizeof(req), out);
	ck_assert_uint_eq(pt->baud, 921600);
	ck_assert_int_eq(pt->dtr, 1);
	ck_assert_int_eq(pt->rts, 0);
	ck_assert_int_eq(pt->suspended, 1);
	ck_assert_str_eq(s.cmds, "1:921600 5:8 5:11 5:12 8:0 ");
	rfc2217_free(r);
}
END_TEST

START_TEST(test_client_side)
{
	struct sink s;
	struct rfc2217 *r;
	const uint8_t ans[] = {
		IAC, SB, CPO, 101, 0x00, 0x07, 0x08, 0x00, IAC, SE,
		IAC, SB, CPO, 105, 8, IAC, SE,
		'x', IAC, IAC, 'y',
		IAC, SB, CPO, 107, 0x30, IAC, SE,
	};
	const uint8_t want_baud[] = { IAC, SB, CPO, 1, 0x00, 0x01, 0xc2, 0x00, IAC, SE };
	const uint8_t want_rts[] = { IAC, SB, CPO, 5, 12, IAC, SE };
	uint8_t out[64];

	memset(&s, 0, sizeof(s));
	r = rfc2217_new(RFC2217_ROLE_CLIENT, 115200, sink_out, sink_cmd, &s);
	rfc2217_client_set_baud(r, 115200);
	rfc2217_client_set_lines(r, -1, 0);
	ck_assert(sink_has(&s, want_baud, sizeof(want_baud)));
	ck_assert(sink_has(&s, want_rts, sizeof(want_rts)));
	ck_assert_uint_eq(rfc2217_feed(r, ans, sizeof(ans), out), 3);
	ck_assert_mem_eq(out, "x\xffy", 3);
	ck_assert_uint_eq(rfc2217_port(r)->baud, 460800);
	ck_assert_int_eq(rfc2217_port(r)->dtr, 1);
	ck_assert_uint_eq(rfc2217_port(r)->modemstate, 0x30);
	ck_assert_str_eq(s.cmds, "101:460800 105:8 107:48 ");
	rfc2217_free(r);
}
END_TEST

/* Garbage never crashes and never loops: random bytes, any split. */
START_TEST(test_fuzz)
{
	struct sink s;
	struct rfc2217 *r;
	uint8_t in[4096], out[4096];
	unsigned seed = 12345;
	size_t i, off, n;
	int round;

	for (round = 0; round < 50; round++) {
		memset(&s, 0, sizeof(s));
		r = rfc2217_new(round & 1 ? RFC2217_ROLE_CLIENT : RFC2217_ROLE_SERVER, 9600,
		    sink_out, sink_cmd, &s);
		for (i = 0; i < sizeof(in); i++) {
			seed = seed * 1103515245 + 12345;
			/* Bias towards telnet bytes so the state machine is exercised. */
			in[i] = (seed >> 16) % 4 == 0 ? (uint8_t)(0xf0 + (seed >> 8) % 16) :
			    (uint8_t)(seed >> 8);
		}
		for (off = 0; off < sizeof(in); off += n) {
			n = 1 + (size_t)(seed % 97);
			if (n > sizeof(in) - off)
				n = sizeof(in) - off;
			ck_assert_uint_le(rfc2217_feed(r, in + off, n, out), n);
			s.out_len = 0;	/* answers may be many; only bounds matter here */
		}
		rfc2217_free(r);
	}
	rfc2217_free(NULL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(rfc2217_code_name(1), "SET-BAUDRATE");
	ck_assert_str_eq(rfc2217_code_name(105), "SERVER-SET-CONTROL");
	ck_assert_str_eq(rfc2217_code_name(112), "SERVER-PURGE-DATA");
	ck_assert_str_eq(rfc2217_code_name(0), "COM-PORT-UNKNOWN");
	ck_assert_str_eq(rfc2217_code_name(200), "COM-PORT-UNKNOWN");
}
END_TEST

static Suite *
rfc2217_suite(void)
{
	Suite *s = suite_create("rfc2217");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_feed_data);
	tcase_add_test(tc, test_negotiation_pyserial);
	tcase_add_test(tc, test_negotiation_start);
	tcase_add_loop_test(tc, test_server_vectors, 0,
	    (int)(sizeof(server_vectors) / sizeof(server_vectors[0])));
	tcase_add_test(tc, test_server_state);
	tcase_add_test(tc, test_client_side);
	tcase_add_test(tc, test_fuzz);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rfc2217_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
