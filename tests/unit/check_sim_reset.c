/*
 * check_sim_reset.c — the simulated auto-reset circuit, driven through
 * sim_device_set_lines() with the times the test passes in: esptool's
 * classic, unix-tight, USB-Serial/JTAG and hard reset sequences on every
 * chip, the same sequences line by line as RFC 2217 delivers them (one
 * SET-CONTROL at a time, with a client's latency between them), and what
 * the chip does while EN is held low.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "simdev.h"
#include "util.h"

static const struct {
	enum sim_chip chip;
	const char *download, *spi;
} chips[] = {
	{ SIM_CHIP_ESP32, "boot:0x3 (DOWNLOAD_BOOT", "boot:0x13 (SPI_FAST_FLASH_BOOT)" },
	{ SIM_CHIP_ESP32S3, "boot:0x0 (DOWNLOAD(USB/UART0))", "boot:0x8 (SPI_FAST_FLASH_BOOT)" },
	{ SIM_CHIP_ESP32C3, "boot:0x4 (DOWNLOAD(USB/UART0/1))", "boot:0xc (SPI_FAST_FLASH_BOOT)" },
};

static const uint8_t sync_frame[] = {
	0xc0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07, 0x12, 0x20,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
	0xc0,
};

/* A device at power-on; its boot log is the first output. */
static struct h *
r_new(enum sim_chip chip, enum sim_transport tr, enum sim_boot boot)
{
	return h_new_cfg(chip, tr, boot, 0, 0);
}

/* Lines at now, then wait dt. */
static void
r_lines(struct h *r, int dtr, int rts, uint64_t dt)
{
	sim_device_set_lines(r->dev, dtr, rts, r->now);
	h_run(r, dt);
}

/* SYNC in; nonzero when a SYNC reply came out. */
static int
r_sync_answered(struct h *r)
{
	h_clear(r);
	sim_device_input(r->dev, sync_frame, sizeof(sync_frame), r->now);
	h_run(r, 10 * MS);
	return h_has(r, "\xc0\x01\x08");
}

/* esptool's ClassicReset, each change applied as one call (a local port). */
static void
seq_classic(struct h *r)
{
	r_lines(r, 0, 1, 100 * MS);
	r_lines(r, 1, 0, 50 * MS);
	r_lines(r, 0, 0, 10 * MS);
}

/* esptool's UnixTightReset (both lines in one ioctl). */
static void
seq_tight(struct h *r)
{
	r_lines(r, 0, 0, 0);
	r_lines(r, 1, 1, 0);
	r_lines(r, 0, 1, 100 * MS);
	r_lines(r, 1, 0, 50 * MS);
	r_lines(r, 0, 0, 10 * MS);
}

/*
 * ClassicReset line by line as a remote client sends it (setDTR, setRTS
 * and esptool's extra setDTR after each setRTS), `gap` between commands.
 */
static void
seq_classic_remote(struct h *r, uint64_t gap)
{
	r_lines(r, 0, 0, gap);		/* setDTR(False) */
	r_lines(r, 0, 1, gap);		/* setRTS(True): EN low */
	r_lines(r, 0, 1, 100 * MS);	/* setDTR(False) again; sleep 0.1 */
	r_lines(r, 1, 1, gap);		/* setDTR(True): EN released, IO0 still high */
	r_lines(r, 1, 0, gap);		/* setRTS(False): IO0 low */
	r_lines(r, 1, 0, 50 * MS);	/* setDTR(True) again; sleep 0.05 */
	r_lines(r, 0, 0, 10 * MS);	/* setDTR(False) */
}

/* esptool's USBJTAGSerialReset. */
static void
seq_usb_jtag(struct h *r)
{
	r_lines(r, 0, 0, 100 * MS);
	r_lines(r, 1, 0, 100 * MS);
	r_lines(r, 1, 1, 0);		/* setRTS(True) */
	r_lines(r, 0, 1, 0);		/* setDTR(False) */
	r_lines(r, 0, 1, 100 * MS);	/* setRTS(True) again */
	r_lines(r, 0, 0, 10 * MS);
}

