/*
 * check_scenario.c — the scenario-file parser.
 *
 * Every file in scenarios/ must parse (the directory is read at test time,
 * so a new library file is covered without touching this test); a table of
 * bad files must give exactly the expected first "file:line: message";
 * values (durations, percentages, ranges, ops, nth lists, inject text)
 * parse to the documented numbers.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "esp.h"
#include "scenario.h"
#include "units.h"

#define HEAD "[scenario]\nname = t\n[expect]\noutcome = fail-clean\nclass = ACK_STALL\n"

/* ---- the library ------------------------------------------------------ */

START_TEST(test_library)
{
	DIR *d;
	struct dirent *de;
	char path[1024], err[8192];
	struct scenario sc;
	int n = 0, classes_seen = 0;
	size_t len;

	d = opendir("scenarios");
	ck_assert_msg(d != NULL, "run from the source tree: scenarios/ not found");
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		snprintf(path, sizeof(path), "scenarios/%s", de->d_name);
		ck_assert_msg(scenario_parse_file(path, &sc, err, sizeof(err)) == 0, "%s", err);
		ck_assert_ptr_nonnull(sc.name);
		ck_assert_ptr_nonnull(sc.summary);
		ck_assert_msg(sc.outcome != SCENARIO_OUT_NONE, "%s: no outcome", path);
		ck_assert_msg(scenario_class_valid(sc.class), "%s: class", path);
		ck_assert_msg(sc.have_seed, "%s: library scenarios carry a seed", path);
		ck_assert_msg(sc.have_deadline, "%s: library scenarios carry a deadline", path);
		/* the file name is the scenario name */
		ck_assert_msg(strncmp(de->d_name, sc.name, len - 4) == 0 && strlen(sc.name) == len - 4,
		    "%s: name %s differs from the file name", path, sc.name);
		ck_assert_uint_ge(sc.nrules, 1);
		if (strcmp(sc.class, "WRITE_TIMEOUT") == 0)
			classes_seen++;
		scenario_free(&sc);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 12);
	ck_assert_int_ge(classes_seen, 1);
}
END_TEST

