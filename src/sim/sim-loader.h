/*
 * sim-loader.h — the loaders a frame is dispatched to (sim.c): the ROM
 * serial loader (rom.c) and the flasher stubs (stub.c). Not a public
 * interface.
 */
#ifndef SLIPTAP_SIM_LOADER_H
#define SLIPTAP_SIM_LOADER_H

#include "sim-dev.h"

void sim_rom_command(struct sim_device *dev, const struct esp_packet *pkt);
void sim_stub_command(struct sim_device *dev, const struct esp_packet *pkt);
/* stub READ_FLASH: a frame while streaming (an ack), and the sender. */
void sim_stub_read_frame(struct sim_device *dev, const uint8_t *body, size_t len);
void sim_stub_read_pump(struct sim_device *dev);
/* esp-flasher-stub (stub2.c) */
void sim_stub2_command(struct sim_device *dev, const struct esp_packet *pkt);
/* A frame that is no well-formed command: esp-flasher-stub answers it. */
void sim_stub2_bad_frame(struct sim_device *dev, uint8_t op, uint8_t err);

#endif
