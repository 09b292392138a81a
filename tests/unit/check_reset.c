/*
 * check_reset.c — the one table of reset sequences (reset.h): each
 * sequence's steps and timing as esptool plays them, names both ways, and
 * esp_rfc2217_server's reading of SET-CONTROL line changes, and the player
 * that runs a sequence on the event loop (steps in order, done once, a stop
 * or restart from a step callback respected).
 */
#include <check.h>
#include <string.h>

#include "loop.h"
#include "reset-player.h"
#include "reset.h"

/* The lines after each step, as "DR" pairs (x = never set), and the total time. */
static const struct {
	enum reset_kind kind;
	const char *name;
	const char *lines;	/* after every step */
	unsigned ms;
} reset_vectors[] = {
	{ RESET_CLASSIC, "classic", "01 10 00", 150 },
	{ RESET_UNIX_TIGHT, "unix-tight", "00 11 01 10 00 00", 150 },
	{ RESET_USB_JTAG, "usb-jtag", "x0 00 10 10 11 01 01 01 00", 300 },
	{ RESET_HARD, "hard", "x1 x0", 100 },
};

START_TEST(test_sequences)
{
	const struct reset_step *st;
	char lines[64], *w = lines;
	int dtr = -1, rts = -1;
	size_t n, i;

	st = reset_sequence(reset_vectors[_i].kind, &n);
	ck_assert_ptr_nonnull(st);
	for (i = 0; i < n; i++) {
		if (st[i].dtr != -1)
			dtr = st[i].dtr;
		if (st[i].rts != -1)
			rts = st[i].rts;
		*w++ = dtr == -1 ? 'x' : (char)('0' + dtr);
		*w++ = rts == -1 ? 'x' : (char)('0' + rts);
		*w++ = ' ';
	}
	w[-1] = '\0';
	ck_assert_str_eq(lines, reset_vectors[_i].lines);
	ck_assert_uint_eq(reset_duration_ms(reset_vectors[_i].kind), reset_vectors[_i].ms);
	ck_assert_str_eq(reset_name(reset_vectors[_i].kind), reset_vectors[_i].name);
}
END_TEST

START_TEST(test_names)
{
	enum reset_kind k = RESET_HARD;
	size_t n = 99;

	ck_assert_int_eq(reset_parse("unix-tight", &k), 0);
	ck_assert_int_eq(k, RESET_UNIX_TIGHT);
	ck_assert_int_eq(reset_parse("none", &k), 0);
	ck_assert_int_eq(k, RESET_NONE);
	ck_assert_int_eq(reset_parse("Classic", &k), -1);
	ck_assert_int_eq(k, RESET_NONE);
	ck_assert_ptr_null(reset_sequence(RESET_NONE, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(reset_names_list(), "usb-jtag"));
}
END_TEST

/* The classic sequence's unix-tight steps change both lines at once. */
START_TEST(test_tight)
{
	const struct reset_step *st;
	size_t n, i;

	st = reset_sequence(RESET_UNIX_TIGHT, &n);
	for (i = 0; i + 1 < n; i++)
		ck_assert_int_eq(st[i].tight, 1);
	st = reset_sequence(RESET_CLASSIC, &n);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(st[i].tight, 0);
}
END_TEST

/* esp_rfc2217_server's decisions: esptool's classic reset, the open, the hard reset. */
START_TEST(test_esp_control)
{
	int r = 0;

	/* pySerial's open with DTR and RTS released: DTR off, then RTS off = hard reset */
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_DTR, 0), RESET_ESP_DTR_OFF);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_RTS, 0), RESET_ESP_HARD_RESET);
	/* ClassicReset: DTR=0 RTS=1 . DTR=1 RTS=0 . DTR=0 */
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_DTR, 0), RESET_ESP_DTR_OFF);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_RTS, 1), RESET_ESP_IGNORE);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_DTR, 1), RESET_ESP_BOOTLOADER);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_RTS, 0), RESET_ESP_IGNORE);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_DTR, 1), RESET_ESP_IGNORE);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_DTR, 0), RESET_ESP_DTR_OFF);
	ck_assert_int_eq(r, 0);
	/* HardReset after flashing: RTS=1 . RTS=0 */
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_RTS, 1), RESET_ESP_IGNORE);
	ck_assert_int_eq(reset_esp_control(&r, RESET_LINE_RTS, 0), RESET_ESP_HARD_RESET);
	ck_assert_int_eq(r, 0);
	/* what the server plays */
	ck_assert_int_eq(reset_esp_sequence(RESET_ESP_BOOTLOADER), RESET_UNIX_TIGHT);
	ck_assert_int_eq(reset_esp_sequence(RESET_ESP_HARD_RESET), RESET_HARD);
	ck_assert_int_eq(reset_esp_sequence(RESET_ESP_DTR_OFF), RESET_NONE);
	ck_assert_int_eq(reset_esp_sequence(RESET_ESP_IGNORE), RESET_NONE);
}
END_TEST