/* esptool's HardReset. */
static void
seq_hard(struct h *r)
{
	r_lines(r, 0, 1, 100 * MS);
	r_lines(r, 0, 0, 10 * MS);
}

START_TEST(test_tight_reset)
{
	struct h *r = r_new(chips[_i].chip, SIM_TRANSPORT_UART, SIM_BOOT_SPI);

	h_run(r, 0);
	ck_assert(h_has(r, chips[_i].spi));
	ck_assert(!r_sync_answered(r));
	h_clear(r);
	seq_tight(r);
	ck_assert_msg(h_has(r, chips[_i].download), "no download boot log: %s", r->out);
	ck_assert(h_has(r, "waiting for download"));
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_ROM);
	ck_assert(r_sync_answered(r));
	h_free(r);
}
END_TEST

START_TEST(test_classic_then_hard)
{
	struct h *r = r_new(chips[_i].chip, SIM_TRANSPORT_UART, SIM_BOOT_SPI);

	h_clear(r);
	seq_classic(r);
	ck_assert_msg(h_has(r, chips[_i].download), "no download boot log: %s", r->out);
	ck_assert(r_sync_answered(r));
	h_clear(r);
	seq_hard(r);
	ck_assert(h_has(r, chips[_i].spi));
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_APP);
	ck_assert(!r_sync_answered(r));
	ck_assert_uint_eq(sim_device_stats(r->dev)->resets, 3);
	h_free(r);
}
END_TEST

/* Over RFC 2217 with pySerial's >= 50 ms per command, EN rises with IO0 high. */
START_TEST(test_classic_remote_latency)
{
	struct h *r = r_new(chips[_i].chip, SIM_TRANSPORT_UART, SIM_BOOT_SPI);

	h_clear(r);
	seq_classic_remote(r, 50 * MS);
	ck_assert_msg(h_has(r, chips[_i].spi), "expected SPI boot: %s", r->out);
	ck_assert(!h_has(r, "waiting for download"));
	ck_assert(!r_sync_answered(r));
	/* with a fast client (well inside the EN rise time) the same order works */
	h_clear(r);
	seq_classic_remote(r, 100000);
	ck_assert_msg(h_has(r, chips[_i].download), "expected download: %s", r->out);
	ck_assert(r_sync_answered(r));
	h_free(r);
}
END_TEST

/* USB-Serial/JTAG latches the download request: sequences survive latency. */
START_TEST(test_usb_jtag_sequences)
{
	enum sim_chip chip = _i == 0 ? SIM_CHIP_ESP32S3 : SIM_CHIP_ESP32C3;
	struct h *r = r_new(chip, SIM_TRANSPORT_USB_JTAG, SIM_BOOT_SPI);

	h_clear(r);
	seq_usb_jtag(r);
	ck_assert_msg(h_has(r, "rst:0x15 (USB_UART_CHIP_RESET)"), "%s", r->out);
	ck_assert(h_has(r, chips[_i + 1].download));
	ck_assert(r_sync_answered(r));
	h_clear(r);
	seq_hard(r);
	ck_assert(h_has(r, "rst:0x15 (USB_UART_CHIP_RESET)"));
	ck_assert(h_has(r, chips[_i + 1].spi));
	ck_assert(!r_sync_answered(r));
	h_clear(r);
	seq_classic_remote(r, 50 * MS);
	ck_assert_msg(h_has(r, chips[_i + 1].download), "classic over USB: %s", r->out);
	ck_assert(r_sync_answered(r));
	h_clear(r);
	seq_tight(r);
	ck_assert(h_has(r, chips[_i + 1].download));
	h_free(r);
}
END_TEST

