/*
 * check_run.c — the runner's pure parts: tool specs, the command line each
 * esptool version spells, banners, the outcome logic and verdicts, shards,
 * result lines read back, JUnit escaping.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "scenario.h"

/* ---- tools ---- */

static char *
argv_join(char **argv)
{
	static char buf[4096];
	size_t o = 0;
	char **p;

	buf[0] = '\0';
	for (p = argv; *p != NULL; p++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? " " : "", *p);
	return buf;
}

static const struct {
	const char *version;
	int stub, compress;
	uint32_t baud;
	const char *stubver;
	const char *want;
} argv_cases[] = {
	{ "3.3.2", 0, 0, 0, NULL,
	  "py e.py --port P --chip esp32s3 --before no_reset --after no_reset --no-stub write_flash -u 0x10000 img" },
	{ "4.9.1", -1, -1, 460800, NULL,
	  "py e.py --port P --chip esp32s3 --before no_reset --after no_reset --baud 460800 write_flash 0x10000 img" },
	{ "5.1.0", 0, 0, 0, "1",
	  "py e.py --port P --chip esp32s3 --before no-reset --after no-reset --no-stub write-flash --no-compress 0x10000 img" },
	{ "5.3.1", 1, 1, 0, "1",
	  "py e.py --port P --chip esp32s3 --before no-reset --after no-reset --stub-version 1 write-flash 0x10000 img" },
	{ "4.10.0", -1, 0, 0, NULL,
	  "py e.py --port P --chip esp32s3 --before no_reset --after no_reset write_flash -u 0x10000 img" },
};

