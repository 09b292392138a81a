/*
 * sim.h — a simulated ESP device: the ROM serial loader, the flasher stub,
 * the auto-reset circuit, the boot log and the RTC watchdog of an ESP32,
 * ESP32-S3 or ESP32-C3, close enough that esptool and esptool-js flash it
 * without noticing.
 *
 * The device model is pure: bytes and timestamps in, bytes and events out.
 * It never touches an fd or a clock; the flash contents are a buffer the
 * caller owns (a mapped file in `sliptap sim`, plain memory in the tests).
 * `sliptap sim` wraps it with a pty and a poll loop; the proxy can embed a
 * device the same way and drive DTR/RTS through sim_device_set_lines().
 *
 * Time is in nanoseconds on any monotonic scale the caller picks; it must
 * never go backwards between calls.
 */
#ifndef SLIPTAP_SIM_H
#define SLIPTAP_SIM_H

#include <stddef.h>
#include <stdint.h>

/* The chips, in the order of the table in chips.c. */
enum sim_chip {
	SIM_CHIP_ESP8266,
	SIM_CHIP_ESP32,
	SIM_CHIP_ESP32S2,
	SIM_CHIP_ESP32S3,
	SIM_CHIP_ESP32C3,
	SIM_CHIP_ESP32C6,
	SIM_CHIP_ESP32C2,
	SIM_CHIP_ESP32H2,
	SIM_CHIP_COUNT
};

enum sim_transport {
	SIM_TRANSPORT_UART,	/* a USB-UART bridge with the two-transistor reset circuit */
	SIM_TRANSPORT_USB_JTAG,	/* the chip's own USB-Serial/JTAG (S3, C3, C6, H2) */
	SIM_TRANSPORT_USB_OTG,	/* the ROM's USB-OTG CDC-ACM (S2): re-enumerates on every reset */
};

enum sim_boot {
	SIM_BOOT_DOWNLOAD,	/* IO0 low at reset: the ROM serial loader */
	SIM_BOOT_SPI,		/* IO0 high: boot from flash (the loader ignores SYNC) */
};

/* Where the device is. */
enum sim_state {
	SIM_STATE_RESET,	/* held in reset (EN low) */
	SIM_STATE_ROM,		/* ROM serial loader (download mode) */
	SIM_STATE_STUB,		/* flasher stub running (after MEM_END with an entry) */
	SIM_STATE_APP,		/* booted from flash: prints, ignores the loader protocol */
	SIM_STATE_DETACHED,	/* USB device gone (reset over USB-Serial/JTAG); see SIM_EV_DETACH */
};

/* Events for the wrapper (reported through sim_config.event_cb). */
enum sim_event {
	/*
	 * The chip reset while attached over USB (USB-Serial/JTAG: the RTC
	 * watchdog fired; USB-OTG: any reset): the USB device goes away. The wrapper freezes the port,
	 * hangs it up, and once the host side is back calls
	 * sim_device_usb_attach(). Input is dropped until then.
	 */
	SIM_EV_DETACH,
	SIM_EV_RESET,		/* the chip reset (any cause); the boot log follows */
	SIM_EV_BAUD,		/* the device changed its baud rate (sim_device_baud()) */
	SIM_EV_STUB,		/* the flasher stub started */
};

struct sim_config {
	enum sim_chip chip;
	enum sim_transport transport;
	enum sim_boot boot;		/* strap at the first power-on */
	uint8_t *flash;			/* borrowed: flash_size bytes, kept by the caller */
	size_t flash_size;		/* a power of two, 256 KB .. 128 MB */
	uint32_t baud;			/* initial baud (0 = 115200) */
	int pace;			/* spend wire time: 10 bits per byte at the current baud */
	/*
	 * RTC watchdog left running by a USB-Serial/JTAG core reset into
	 * download mode (0 = none). Only armed with SIM_TRANSPORT_USB_JTAG.
	 */
	uint64_t wdt_timeout_ns;
	int verbose;			/* log every command and response */
	/* One log line (no newline), valid during the call. May be NULL. */
	void (*log_cb)(const char *line, void *arg);
	/* Events, see enum sim_event. May be NULL. */
	void (*event_cb)(enum sim_event ev, void *arg);
	void *arg;
};

/* Counters for logs, benches and tests. */
struct sim_stats {
	uint64_t frames_in;		/* SLIP frames received */
	uint64_t commands;		/* well-formed commands handled */
	uint64_t bad_frames;		/* frames that were no command (logged) */
	uint64_t bytes_in, bytes_out;
	uint64_t flash_written;		/* bytes written to flash */
	uint64_t resets;
	uint64_t wdt_fires;
	uint64_t out_dropped;		/* output lost because nobody read it */
	uint64_t wire_in_ns;		/* wire time of the input at the baud of the moment */
	uint64_t wire_out_ns;		/* same for the output */
};

struct sim_device;

/*
 * A powered-on device booting per cfg->boot at `now`: its boot log is
 * queued as output. The config is copied; cfg->flash stays the caller's and
 * must outlive the device. Returns NULL when the config is invalid (bad
 * flash size, USB-Serial/JTAG on a chip without one); *why gets a reason.
 */