struct play {
	char	 lines[64];
	size_t	 n;
	int	 done;
	struct reset_player *rp;
	int	 restart_at;	/* restart with "hard" at this step (0 = never) */
};

static void
play_step(const struct reset_step *st, void *arg)
{
	struct play *pl = arg;

	if (pl->n + 3 < sizeof(pl->lines)) {
		pl->lines[pl->n++] = st->dtr == -1 ? 'x' : (char)('0' + st->dtr);
		pl->lines[pl->n++] = st->rts == -1 ? 'x' : (char)('0' + st->rts);
		pl->lines[pl->n++] = ' ';
		pl->lines[pl->n] = '\0';
	}
	if (pl->restart_at != 0 && (int)(pl->n / 3) == pl->restart_at) {
		pl->restart_at = 0;
		reset_player_start(pl->rp, RESET_HARD);
	}
}

static void play_done(void *arg) { ((struct play *)arg)->done++; }

START_TEST(test_player)
{
	struct loop *l = loop_new();
	struct play pl;
	int i;

	memset(&pl, 0, sizeof(pl));
	pl.rp = reset_player_new(l, play_step, play_done, &pl);
	ck_assert_int_eq(reset_player_start(pl.rp, RESET_CLASSIC), 0);
	/* the first step runs at once, the rest on the loop */
	ck_assert_str_eq(pl.lines, "01 ");
	ck_assert(reset_player_busy(pl.rp));
	for (i = 0; i < 1000 && !pl.done; i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_str_eq(pl.lines, "01 10 0x ");
	ck_assert_int_eq(pl.done, 1);
	ck_assert(!reset_player_busy(pl.rp));

	/* stopped half-way: no more steps, no done */
	memset(pl.lines, 0, sizeof(pl.lines));
	pl.n = 0;
	pl.done = 0;
	reset_player_start(pl.rp, RESET_CLASSIC);
	reset_player_stop(pl.rp);
	for (i = 0; i < 20; i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_str_eq(pl.lines, "01 ");
	ck_assert_int_eq(pl.done, 0);

	/* restarted from a step: the new sequence runs, the old one never resumes */
	memset(pl.lines, 0, sizeof(pl.lines));
	pl.n = 0;
	pl.restart_at = 2;
	reset_player_start(pl.rp, RESET_UNIX_TIGHT);
	for (i = 0; i < 1000 && !pl.done; i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_str_eq(pl.lines, "00 11 x1 x0 ");
	ck_assert_int_eq(pl.done, 1);
	ck_assert_int_eq(reset_player_start(pl.rp, RESET_NONE), 0);
	reset_player_free(pl.rp);
	loop_free(l);
}
END_TEST

static Suite *
reset_suite(void)
{
	Suite *s = suite_create("reset");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_sequences, 0,
	    (int)(sizeof(reset_vectors) / sizeof(reset_vectors[0])));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_tight);
	tcase_add_test(tc, test_esp_control);
	tcase_add_test(tc, test_player);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