START_TEST(test_argv_esptool)
{
	struct run_tool t;
	struct run_flash f = { "P", "esp32s3", "img", 0x10000, 0, -1, -1, 60, NULL };
	char err[256], **argv;

	ck_assert_int_eq(run_tool_parse("esptool:e.py", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t.kind, RUN_TOOL_ESPTOOL);
	snprintf(t.version, sizeof(t.version), "%s", argv_cases[_i].version);
	f.stub = argv_cases[_i].stub;
	f.compress = argv_cases[_i].compress;
	f.baud = argv_cases[_i].baud;
	f.stub_version = argv_cases[_i].stubver;
	ck_assert_int_gt(run_tool_argv(&t, &f, "py", "node", &argv, err, sizeof(err)), 0);
	ck_assert_str_eq(argv_join(argv), argv_cases[_i].want);
	run_argv_free(argv);
	run_tool_free(&t);
}
END_TEST

START_TEST(test_argv_js_and_template)
{
	struct run_tool t;
	struct run_flash f = { "/tmp/p", "esp32", "i.bin", 0x10000, 0, 0, 0, 90, NULL };
	char err[256], **argv;

	ck_assert_int_eq(run_tool_parse("js=esptool-js", &t, err, sizeof(err)), 0);
	ck_assert_str_eq(t.label, "js");
	t.path = strdup("/x/flash.mjs");
	ck_assert_int_gt(run_tool_argv(&t, &f, "py", "node", &argv, err, sizeof(err)), 0);
	ck_assert_str_eq(argv_join(argv), "node /x/flash.mjs --port /tmp/p --chip esp32 --before no_reset "
	    "--after no_reset --timeout 90 --no-stub --no-compress write_flash 0x10000 i.bin");
	run_argv_free(argv);
	run_tool_free(&t);

	ck_assert_int_eq(run_tool_parse("mine=flasher -p {port} --chip={chip} {offset} {image} -b {baud}",
	    &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t.kind, RUN_TOOL_TEMPLATE);
	ck_assert_str_eq(t.label, "mine");
	ck_assert_int_eq(run_tool_argv(&t, &f, "py", "node", &argv, err, sizeof(err)), 8);
	ck_assert_str_eq(argv_join(argv), "flasher -p /tmp/p --chip=esp32 0x10000 i.bin -b 115200");
	run_argv_free(argv);
	run_tool_free(&t);

	ck_assert_int_eq(run_tool_parse("flasher {port} {speed}", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(run_tool_argv(&t, &f, "py", "node", &argv, err, sizeof(err)), -1);
	ck_assert_ptr_null(argv);
	ck_assert_ptr_nonnull(strstr(err, "{speed}"));
	run_tool_free(&t);
}
END_TEST

START_TEST(test_tool_parse_errors)
{
	struct run_tool t;
	char err[256];

	ck_assert_int_eq(run_tool_parse("esptool:", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(run_tool_parse("flasher --no-port", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "{port}"));
	ck_assert_int_eq(run_tool_parse("", &t, err, sizeof(err)), -1);
	/* "a=b" inside a template word is not a label */
	ck_assert_int_eq(run_tool_parse("env X=1 flasher {port}", &t, err, sizeof(err)), 0);
	ck_assert_str_eq(t.words[0], "env");
	ck_assert_str_eq(t.label, "env");
	run_tool_free(&t);
	setenv("HOME", "/home/q", 1);
	ck_assert_int_eq(run_tool_parse("e4.9=esptool:~/esptool/v4.9.1/esptool.py", &t, err, sizeof(err)), 0);
	ck_assert_str_eq(t.label, "e4.9");
	ck_assert_str_eq(t.path, "/home/q/esptool/v4.9.1/esptool.py");
	run_tool_free(&t);
}
END_TEST

START_TEST(test_banner)
{
	char c[32], v[32];
	const char *t1 = "\x1b[0;33mWarning:\x1b[0m DEPRECATED\nesptool v5.1.0\n5.1.0\n";

	ck_assert_int_eq(run_banner_parse("esptool.py v4.9.1\n4.9.1\n", 24, c, sizeof(c), v, sizeof(v)), 1);
	ck_assert_str_eq(c, "esptool");
	ck_assert_str_eq(v, "4.9.1");
	ck_assert_int_eq(run_banner_parse(t1, strlen(t1), c, sizeof(c), v, sizeof(v)), 1);
	ck_assert_str_eq(v, "5.1.0");
	ck_assert_int_eq(run_banner_parse("esptool.js\nSerial port\n", 22, c, sizeof(c), v, sizeof(v)), 1);
	ck_assert_str_eq(c, "esptool-js");
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(run_banner_parse("my esptool v1\nesptool vX\n", 25, c, sizeof(c), v, sizeof(v)), 0);
	ck_assert_int_lt(run_version_cmp("4.9.1", "4.10"), 0);
	ck_assert_int_gt(run_version_cmp("5.0", "4.99.9"), 0);
	ck_assert_int_eq(run_version_cmp("5.3", "5.3.0"), 0);
	ck_assert_int_lt(run_version_cmp("5.2.9", "5.3"), 0);
}
END_TEST

/* ---- text ---- */

START_TEST(test_text)
{
	const char *log = "Writing at 0x00010000... (6 %)\rWriting at 0x0004b800... (93 %)\n"
	    "Traceback (most recent call last):\n  File \"x\"\n"
	    "serial.serialutil.SerialTimeoutException: Write timeout\n";
	const char *js = "Writing at 0x10000... (12%)\nerror: Failed to connect with the device\n";
	char line[160];

	ck_assert_int_eq(run_last_progress(log, strlen(log), line, sizeof(line)), 93);
	ck_assert_str_eq(line, "Writing at 0x0004b800... (93 %)");
	ck_assert_int_eq(run_last_progress(js, strlen(js), line, sizeof(line)), 12);
	ck_assert_int_eq(run_last_progress("nothing\n", 8, line, sizeof(line)), -1);
	{
		const char *v5 = "\rWriting at 0x00013ff9 [=====>   ]  48.1% 16384/34080 bytes... "
		    "\rWriting at 0x0004b800 [========>]  93.7% 245760/262144 bytes... \n";
		char col[] = "\x1b[1;31mA fatal error occurred: X\x1b[0m\n\x1b[K";
		size_t n;

		ck_assert_int_eq(run_last_progress(v5, strlen(v5), line, sizeof(line)), 93);
		n = run_text_clean(col, strlen(col));
		ck_assert_str_eq(col, "A fatal error occurred: X\n");
		ck_assert_uint_eq(n, strlen(col));
	}
	ck_assert_int_eq(run_final_error(log, strlen(log), line, sizeof(line)), 1);
	ck_assert_str_eq(line, "serial.serialutil.SerialTimeoutException: Write timeout");
	ck_assert_int_eq(run_final_error(js, strlen(js), line, sizeof(line)), 1);
	ck_assert_str_eq(line, "error: Failed to connect with the device");
	ck_assert_int_eq(run_message_match(log, strlen(log), "Nope | Write timeout"), 1);
	ck_assert_int_eq(run_message_match(log, strlen(log), "Nope | Other"), 0);
	ck_assert_int_eq(run_message_match(log, strlen(log), "WRITE TIMEOUT"), 1);
	ck_assert_int_eq(run_message_match(log, strlen(log), " | "), 0);
	ck_assert_int_eq(run_message_match(log, strlen(log), NULL), 0);
}
END_TEST

/* ---- judging ---- */

static const char scen_text[] =
"[scenario]\nname = t\nseed = 5\n"
"[expect]\noutcome = fail-clean\nclass = NO_RESPONSE\nmessage = Failed to connect | No serial data\n"
"[rule a]\ndirection = to-host\naction = drop\n"
"[rule b]\ndirection = to-host\naction = drop\noptional = yes\n";

struct judge_case {
	const char *name;
	const char *outcome;	/* expectation override, NULL = file's */
	const char *known_bug;
	int exit_status, hung, flash_checked, flash_match, seed_recorded, started;
	const char *log, *fired, *harness;
	unsigned nfaults;
	enum scenario_outcome want_outcome;
	enum run_verdict want;
};

static const struct judge_case judge_cases[] = {
	{ "clean failure", NULL, NULL, 2, 0, 1, 0, 1, 1, "A fatal error occurred: Failed to connect\n", "a", NULL, 3,
	  SCENARIO_OUT_FAIL_CLEAN, RUN_MATCH },
	{ "wrong message", NULL, NULL, 2, 0, 1, 0, 1, 1, "error: something else\n", "a", NULL, 3,
	  SCENARIO_OUT_FAIL_DIRTY, RUN_MISMATCH },
	{ "traceback", NULL, NULL, 1, 0, 1, 0, 1, 1, "Traceback (most recent call last):\nFailed to connect\n", "a", NULL, 1,
	  SCENARIO_OUT_FAIL_DIRTY, RUN_MISMATCH },
	{ "rule never fired", NULL, NULL, 2, 0, 1, 0, 1, 1, "Failed to connect\n", "b", NULL, 0,
	  SCENARIO_OUT_FAIL_CLEAN, RUN_NOT_TRIGGERED },
	{ "no seed in capture", NULL, NULL, 2, 0, 1, 0, 0, 1, "Failed to connect\n", "a", NULL, 1,
	  SCENARIO_OUT_FAIL_CLEAN, RUN_NOT_TRIGGERED },
	{ "pass where failure expected", NULL, NULL, 0, 0, 1, 1, 1, 1, "Hash of data verified.\n", "a", NULL, 1,
	  SCENARIO_OUT_PASS, RUN_MISMATCH },
	{ "silent corruption", "silent-corruption", NULL, 0, 0, 1, 0, 1, 1, "Hash of data verified.\n", "a", NULL, 1,
	  SCENARIO_OUT_SILENT_CORRUPTION, RUN_MATCH },
	{ "corruption where a pass is expected", "pass", NULL, 0, 0, 1, 0, 1, 1, "Hash of data verified.\n", "a", NULL, 1,
	  SCENARIO_OUT_SILENT_CORRUPTION, RUN_MISMATCH },
	{ "recovered", "recovered", NULL, 0, 0, 1, 1, 1, 1, "Failed to connect once, then ok\n", "a", NULL, 2,
	  SCENARIO_OUT_RECOVERED, RUN_MATCH },
	{ "hang expected", "hang", NULL, -1, 1, 0, 0, 1, 1, "Failed to connect\n", "a", NULL, 1,
	  SCENARIO_OUT_HANG, RUN_MATCH },
	{ "hang unexpected", NULL, NULL, -1, 1, 0, 0, 1, 1, "", "a", NULL, 1,
	  SCENARIO_OUT_HANG, RUN_HARNESS_ERROR },
	{ "harness", NULL, NULL, -1, 0, 0, 0, 0, 0, "", "", "the proxy did not get ready", 0,
	  SCENARIO_OUT_NONE, RUN_HARNESS_ERROR },
	{ "known bug mismatch", NULL, "https://x/1", 2, 0, 1, 0, 1, 1, "error: other\n", "a", NULL, 1,
	  SCENARIO_OUT_FAIL_DIRTY, RUN_KNOWN },
	{ "known bug matched", NULL, "https://x/1", 2, 0, 1, 0, 1, 1, "Failed to connect\n", "a", NULL, 1,
	  SCENARIO_OUT_FAIL_CLEAN, RUN_XPASS },
};

START_TEST(test_judge)
{
	const struct judge_case *jc = &judge_cases[_i];
	struct scenario sc;
	struct scenario_expect ex;
	struct run_observed ob;
	struct run_judgement j;
	char err[1024];

	ck_assert_msg(scenario_parse_string("t.ini", scen_text, &sc, err, sizeof(err)) == 0, "%s", err);
	scenario_expect_for(&sc, "esptool", "4.9.1", &ex);
	if (jc->outcome != NULL) {
		ex.outcome = !strcmp(jc->outcome, "hang") ? SCENARIO_OUT_HANG :
		    !strcmp(jc->outcome, "pass") ? SCENARIO_OUT_PASS :
		    !strcmp(jc->outcome, "recovered") ? SCENARIO_OUT_RECOVERED : SCENARIO_OUT_SILENT_CORRUPTION;
		ex.message = NULL;
	}
	ex.known_bug = jc->known_bug;
	memset(&ob, 0, sizeof(ob));
	ob.started = jc->started;
	ob.exit_status = jc->exit_status;
	ob.hung = jc->hung;
	ob.flash_checked = jc->flash_checked;
	ob.flash_match = jc->flash_match;
	ob.seed_recorded = jc->seed_recorded;
	ob.log = jc->log;
	ob.loglen = strlen(jc->log);
	ob.fired = jc->fired;
	ob.nfaults = jc->nfaults;
	ob.harness_error = jc->harness;
	run_judge(&sc, &ex, &ob, &j);
	ck_assert_msg(j.outcome == jc->want_outcome, "%s: outcome %s", jc->name,
	    scenario_outcome_name(j.outcome));
	ck_assert_msg(j.verdict == jc->want, "%s: verdict %s (%s)", jc->name, run_verdict_name(j.verdict), j.why);
	if (j.verdict != RUN_MATCH)
		ck_assert_msg(j.why[0] != '\0', "%s: no reason", jc->name);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_judge_progress_and_plain)
{
	struct scenario_expect ex = { SCENARIO_OUT_FAIL_CLEAN, NULL, "Write timeout", NULL, 93 };
	struct run_observed ob;
	struct run_judgement j;
	const char *log = "Writing at 0x1... (90 %)\nA serial exception error occurred: Write timeout\n";

	memset(&ob, 0, sizeof(ob));
	ob.started = 1;
	ob.exit_status = 1;
	ob.log = log;
	ob.loglen = strlen(log);
	run_judge(NULL, &ex, &ob, &j);
	ck_assert_int_eq(j.verdict, RUN_MISMATCH);
	ck_assert_ptr_nonnull(strstr(j.why, "last progress 90 %, expected 93 %"));
	ck_assert_str_eq(j.final_error, "A serial exception error occurred: Write timeout");
	/* no scenario, no expectation: a plain pass */
	ob.exit_status = 0;
	ob.flash_checked = ob.flash_match = 1;
	run_judge(NULL, NULL, &ob, &j);
	ck_assert_int_eq(j.verdict, RUN_MATCH);
	ck_assert_int_eq(j.outcome, SCENARIO_OUT_PASS);
	ck_assert_int_eq(run_verdict_exit(RUN_MATCH), 0);
	ck_assert_int_eq(run_verdict_exit(RUN_HARNESS_ERROR), 6);
	ck_assert_int_eq(run_verdict_parse("NOT_TRIGGERED"), RUN_NOT_TRIGGERED);
	ck_assert_int_eq(run_verdict_parse("nope"), -1);
}
END_TEST

/* ---- shards, records, XML ---- */

START_TEST(test_shard)
{
	unsigned k, n, s, hits[4] = { 0 };
	size_t i;

	ck_assert_int_eq(run_shard_parse("2/3", &k, &n), 0);
	ck_assert_uint_eq(k, 2);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(run_shard_parse("0/3", &k, &n), -1);
	ck_assert_int_eq(run_shard_parse("4/3", &k, &n), -1);
	ck_assert_int_eq(run_shard_parse("1/", &k, &n), -1);
	ck_assert_int_eq(run_shard_parse("1/2x", &k, &n), -1);
	/* every run in exactly one shard */
	for (i = 0; i < 100; i++) {
		unsigned owners = 0;

		for (s = 1; s <= 3; s++) {
			if (run_shard_take(i, s, 3)) {
				owners++;
				hits[s]++;
			}
		}
		ck_assert_uint_eq(owners, 1);
	}
	ck_assert_uint_eq(hits[1] + hits[2] + hits[3], 100);
	ck_assert_uint_ge(hits[3], 33);
}
END_TEST

START_TEST(test_record_roundtrip)
{
	struct run_result r;
	struct run_record rec;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&r, 0, sizeof(r));
	r.scenario = (char *)"no-response";
	r.scenario_file = (char *)"scenarios/no-response.ini";
	r.tool = (char *)"e4.9";
	r.client = (char *)"esptool";
	r.version = (char *)"4.9.1";
	r.seed = 10;
	r.j.verdict = RUN_KNOWN;
	r.j.outcome = SCENARIO_OUT_FAIL_CLEAN;
	snprintf(r.j.why, sizeof(r.j.why), "a \"quoted\"\\ reason\nwith\ta tab \x01");
	r.expected = SCENARIO_OUT_FAIL_CLEAN;
	r.fired = (char *)"a b";
	r.wire_class = (char *)"NO_RESPONSE";
	r.wire_evidence = (char *)"";
	r.flash = (char *)"match";
	r.repro = (char *)"sliptap run --scenario 'x y.ini' --seed 10 --tool e4.9=esptool:/e.py";
	r.seconds = 1.5;
	f = open_memstream(&buf, &len);
	run_result_json(f, &r);
	fclose(f);
	ck_assert_int_eq(run_record_parse(buf, &rec), 0);
	ck_assert_str_eq(rec.scenario, "no-response");
	ck_assert_str_eq(rec.verdict, "KNOWN");
	ck_assert_str_eq(rec.why, r.j.why);
	ck_assert_str_eq(rec.repro, r.repro);
	ck_assert_str_eq(rec.fired, "a b");
	ck_assert(rec.seed == 10);
	ck_assert(rec.seconds > 1.4 && rec.seconds < 1.6);
	run_record_free(&rec);
	free(buf);

	ck_assert_int_eq(run_record_parse("{\"scenario\":\"x\"", &rec), -1);
	ck_assert_int_eq(run_record_parse("{\"scenario\":\"x\",\"tool\":\"t\",\"verdict\":\"BAD\"}", &rec), -1);
	ck_assert_int_eq(run_record_parse("not json", &rec), -1);
	ck_assert_int_eq(run_record_parse("{\"scenario\":\"x\",\"tool\":\"t\",\"verdict\":\"MATCH\",\"a\":\"\\", &rec), -1);
}
END_TEST

START_TEST(test_junit)
{
	struct run_record a, b, c;
	struct run_record *recs[3] = { &a, &b, &c };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(run_record_parse("{\"scenario\":\"s<1>\",\"tool\":\"js\",\"verdict\":\"KNOWN\",\"why\":\"a&b\"}", &a), 0);
	ck_assert_int_eq(run_record_parse("{\"scenario\":\"s2\",\"tool\":\"py\",\"verdict\":\"NOT_TRIGGERED\"}", &b), 0);
	ck_assert_int_eq(run_record_parse("{\"scenario\":\"s3\",\"tool\":\"js\",\"verdict\":\"MISMATCH\"}", &c), 0);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(run_junit_write(f, recs, 3), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "<testsuite name=\"js\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""));
	ck_assert_ptr_nonnull(strstr(buf, "<testsuite name=\"py\" tests=\"1\" failures=\"0\" errors=\"1\""));
	ck_assert_ptr_nonnull(strstr(buf, "name=\"s&lt;1&gt;\""));
	ck_assert_ptr_nonnull(strstr(buf, "<skipped message=\"KNOWN: a&amp;b\"/>"));
	ck_assert_ptr_nonnull(strstr(buf, "<error type=\"NOT_TRIGGERED\""));
	ck_assert_ptr_null(strstr(buf, "a&b"));
	free(buf);
	run_record_free(&a);
	run_record_free(&b);
	run_record_free(&c);
}
END_TEST

static Suite *
run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");

	tcase_add_loop_test(tc, test_argv_esptool, 0, sizeof(argv_cases) / sizeof(argv_cases[0]));
	tcase_add_test(tc, test_argv_js_and_template);
	tcase_add_test(tc, test_tool_parse_errors);
	tcase_add_test(tc, test_banner);
	tcase_add_test(tc, test_text);
	tcase_add_loop_test(tc, test_judge, 0, sizeof(judge_cases) / sizeof(judge_cases[0]));
	tcase_add_test(tc, test_judge_progress_and_plain);
	tcase_add_test(tc, test_shard);
	tcase_add_test(tc, test_record_roundtrip);
	tcase_add_test(tc, test_junit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(run_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