struct sim_device *sim_device_new(const struct sim_config *cfg, uint64_t now, const char **why);
void sim_device_free(struct sim_device *dev);	/* NULL is a no-op */

/* Bytes from the host (the device's RX line). Never fails; see input_room. */
void sim_device_input(struct sim_device *dev, const uint8_t *buf, size_t len, uint64_t now);
/* How many more input bytes the device wants queued now (backpressure). */
size_t sim_device_input_room(const struct sim_device *dev);
/*
 * Take up to `max` bytes the device has put on its TX line by `now`
 * (all queued bytes without pacing). Returns the count copied.
 */
size_t sim_device_output(struct sim_device *dev, uint8_t *buf, size_t max, uint64_t now);
/* Bytes queued for output (including those not yet due). */
size_t sim_device_output_pending(const struct sim_device *dev);

/*
 * The host's modem lines (1 = asserted). UART transport: the classic
 * two-transistor circuit (EN low when RTS alone is asserted, IO0 low when
 * DTR alone is); IO0 is sampled a few ms after EN rises. USB-Serial/JTAG:
 * the peripheral's own reset logic (DTR=1,RTS=0 then RTS=1,DTR=0 enters
 * download mode through a core reset that leaves the RTC watchdog running).
 */
void sim_device_set_lines(struct sim_device *dev, int dtr, int rts, uint64_t now);
/* Run timers due by `now` (watchdog, paced input, boot steps). */
void sim_device_tick(struct sim_device *dev, uint64_t now);
/* Earliest time something is due, or UINT64_MAX. */
uint64_t sim_device_next_deadline(const struct sim_device *dev);
/* The host side is back after SIM_EV_DETACH: the chip boots (per straps) and logs. */
void sim_device_usb_attach(struct sim_device *dev, uint64_t now);
/* Power-cycle the device now (a full reset: RTC watchdog off, boot per current straps). */
void sim_device_power_cycle(struct sim_device *dev, enum sim_boot boot, uint64_t now);

enum sim_state sim_device_state(const struct sim_device *dev);
uint32_t sim_device_baud(const struct sim_device *dev);
int sim_device_wdt_armed(const struct sim_device *dev);
const struct sim_stats *sim_device_stats(const struct sim_device *dev);

/* "esp32s3" etc.; -1 when unknown. */
int sim_chip_by_name(const char *name);
/* "esp32s3" etc. */
const char *sim_chip_name(enum sim_chip chip);
/* "ESP32-S3" etc. */
const char *sim_chip_label(enum sim_chip chip);
/* Nonzero when the chip has a USB-Serial/JTAG peripheral. */
int sim_chip_has_usb_jtag(enum sim_chip chip);
/* Nonzero when the chip's ROM talks CDC-ACM over USB-OTG. */
int sim_chip_has_usb_otg(enum sim_chip chip);
/* A transport by name ("uart", "usb-jtag" or "usb-serial-jtag", "usb-otg"); -1 when unknown. */
int sim_transport_by_name(const char *name);
/* "uart", "usb-jtag", "usb-otg". */
const char *sim_transport_name(enum sim_transport t);
/* NULL when the chip has the transport, else why not ("the ESP32 has no USB-Serial/JTAG"). */
const char *sim_transport_check(enum sim_chip chip, enum sim_transport t);
/* "esp8266, esp32, ..." for help texts and errors. */
const char *sim_chip_names(void);
const char *sim_state_name(enum sim_state st);

/*
 * What a UART receiving at rx_baud reads of bytes sent at tx_baud (8N1;
 * a framing error reads as 0x00): the ESP8266's 74880-baud boot text as a
 * host at 115200 sees it. Pure. Returns the bytes written to out.
 */
size_t sim_uart_resample(const uint8_t *in, size_t n, uint32_t tx_baud, uint32_t rx_baud,
    uint8_t *out, size_t outmax);

/*
 * MD5 as the loader and stub report it (RFC 1321). Pure; used by the device
 * model and by tests.
 */
struct sim_md5 {
	uint32_t state[4];
	uint64_t count;
	uint8_t buf[64];
};
void sim_md5_init(struct sim_md5 *m);
void sim_md5_update(struct sim_md5 *m, const uint8_t *data, size_t len);
void sim_md5_final(struct sim_md5 *m, uint8_t digest[16]);

/*
 * The flash image file (src/sim/flashfile.c, I/O): open or create `path`
 * as `size` bytes of erased flash (0xFF) and map it shared, so writes
 * persist. An existing file of another size is refused. Returns NULL and
 * fills err (a message naming the file and the fix) on failure.
 */
struct sim_flashfile;
struct sim_flashfile *sim_flashfile_open(const char *path, size_t size, int *created, char *err, size_t errlen);
uint8_t *sim_flashfile_data(struct sim_flashfile *ff);
size_t sim_flashfile_size(const struct sim_flashfile *ff);
/* msync and unmap; NULL is a no-op. */
void sim_flashfile_close(struct sim_flashfile *ff);

#endif