START_TEST(test_write_timeout_93)
{
	struct scenario sc;
	char err[4096];
	const struct scenario_rule *r;

	ck_assert_msg(scenario_parse_file("scenarios/esp32s3-write-timeout-93.ini", &sc, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(sc.class, "WRITE_TIMEOUT");
	ck_assert_int_eq(sc.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_int_eq(sc.last_progress, 93);
	ck_assert_int_eq(sc.flash.stub, 0);
	ck_assert_str_eq(sc.flash.chip, "esp32s3");
	ck_assert_uint_eq(sc.nrules, 1);
	r = &sc.rules[0];
	ck_assert_int_eq(r->action, SCENARIO_ACT_FREEZE);
	ck_assert_int_eq(r->before_progress, 93);
	ck_assert_int_eq(r->then, SCENARIO_THEN_DISCONNECT);
	ck_assert_uint_eq(r->duration_ns, 12000000000ULL);
	ck_assert(r->have_response_to);
	ck_assert(r->response_to[ESP_OP_FLASH_DATA / 8] & (1u << (ESP_OP_FLASH_DATA % 8)));
	ck_assert(r->response_to[ESP_OP_FLASH_DEFL_DATA / 8] & (1u << (ESP_OP_FLASH_DEFL_DATA % 8)));
	scenario_free(&sc);
	scenario_free(&sc);	/* twice is harmless */
}
END_TEST

/* ---- bad files: exact first message ------------------------------------ */

static const struct {
	const char *text;
	const char *first;	/* expected first error line */
} bad[] = {
	{ "", "t.ini: missing [scenario] section" },
	{ "[scenario]\nname = t\n", "t.ini: missing [expect] section" },
	{ HEAD "[rule a]\naction = dorp\n", "t.ini:7: unknown action \"dorp\" (did you mean \"drop\"?)" },
	{ HEAD "[rule a]\naction = stall\nduration = 10\n",
	  "t.ini:8: bad duration \"10\": needs a unit (us, ms, s or min)" },
	{ HEAD "[rule a]\naction = stall\nduration = 10 parsecs\n",
	  "t.ini:8: bad duration \"10 parsecs\": has an unknown unit (use us, ms, s or min)" },
	{ HEAD "[rule a]\naction = drop\n[rule a]\naction = drop\n",
	  "t.ini:8: duplicate rule name \"a\" (first on line 6)" },
	{ HEAD "[rule a]\naction = drop\nprobability = 101\n",
	  "t.ini:8: bad percentage \"101\" (0 to 100, e.g. 2 or 0.5%)" },
	{ HEAD "[rule a]\naction = drop\nprobability = -1\n",
	  "t.ini:8: bad percentage \"-1\" (0 to 100, e.g. 2 or 0.5%)" },
	{ HEAD "[rule a]\naction = drop\nprogress = 120\n",
	  "t.ini:8: bad progress \"120\" (a percent 0..100: N, A..B, >= N, <= N)" },
	{ HEAD "[rule a]\naction = drop\nlatencey = 5ms\n",
	  "t.ini:8: unknown key \"latencey\" in [rule a] (did you mean \"latency\"?)" },
	{ HEAD "[rule a]\naction = drop\ncommand = FLASH_DAT\n",
	  "t.ini:8: unknown op \"FLASH_DAT\" (did you mean \"FLASH_DATA\"?)" },
	{ HEAD "[rule a]\naction = drop\ncommand = any-flash-dta\n",
	  "t.ini:8: unknown op \"any-flash-dta\" (did you mean \"any-flash-data\"?)" },
	{ HEAD "[rule a]\naction = drop\nlatency = 5ms\n",
	  "t.ini:8: key \"latency\" does not apply to action \"drop\"" },
	{ HEAD "[rule a]\ncommand = SYNC\n", "t.ini:6: rule \"a\" has no action (add \"action = ...\")" },
	{ HEAD "[rule a]\naction = drop\naction = stall\n",
	  "t.ini:8: duplicate key \"action\" (first on line 7)" },
	{ HEAD "[rule a]\naction = drop\ndrop = yes\n",
	  "t.ini:8: unknown key \"drop\" in [rule a] (write \"action = drop\")" },
	{ HEAD "[rule a]\naction = drop\nafter_rule = b\n", "t.ini:8: no rule \"b\"" },
	{ HEAD "[rule a]\naction = drop\n[rule bb]\naction = drop\nafter_rule = b\n",
	  "t.ini:10: no rule \"b\" (did you mean \"bb\"?)" },
	{ HEAD "[rule a]\naction = drop\nafter_rule = a\n", "t.ini:8: rule \"a\" cannot follow itself" },
	{ HEAD "[rule a]\non = rest\naction = reset\n",
	  "t.ini:7: unknown event \"rest\" (did you mean \"reset\"?)" },
	{ HEAD "[rule a]\non = reset\naction = drop\n",
	  "t.ini:8: action \"drop\" acts on a unit (a frame or text), not on an event" },
	{ HEAD "[rule a]\non = reset\ncommand = SYNC\naction = reset\n",
	  "t.ini:8: \"command\" matches units; it cannot be combined with \"on\"" },
	{ HEAD "[rule a]\naction = throttle\n", "t.ini:7: throttle needs \"baud\"" },
	{ HEAD "[rule a]\naction = drop\n    seq = 5\n",
	  "t.ini:8: indented line continues \"action\"; remove the indentation" },
	{ HEAD "[rule a]\naction: drop\n", "t.ini:7: use '=' between key and value, not ':'" },
	{ HEAD "[rule a]\naction drop\n", "t.ini:7: expected \"key = value\", a [section] or a comment" },
	{ HEAD "[rules a]\naction = drop\n", "t.ini:6: unknown section [rules a] (did you mean [rule]?)" },
	{ HEAD "[rule]\naction = drop\n", "t.ini:6: rule without a name (write [rule NAME])" },
	{ HEAD "[rule a b]\naction = drop\n",
	  "t.ini:6: bad rule name \"a b\" (letters, digits, '-', '_', '.', at most 40)" },
	{ HEAD "[rule a\naction = drop\n", "t.ini:6: section header without ']'" },
	{ HEAD "[expect]\n", "t.ini:6: duplicate section [expect] (first on line 3)" },
	{ HEAD "[expect esptol]\n", "t.ini:6: unknown tool \"esptol\" (did you mean \"esptool\"?)" },
	{ HEAD "[expect esptool<4.x]\n", "t.ini:6: bad version \"4.x\" (e.g. 4, 4.8 or 4.9.1)" },
	{ HEAD "[expect esptool=>4]\n", "t.ini:6: bad version comparison \"=>\" (<, <=, >, >= or =)" },
	{ HEAD "[expect esptool<4]\n[expect esptool<4]\n",
	  "t.ini:7: duplicate section [expect esptool<4] (first on line 6)" },
	{ HEAD "[expect esptool-js]\noutcom = pass\n",
	  "t.ini:7: unknown key \"outcom\" in [expect esptool-js] (did you mean \"outcome\"?)" },
	{ "[scenario]\nname = t\nseed = 12x\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: bad seed \"12x\" (a 64-bit number)" },
	{ "[scenario]\nname = t\n[expect]\noutcome = fail-clen\nclass = SUCCESS\n",
	  "t.ini:4: unknown outcome \"fail-clen\" (did you mean \"fail-clean\"?)" },
	{ "[scenario]\nname = t\n[expect]\noutcome = pass\nclass = WRITE_TIMOUT\n",
	  "t.ini:5: unknown failure class \"WRITE_TIMOUT\" (did you mean \"WRITE_TIMEOUT\"?)" },
	{ "[scenario]\nname = t\n[expect]\noutcome = pass\n", "t.ini:3: [expect] needs \"class\"" },
	{ "name = t\n", "t.ini:1: key \"name\" outside any section (start with [scenario])" },
	{ HEAD "[rule a]\naction = reply\nerror = BAD_CHECKSUN\n",
	  "t.ini:8: unknown error code \"BAD_CHECKSUN\" (did you mean \"BAD_CHECKSUM\"?)" },
	{ HEAD "[rule a]\naction = inject\n", "t.ini:7: inject needs \"hex\" or \"text\"" },
	{ HEAD "[rule a]\naction = inject\nhex = c0 0\n",
	  "t.ini:8: bad hex \"c0 0\" (pairs of hex digits, e.g. c0 01 08)" },
	{ HEAD "[rule a]\naction = inject\ntext = a\\qb\n",
	  "t.ini:8: bad text: has an unknown escape (use \\r \\n \\t \\e \\0 \\\\ \\\" \\xHH)" },
	{ HEAD "[rule a]\naction = drop\nnth = 3, 2\n",
	  "t.ini:8: bad nth \"3, 2\" (positive, ascending, no repeats)" },
	{ HEAD "[rule a]\naction = drop\nnth = 2\nprobability = 5\n",
	  "t.ini:8: nth lists exact positions; drop every/probability/burst" },
	{ HEAD "[rule a]\naction = drop\ncommand = SYNC\nresponse_to = SYNC\n",
	  "t.ini:9: a rule matches either command or response_to, not both (use two rules)" },
	{ HEAD "[rule a]\naction = drop\nburst_enter = 5\n",
	  "t.ini:8: the burst model needs burst_enter and burst_exit" },
	{ HEAD "[rule a]\naction = delay\nlatency = 10ms\njitter = 20ms\n",
	  "t.ini:9: jitter larger than latency" },
	{ HEAD "[rule a]\naction = drop\nseq = 9..3\n",
	  "t.ini:8: bad seq \"9..3\" (N, A..B, >= N, <= N, > N or < N)" },
	{ HEAD "[rule a]\naction = drop\nname = x\n",
	  "t.ini:8: unknown key \"name\" in [rule a]" },
	{ "[scenario]\nname = t\nsumary = x\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: unknown key \"sumary\" in [scenario] (did you mean \"summary\"?)" },
	{ "[scenario]\nname = t\nchip = esp32-s3\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: unknown chip \"esp32-s3\" (did you mean \"esp32s3\"?)" },
	{ "[scenario]\nname = t\ndeadline = 1.5\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: bad duration \"1.5\": needs a unit (us, ms, s or min)" },
	{ "[scenario]\nname = t\nname = u\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: duplicate key \"name\" (first on line 2)" },
	{ HEAD "[rule a]\naction = drop\nx = " "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789\n",
	  "t.ini:8: line too long (at most 196 characters)" },
	{ HEAD "[rule a]\naction = freeze-host-writes\nthen = disconnect\n",
	  "t.ini:8: \"then\" needs a duration" },
	{ HEAD "[rule a]\naction = drop\nbefore_progress = 50\ndirection = host\n",
	  "t.ini:8: before_progress matches device replies, not host commands" },
	/* found by fuzz_scenario: ";x" after "=" survives inih only without a blank */
	{ "[scenario]\nname = t\n[expect]\noutcome = pass\nclass = SUCCESS\nmessage =;a\n",
	  "t.ini:6: value of \"message\" starts with ';' (a comment after a blank); remove it" },
	/* flash keys */
	{ "[scenario]\nname = t\noffset = 0x10800\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: offset 0x10800 is not a multiple of 0x1000 (a flash sector)" },
	{ "[scenario]\nname = t\noffset = 0x3ff0000\nimage_size = 1M\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: offset 0x3ff0000 + image_size 1048576 ends past 64M" },
	{ "[scenario]\nname = t\noffset = 64M\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: bad offset \"64M\" (a flash address below 64M, e.g. 0x10000)" },
	{ "[scenario]\nname = t\nchip = esp32\ntransport = usb-jtag\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:4: esp32 has no USB-Serial/JTAG (transport usb-jtag: esp32s3, esp32c3, esp32c6, ...)" },
	{ "[scenario]\nname = t\nchip = esp32c3\ntransport = usb-otg\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:4: esp32c3 has no USB-OTG (transport usb-otg: esp32s2, esp32s3, esp32p4)" },
	{ "[scenario]\nname = t\nchip = esp8266\nstub = no\ncompress = yes\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:5: the ESP8266 ROM loader cannot inflate: compress = yes needs stub = yes" },
	{ "[scenario]\nname = t\nimage = randon\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: unknown image content \"randon\" (did you mean \"random\"?)" },
	{ "[scenario]\nname = t\nimage_size = 0\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:3: bad image_size \"0\" (e.g. 512K, 1M; at most 64M)" },
	{ "[scenario]\nname = t\nbaud = 100\n[expect]\noutcome = pass\nclass = SUCCESS\n", "t.ini:3: bad baud \"100\" (300 to 16000000)" },
	{ "[scenario]\nname = t\nstub = maybe\n[expect]\noutcome = pass\nclass = SUCCESS\n", "t.ini:3: bad stub \"maybe\" (yes or no)" },
	{ "[scenario]\nname = t\ndeadline = 0s\n[expect]\noutcome = pass\nclass = SUCCESS\n", "t.ini:3: bad duration \"0s\": must not be zero" },
	{ "[scenario]\nname = t\nsummary = a\n  b\nsummary = c\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:5: duplicate key \"summary\" (first on line 3)" },
	{ "[scenario]\nname = t\nseed = 1\n  2\n[expect]\noutcome = pass\nclass = SUCCESS\n",
	  "t.ini:4: indented line continues \"seed\"; remove the indentation" },
};

START_TEST(test_bad)
{
	struct scenario sc;
	char err[4096], *nl;
	int rc;

	rc = scenario_parse_string("t.ini", bad[_i].text, &sc, err, sizeof(err));
	ck_assert_msg(rc == -1, "vector %d parsed: %s", _i, bad[_i].text);
	nl = strchr(err, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_str_eq(err, bad[_i].first);
	ck_assert_uint_eq(sc.nrules, 0);	/* emptied on failure */
	ck_assert_ptr_null(sc.rules);
}
END_TEST

/* Several errors are all reported, in line order. */
START_TEST(test_many_errors)
{
	struct scenario sc;
	char err[4096];
	const char *text = HEAD "[rule a]\naction = dorp\nduration = 5\n[rule a]\nprobability = 200\n";

	ck_assert_int_eq(scenario_parse_string("m.ini", text, &sc, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "m.ini:7: unknown action"));
	ck_assert_ptr_nonnull(strstr(err, "m.ini:8: bad duration"));
	ck_assert_ptr_nonnull(strstr(err, "m.ini:9: duplicate rule name"));
	ck_assert(strstr(err, "m.ini:7:") < strstr(err, "m.ini:8:"));
}
END_TEST

/* ---- good values -------------------------------------------------------- */

START_TEST(test_values)
{
	struct scenario sc;
	char err[4096];
	const struct scenario_rule *r;
	const char *text =
	    "; comment\n# another\n[scenario]\nname = vals\nsummary = one\n  two\nseed = 0xdeadbeef\n"
	    "deadline = 1.5s\nimage_size = 512K\nstub = no\n"
	    "[expect]\noutcome = recovered\nclass = SUCCESS\nmessage = a | b\n"
	    "known_bug = https://example.org/1\n"
	    "[rule r1]\ndirection = host\ncommand = any-flash-data, SYNC\nseq >= 5\n"
	    "progress = 10..20\noffset = 0x1000..0x2000\nbytes <= 4096\nnth = 1, 3,\n"
	    "  7\naction = delay\nlatency = 40ms\njitter = 25ms ; inline comment\n"
	    "[rule r2]\nresponse-to = FLASH_END\nprobability = 0.5%\naction = inject\n"
	    "text = \"rst:0x1 (POWERON_RESET)\\r\\n\"\n"
	    "[rule r3]\non = client-open\nafter = 250us\nafter_rule = r1\naction = reset\nboot = spi\n"
	    "[rule r4]\nkind = text\nburst_enter = 1\nburst_exit = 25%\naction = corrupt\nbits = 3\n"
	    "target = any\n"
	    "[rule r5]\naction = inject\nhex = c0 01:02\n  03\n";

	ck_assert_msg(scenario_parse_string("v.ini", text, &sc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(sc.name, "vals");
	ck_assert_str_eq(sc.summary, "one two");
	ck_assert_uint_eq(sc.seed, 0xdeadbeefULL);
	ck_assert_uint_eq(sc.deadline_ns, 1500000000ULL);
	ck_assert_uint_eq(sc.flash.image_size, 512 * 1024);
	ck_assert_int_eq(sc.flash.stub, 0);
	ck_assert_int_eq(sc.flash.compress, -1);
	ck_assert_int_eq(sc.outcome, SCENARIO_OUT_RECOVERED);
	ck_assert_str_eq(sc.message, "a | b");
	ck_assert_uint_eq(sc.nrules, 5);

	r = scenario_rule_find(&sc, "r1");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->dir, SCENARIO_DIR_TO_DEVICE);
	ck_assert(r->command[ESP_OP_FLASH_DATA / 8] & (1u << (ESP_OP_FLASH_DATA % 8)));
	ck_assert(r->command[ESP_OP_SYNC / 8] & (1u << (ESP_OP_SYNC % 8)));
	ck_assert(!(r->command[ESP_OP_MEM_DATA / 8] & (1u << (ESP_OP_MEM_DATA % 8))));
	ck_assert(r->seq.set && r->seq.lo == 5 && r->seq.hi == UINT32_MAX);
	ck_assert(r->progress.lo == 10 && r->progress.hi == 20);
	ck_assert(r->offset.lo == 0x1000 && r->offset.hi == 0x2000);
	ck_assert(r->bytes.lo == 0 && r->bytes.hi == 4096);
	ck_assert_uint_eq(r->nnth, 3);
	ck_assert_uint_eq(r->nth[2], 7);
	ck_assert_uint_eq(r->latency_ns, 40000000);
	ck_assert_uint_eq(r->jitter_ns, 25000000);

	r = scenario_rule_find(&sc, "r2");
	ck_assert_uint_eq(r->probability, 5000000);	/* 0.5 % in ppb */
	ck_assert_uint_eq(r->data_len, 25);
	ck_assert_int_eq(memcmp(r->data, "rst:0x1 (POWERON_RESET)\r\n", 25), 0);

	r = scenario_rule_find(&sc, "r3");
	ck_assert_int_eq(r->on, SCENARIO_EV_CLIENT_OPEN);
	ck_assert_uint_eq(r->after_ns, 250000);
	ck_assert_int_eq(r->after_rule_idx, 0);
	ck_assert_int_eq(r->boot, SCENARIO_BOOT_SPI);
	ck_assert(scenario_rule_timed(r));

	r = scenario_rule_find(&sc, "r4");
	ck_assert(r->burst);
	ck_assert_uint_eq(r->burst_enter, 10000000);
	ck_assert_uint_eq(r->burst_exit, 250000000);
	ck_assert_uint_eq(r->burst_loss, SCENARIO_PPB_ONE);
	ck_assert(scenario_rule_random(r));

	r = scenario_rule_find(&sc, "r5");
	ck_assert_uint_eq(r->data_len, 4);
	ck_assert_int_eq(memcmp(r->data, "\xc0\x01\x02\x03", 4), 0);
	scenario_free(&sc);
}
END_TEST

static const struct {
	const char *s;
	int ok;
	uint64_t ns;
} durations[] = {
	{ "1s", 1, 1000000000ULL }, { "1.5s", 1, 1500000000ULL }, { "40ms", 1, 40000000ULL },
	{ "250us", 1, 250000ULL }, { "2min", 1, 120000000000ULL }, { "0.5 ms", 1, 500000ULL },
	{ "0s", 1, 0 }, { "10", 0, 0 }, { "ms", 0, 0 }, { "1.5us", 1, 1500 }, { "1.0005us", 0, 0 },
	{ "2m", 1, 120000000000ULL }, { "1.5 min", 1, 90000000000ULL }, { "15", 0, 0 },
	{ "86400s", 1, 86400000000000ULL }, { "1441min", 0, 0 }, { "5 mins", 0, 0 },
	{ "1h", 0, 0 }, { "2 days", 0, 0 }, { "-1s", 0, 0 }, { "1e3ms", 0, 0 }, { "100000s", 0, 0 },
};

START_TEST(test_durations)
{
	uint64_t ns = 99;
	const char *why;
	int rc = parse_duration(durations[_i].s, &ns, &why);

	ck_assert_msg((rc == 0) == durations[_i].ok, "%s", durations[_i].s);
	if (rc == 0)
		ck_assert_uint_eq(ns, durations[_i].ns);
	else
		ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_percent)
{
	uint32_t ppb;

	ck_assert_int_eq(scenario_parse_percent("2", &ppb), 0);
	ck_assert_uint_eq(ppb, 20000000);
	ck_assert_int_eq(scenario_parse_percent("100%", &ppb), 0);
	ck_assert_uint_eq(ppb, SCENARIO_PPB_ONE);
	ck_assert_int_eq(scenario_parse_percent("0", &ppb), 0);
	ck_assert_uint_eq(ppb, 0);
	ck_assert_int_eq(scenario_parse_percent("0.0000001", &ppb), 0);
	ck_assert_uint_eq(ppb, 1);
	ck_assert_int_eq(scenario_parse_percent("100.1", &ppb), -1);
	ck_assert_int_eq(scenario_parse_percent("x", &ppb), -1);
	ck_assert_int_eq(scenario_parse_percent("5%%", &ppb), -1);
}
END_TEST

START_TEST(test_overrides)
{
	struct scenario sc;
	struct scenario_expect ex;
	char err[4096];
	const char *text = HEAD "message = stopped\n"
	    "[expect esptool<4]\noutcome = fail-dirty\nmessage = StopIteration\n"
	    "[expect esptool >= 4.8]\noutcome = recovered\n"
	    "[expect esptool-js]\nclass = NO_RESPONSE\nlast_progress = 50\n"
	    "[rule a]\naction = drop\n";

	ck_assert_msg(scenario_parse_string("o.ini", text, &sc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(sc.noverrides, 3);
	scenario_expect_for(&sc, "esptool", "3.3.2", &ex);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_DIRTY);
	ck_assert_str_eq(ex.message, "StopIteration");
	ck_assert_str_eq(ex.class, "ACK_STALL");
	scenario_expect_for(&sc, "esptool", "4.5.1", &ex);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_str_eq(ex.message, "stopped");
	scenario_expect_for(&sc, "py", "4.9.1", &ex);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_RECOVERED);
	scenario_expect_for(&sc, "esptool", NULL, &ex);	/* unknown version: no versioned section */
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	scenario_expect_for(&sc, "js", NULL, &ex);
	ck_assert_str_eq(ex.class, "NO_RESPONSE");
	ck_assert_int_eq(ex.last_progress, 50);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	scenario_expect_for(&sc, NULL, NULL, &ex);
	ck_assert_int_eq(ex.last_progress, -1);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_flash)
{
	struct scenario sc;
	char err[4096];
	const char *text = "[scenario]\nname = f\nchip = esp32s3\ntransport = usb-jtag\n"
	    "stub = no\ncompress = no\nimage_size = 128K\nimage = text\noffset = 0x20000\n"
	    "baud = 460800\nchange_baud = 921600\nclient = esptool\nsummary = one\n  two\n"
	    "[expect]\noutcome = pass\nclass = SUCCESS\n";

	ck_assert_msg(scenario_parse_string("f.ini", text, &sc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(sc.flash.chip, "esp32s3");
	ck_assert_str_eq(sc.flash.transport, "usb-jtag");
	ck_assert_str_eq(sc.flash.client, "esptool");
	ck_assert_int_eq(sc.flash.stub, 0);
	ck_assert_int_eq(sc.flash.compress, 0);
	ck_assert_uint_eq(sc.flash.image_size, 128 * 1024);
	ck_assert(sc.flash.have_image_size);
	ck_assert_int_eq(sc.flash.image, SCENARIO_IMAGE_TEXT);
	ck_assert_str_eq(scenario_image_name(sc.flash.image), "text");
	ck_assert_uint_eq(sc.flash.offset, 0x20000);
	ck_assert(sc.flash.have_offset);
	ck_assert_uint_eq(sc.flash.baud, 460800);
	ck_assert_uint_eq(sc.flash.change_baud, 921600);
	/* a continued summary is one line, and its pinned copy keeps both lines */
	ck_assert_str_eq(sc.summary, "one two");
	ck_assert_str_eq(sc.scenario_kv[sc.nscenario_kv - 1].value, "one\n    two");
	scenario_free(&sc);

	/* defaults */
	ck_assert_msg(scenario_parse_string("d.ini", HEAD, &sc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(sc.flash.chip);
	ck_assert_ptr_null(sc.flash.transport);
	ck_assert_int_eq(sc.flash.stub, -1);
	ck_assert_int_eq(sc.flash.compress, -1);
	ck_assert_uint_eq(sc.flash.image_size, SCENARIO_DEFAULT_IMAGE_SIZE);
	ck_assert(!sc.flash.have_image_size);
	ck_assert_int_eq(sc.flash.image, SCENARIO_IMAGE_MIXED);
	ck_assert_uint_eq(sc.flash.offset, SCENARIO_DEFAULT_OFFSET);
	ck_assert(!sc.flash.have_offset);
	ck_assert_uint_eq(sc.flash.baud, 0);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_expect_tools)
{
	struct scenario sc;
	struct scenario_expect ex;
	char err[4096];
	const char *text = HEAD "[expect esptool>=4.8]\noutcome = recovered\n[rule a]\naction = drop\n";

	ck_assert_msg(scenario_parse_string("e.ini", text, &sc, err, sizeof(err)) == 0, "%s", err);
	/* unknown tools and bad versions are errors, with the base [expect] filled in */
	ck_assert_int_eq(scenario_expect_for(&sc, "esptol", NULL, &ex), -1);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "4.x", &ex), -2);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "4.8", &ex), 0);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_RECOVERED);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "4.9.dev3", &ex), 0);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_RECOVERED);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "5.0.0-rc1", &ex), 0);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_RECOVERED);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "4.7rc1", &ex), 0);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "v4.8", &ex), -2);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "4.8x", &ex), -2);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool", "4.7.99", &ex), 0);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_int_eq(scenario_expect_for(&sc, "esptool-js", "0.5.4", &ex), 0);
	ck_assert_int_eq(ex.outcome, SCENARIO_OUT_FAIL_CLEAN);
	ck_assert(scenario_tool_valid("js"));
	ck_assert(scenario_tool_valid("esptool"));
	ck_assert(!scenario_tool_valid("esptool.py"));
	ck_assert(!scenario_tool_valid(NULL));
	scenario_free(&sc);

	ck_assert_int_eq(scenario_outcome_by_name("fail-clean"), SCENARIO_OUT_FAIL_CLEAN);
	ck_assert_int_eq(scenario_outcome_by_name("silent-corruption"),
	    SCENARIO_OUT_SILENT_CORRUPTION);
	ck_assert_int_eq(scenario_outcome_by_name("not-triggered"), SCENARIO_OUT_NOT_TRIGGERED);
	ck_assert_int_eq(scenario_outcome_by_name("none"), SCENARIO_OUT_NONE);
	ck_assert_int_eq(scenario_outcome_by_name("passed"), SCENARIO_OUT_NONE);
	ck_assert_str_eq(scenario_outcome_name(SCENARIO_OUT_HANG), "hang");
}
END_TEST

