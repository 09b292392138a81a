#!/bin/sh
# sim-rfc2217-reset.sh — `sliptap sim --rfc2217`: DTR/RTS over RFC 2217 drive
# the simulated auto-reset circuit (EN and IO0), so the reset sequences decide
# the boot mode of a sim started with --boot spi.
#  1. pySerial's rfc2217:// client (python3-serial): with no
#     reset the sim answers with its boot log but never a SYNC; the classic
#     sequence (esptool's timings) through the default server (esp: like
#     esp_rfc2217_server) puts it in download mode and SYNC is answered;
#     through --rfc2217-reset direct (like ser2net) the same sequence ends in
#     SPI boot (pySerial waits for each SET-CONTROL answer, so DTR=RTS=1 lasts
#     long enough for EN to rise with IO0 high), while the USB-Serial/JTAG
#     sequence on an ESP32-S3 (latch-based) still reaches download mode.
#  2. sim-rfc2217-reset-py.sh does the Python esptool part.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_pyserial

w=$(e2e_tmpdir work)

client() {
	e2e_rfc2217_client "$@"
}

e2e_log "esp32, esp server: no reset -> boot log, SPI boot, no SYNC reply"
e2e_start_net_sim esp32-esp --verbose --chip esp32 --boot spi
e2e_run "$w/c1.log" client "$NSIM_URL" none || e2e_fail "client failed"
e2e_expect "$w/c1.log" '^sync_replies=0$' "no reset: SYNC must be ignored"
# (the open's PURGE-DATA may race the boot log away; the app's text remains)
e2e_expect "$w/c1.log" 'boot:0x13 (SPI_FAST_FLASH_BOOT)\|invalid header: 0xffffffff' "no reset: SPI boot or app text"
e2e_expect "$NSIM_ERR" 'RTS off: hard reset' "no reset: an RTS-off at open is a hard reset (esp_rfc2217_server)"
[ "$(grep -c 'boot: rst:0x1 (POWERON_RESET), SPI boot' "$NSIM_ERR")" -ge 2 ] ||
    e2e_fail "no reset: the hard reset did not boot the app again"

e2e_log "esp32, esp server: classic reset -> download mode, SYNC answered"
e2e_run "$w/c2.log" client "$NSIM_URL" classic || e2e_fail "client failed"
e2e_expect "$w/c2.log" '^sync_replies=[1-9]' "classic reset: SYNC replies"
e2e_expect "$w/c2.log" 'boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))' "classic reset: download boot log"
e2e_expect "$w/c2.log" 'waiting for download' "classic reset: download boot log"
e2e_expect "$NSIM_ERR" 'DTR on: reset into download mode' "classic reset: the server's reset"
e2e_wait_line "$NSIM_ERR" 'client 2 gone (closed); DTR and RTS released' "$NSIM_PID" ||
    e2e_fail "the sim did not see the second client go"
e2e_stop_sim "$NSIM_PID"

e2e_log "esp32, direct server: classic reset over the network -> SPI boot"
e2e_start_net_sim esp32-direct --verbose --chip esp32 --boot spi --rfc2217-reset direct
e2e_run "$w/c3.log" client "$NSIM_URL" classic || e2e_fail "client failed"
e2e_expect "$w/c3.log" '^sync_replies=0$' "direct classic: no download mode"
e2e_expect "$w/c3.log" 'boot:0x13 (SPI_FAST_FLASH_BOOT)' "direct classic: the SPI boot log"
e2e_expect "$NSIM_ERR" 'EN low: chip held in reset' "direct classic: RTS reached EN"
e2e_reject "$NSIM_ERR" 'download mode' "direct classic"
e2e_stop_sim "$NSIM_PID"

e2e_log "esp32s3 usb-jtag, direct server: USB-Serial/JTAG sequence -> download mode"
e2e_start_net_sim s3-direct --verbose --chip esp32s3 --transport usb-jtag --no-wdt --boot spi --rfc2217-reset direct
e2e_run "$w/c4.log" client "$NSIM_URL" none || e2e_fail "client failed"
e2e_expect "$w/c4.log" '^sync_replies=0$' "s3 no reset: SYNC must be ignored"
e2e_run "$w/c5.log" client "$NSIM_URL" usbjtag || e2e_fail "client failed"
e2e_expect "$w/c5.log" '^sync_replies=[1-9]' "s3 usb-jtag reset: SYNC replies"
e2e_expect "$w/c5.log" 'rst:0x15 (USB_UART_CHIP_RESET),boot:0x' "s3 usb-jtag reset: USB core reset boot log"
e2e_expect "$NSIM_ERR" 'USB-Serial/JTAG: core reset asserted' "s3 usb-jtag reset"
e2e_stop_sim "$NSIM_PID"

echo "pass"