/*
 * ESP32-S2 on its USB-OTG console: a reset (esptool's USB sequence over the
 * CDC-ACM lines) takes the USB device away; it boots, in the latched mode,
 * when the host side is back. UARTDEV_BUF_NO says USB-OTG (2).
 */
START_TEST(test_usb_otg_reenumerates)
{
	struct h *r = r_new(SIM_CHIP_ESP32S2, SIM_TRANSPORT_USB_OTG, SIM_BOOT_SPI);
	const char *why = NULL;
	struct sim_config cfg;

	h_run(r, 10 * MS);
	ck_assert(h_has(r, "boot:0x8 (SPI_FAST_FLASH_BOOT)"));
	h_clear(r);
	r->events[SIM_EV_DETACH] = 0;
	seq_usb_jtag(r);
	ck_assert_int_eq(r->events[SIM_EV_DETACH], 1);
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_DETACHED);
	ck_assert(!r_sync_answered(r));
	sim_device_usb_attach(r->dev, r->now);
	h_run(r, 10 * MS);
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_ROM);
	ck_assert_msg(h_has(r, "boot:0x0 (DOWNLOAD(USB/UART0/1))"), "%s", r->out);
	ck_assert(r_sync_answered(r));
	h_clear(r);
	ck_assert_uint_eq(h_read_reg(r, 0x3FFFFD14), 2);	/* UARTDEV_BUF_NO: USB-OTG */
	h_free(r);
	/* only the S2 has the ROM's USB-OTG console */
	memset(&cfg, 0, sizeof(cfg));
	cfg.chip = SIM_CHIP_ESP32S3;
	cfg.transport = SIM_TRANSPORT_USB_OTG;
	cfg.flash = (uint8_t *)xmalloc(FLASH_SIZE);
	cfg.flash_size = FLASH_SIZE;
	ck_assert_ptr_null(sim_device_new(&cfg, 0, &why));
	ck_assert_ptr_nonnull(why);
	free(cfg.flash);
}
END_TEST

START_TEST(test_held_in_reset)
{
	struct h *r = r_new(SIM_CHIP_ESP32, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD);

	h_run(r, 0);
	ck_assert(h_has(r, "waiting for download"));
	h_clear(r);
	r_lines(r, 0, 1, 10 * SEC);
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_RESET);
	ck_assert(!r_sync_answered(r));
	ck_assert_uint_eq(r->len, 0);
	ck_assert_uint_eq(sim_device_next_deadline(r->dev), UINT64_MAX);
	/* both lines asserted: EN high, IO0 high (both transistors off) */
	r_lines(r, 1, 1, 10 * MS);
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_APP);
	ck_assert(h_has(r, "boot:0x13 (SPI_FAST_FLASH_BOOT)"));
	/* IO0 alone low does not reset a running chip */
	h_clear(r);
	r_lines(r, 1, 0, 10 * MS);
	ck_assert_int_eq(sim_device_state(r->dev), SIM_STATE_APP);
	ck_assert(!h_has(r, "rst:"));
	/* a power cycle boots per the strap it is given, lines aside */
	sim_device_power_cycle(r->dev, SIM_BOOT_DOWNLOAD, r->now);
	h_run(r, 0);
	ck_assert(h_has(r, "waiting for download"));
	ck_assert(r_sync_answered(r));
	h_free(r);
}
END_TEST

static Suite *
sim_reset_suite(void)
{
	Suite *s = suite_create("sim_reset");
	TCase *tc = tcase_create("reset");

	tcase_add_loop_test(tc, test_tight_reset, 0, (int)nitems(chips));
	tcase_add_loop_test(tc, test_classic_then_hard, 0, (int)nitems(chips));
	tcase_add_loop_test(tc, test_classic_remote_latency, 0, (int)nitems(chips));
	tcase_add_loop_test(tc, test_usb_jtag_sequences, 0, 2);
	tcase_add_test(tc, test_held_in_reset);
	tcase_add_test(tc, test_usb_otg_reenumerates);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sim_reset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