START_TEST(test_check_front)
{
	struct scenario sc;
	char err[4096];
	const char *text = HEAD "[rule fz]\nresponse_to = FLASH_DATA\naction = freeze-host-writes\n"
	    "duration = 1s\nthen = disconnect\n"
	    "[rule rs]\non = first-sync\naction = reset\n"
	    "[rule dr]\naction = drop\n"
	    "[rule ib]\non = first-sync\naction = ignore-baud-change\n";

	ck_assert_msg(scenario_parse_string("c.ini", text, &sc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(scenario_check_front(&sc, CAP_ALL, CAP_ALL, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	/* an RFC 2217 front that cannot freeze: only the freeze is refused */
	ck_assert_int_eq(scenario_check_front(&sc, CAP_ALL & ~CAP_FREEZE_WRITES,
	    CAP_ALL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "c.ini:6: rule fz: freeze-host-writes needs a front that can make "
	    "the tool's writes block (this front cannot)\n");
	/* a front that cannot vanish refuses then = disconnect too */
	ck_assert_int_eq(scenario_check_front(&sc, CAP_FREEZE_WRITES, CAP_ALL,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "c.ini:6: rule fz: freeze-host-writes then = disconnect needs a front "
	    "that can hang up and come back (this front cannot)\n");
	/* a tcp:// device: no DTR/RTS, no baud */
	ck_assert_int_eq(scenario_check_front(&sc, CAP_ALL, CAP_VANISH, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "c.ini:11: rule rs: reset needs a device that can drive DTR/RTS "
	    "(this device cannot)\nc.ini:16: rule ib: ignore-baud-change needs a device that can "
	    "set the baud rate (this device cannot)\n");
	/* a short buffer is cut, still terminated */
	ck_assert_int_eq(scenario_check_front(&sc, 0, 0, err, 10), -1);
	ck_assert_uint_eq(strlen(err), 9);
	ck_assert_int_eq(scenario_check_front(&sc, 0, 0, NULL, 0), -1);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_image_fill)
{
	static uint8_t whole[8192], part[8192], other[8192];
	size_t i, at;
	int zeros = 0;

	/* the same bytes in any chunking */
	scenario_image_fill(SCENARIO_IMAGE_MIXED, 8000, 42, 0, whole, sizeof(whole));
	for (at = 0; at < sizeof(part); at += 37)
		scenario_image_fill(SCENARIO_IMAGE_MIXED, 8000, 42, at, part + at,
		    at + 37 <= sizeof(part) ? 37 : sizeof(part) - at);
	ck_assert_int_eq(memcmp(whole, part, sizeof(whole)), 0);
	/* mixed: random first half, then 64-byte text lines; past the size 0xFF */
	ck_assert_int_eq(memcmp(whole + 4000, "sliptap test image line 00000000 ....", 37), 0);
	ck_assert_int_eq(whole[4000 + 63], '\n');
	ck_assert_int_eq(memcmp(whole + 4064, "sliptap test image line 00000001 ", 33), 0);
	ck_assert_uint_eq(whole[7999], (uint8_t)'2');	/* 4000 = 62 lines + "... line 00000062" */
	ck_assert_uint_eq(whole[8000], 0xFF);
	ck_assert_uint_eq(whole[8191], 0xFF);
	for (i = 0; i < 4000; i++)
		zeros += whole[i] == 0;
	ck_assert_int_lt(zeros, 100);	/* about 16 expected in 4000 random bytes */
	/* another seed, other random bytes, the same text */
	scenario_image_fill(SCENARIO_IMAGE_MIXED, 8000, 43, 0, other, sizeof(other));
	ck_assert_int_ne(memcmp(whole, other, 4000), 0);
	ck_assert_int_eq(memcmp(whole + 4000, other + 4000, 4000), 0);
	/* the other contents */
	scenario_image_fill(SCENARIO_IMAGE_TEXT, 100, 1, 0, other, 100);
	ck_assert_int_eq(memcmp(other, "sliptap test image line 00000000 ", 33), 0);
	scenario_image_fill(SCENARIO_IMAGE_RANDOM, 8000, 42, 0, other, 4000);
	ck_assert_int_eq(memcmp(whole, other, 4000), 0);
	scenario_image_fill(SCENARIO_IMAGE_RANDOM, 8000, 42, 4000, other, 8);
	ck_assert_int_ne(memcmp(other, "sliptap ", 8), 0);
	scenario_image_fill(SCENARIO_IMAGE_ZEROS, 16, 42, 10, other, 8);
	ck_assert_int_eq(memcmp(other, "\0\0\0\0\0\0\xff\xff", 8), 0);
	scenario_image_fill(SCENARIO_IMAGE_ERASED, 16, 42, 0, other, 4);
	ck_assert_int_eq(memcmp(other, "\xff\xff\xff\xff", 4), 0);
}
END_TEST

static Suite *
scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_library);
	tcase_add_test(tc, test_write_timeout_93);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_values);
	tcase_add_loop_test(tc, test_durations, 0, (int)(sizeof(durations) / sizeof(durations[0])));
	tcase_add_test(tc, test_percent);
	tcase_add_test(tc, test_overrides);
	tcase_add_test(tc, test_flash);
	tcase_add_test(tc, test_expect_tools);
	tcase_add_test(tc, test_check_front);
	tcase_add_test(tc, test_image_fill);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scenario_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
