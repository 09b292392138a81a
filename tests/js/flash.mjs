#!/usr/bin/env node
// flash.mjs — a command-line esptool-js client for sliptap's end-to-end tests.
//
// Drives esptool-js (the library browsers use) against a serial port given by
// its path: a real adapter, the simulator's pty or a proxy's link. Options and
// commands follow esptool's vocabulary:
//
//   node flash.mjs --port PATH [options] COMMAND [ARGS]
//   node flash.mjs --port PATH [options] ADDR FILE [ADDR FILE ...]   (write_flash)
//
// Output: esptool-js's own terminal lines verbatim (including its
// "Writing at 0x... (NN%)" progress and "Hash of data verified."), then this
// client's lines. On failure one line "error: MESSAGE" and exit status 1;
// a usage error exits 2; the global --timeout exits 3 with "error: timeout".

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ESPLoader, Transport } from "esptool-js";
import { NodeSerialDevice } from "./node-serial-device.mjs";

const USAGE = `usage: node flash.mjs --port PATH [options] COMMAND [ARGS]

commands (esptool's names):
  chip_id                       connect and print the chip
  flash_id                      print the SPI flash id and size
  write_flash ADDR FILE ...     write files (default when the first argument is an address)
  read_flash ADDR SIZE FILE     read flash into FILE (stub only)
  verify_flash ADDR FILE ...    compare flash with files by MD5
  erase_flash                   erase the whole flash (stub only)

options:
  -p, --port PATH         serial port (required)
  -b, --baud N            baud rate after connecting (default 115200)
      --rom-baud N        baud rate to talk to the ROM (default 115200)
  -c, --chip NAME         auto (default) or esp32, esp32s3, ...: fail on another chip
      --before MODE       default_reset | usb_reset | no_reset (default default_reset)
      --after MODE        hard_reset | soft_reset | no_reset | no_reset_stub (default hard_reset)
      --no-stub           talk to the ROM loader only
  -u, --no-compress       write uncompressed (FLASH_DATA instead of FLASH_DEFL_DATA)
  -z, --compress          write compressed (the default)
  -e, --erase-all         erase the whole flash before writing (stub only)
      --flash-size SIZE   keep (default), detect, 4MB, ...
      --verify            after writing, read the flash back and compare bytes
      --read OFF:SIZE:OUT after the command, read flash OFF..OFF+SIZE into OUT (repeatable)
      --connect-attempts N  (default 7)
      --timeout SECONDS   give up with exit 3 after this long (default 120)
      --trace             esptool-js wire trace
      --debug             esptool-js debug lines
  -h, --help              this text
`;

let atLineStart = true;
function out(s) {
	if (s.length === 0)
		return;
	process.stdout.write(s);
	atLineStart = s.endsWith("\n");
}
const note = (s) => process.stderr.write(`flash.mjs: ${s}\n`);

function oneLine(msg) {
	return String(msg).replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function fail(msg, code = 1) {
	out(`${atLineStart ? "" : "\n"}error: ${oneLine(msg)}\n`);
	process.exit(code);
}

function usage(msg) {
	process.stderr.write(`flash.mjs: ${msg}\n${USAGE}`);
	process.exit(2);
}

// "0x10000", "65536", "64k", "1M", "1MB" -> number
function parseNum(s, what) {
	const m = /^(0x[0-9a-f]+|\d+)\s*([kKmM]?)[bB]?$/.exec(String(s).trim());
	if (m === null)
		usage(`bad ${what} "${s}"`);
	let v = Number(m[1]);
	if (m[2] === "k" || m[2] === "K")
		v *= 1024;
	else if (m[2] === "m" || m[2] === "M")
		v *= 1024 * 1024;
	if (!Number.isSafeInteger(v) || v < 0)
		usage(`bad ${what} "${s}"`);
	return v;
}

const hex = (n) => "0x" + n.toString(16).padStart(8, "0");
const md5hex = (data) => createHash("md5").update(data).digest("hex");
const chipKey = (name) => String(name).toLowerCase().replace(/[^a-z0-9]/g, "");

let args;
try {
	args = parseArgs({
		allowPositionals: true,
		options: {
			port: { type: "string", short: "p" },
			baud: { type: "string", short: "b", default: "115200" },
			"rom-baud": { type: "string", default: "115200" },
			chip: { type: "string", short: "c", default: "auto" },
			before: { type: "string", default: "default_reset" },
			after: { type: "string", default: "hard_reset" },
			"no-stub": { type: "boolean", default: false },
			"no-compress": { type: "boolean", short: "u", default: false },
			compress: { type: "boolean", short: "z", default: false },
			"erase-all": { type: "boolean", short: "e", default: false },
			"flash-size": { type: "string", default: "keep" },
			verify: { type: "boolean", default: false },
			read: { type: "string", multiple: true, default: [] },
			"connect-attempts": { type: "string", default: "7" },
			timeout: { type: "string", default: "120" },
			trace: { type: "boolean", default: false },
			debug: { type: "boolean", default: false },
			help: { type: "boolean", short: "h", default: false },
		},
	});
} catch (err) {
	usage(err.message);
}
const opt = args.values;
if (opt.help) {
	out(USAGE);
	process.exit(0);
}
if (!opt.port)
	usage("--port is required");
if (!["default_reset", "usb_reset", "no_reset"].includes(opt.before))
	usage(`bad --before "${opt.before}"`);
if (!["hard_reset", "soft_reset", "no_reset", "no_reset_stub"].includes(opt.after))
	usage(`bad --after "${opt.after}"`);
if (opt.compress && opt["no-compress"])
	usage("--compress and --no-compress contradict each other");

let pos = args.positionals;
let command = "write_flash";
if (pos.length > 0 && /^[a-z_]+$/.test(pos[0]))
	command = pos.shift();

const baud = parseNum(opt.baud, "baud rate");
const romBaud = parseNum(opt["rom-baud"], "baud rate");
const timeoutSec = Number(opt.timeout);
if (!(timeoutSec > 0))
	usage(`bad --timeout "${opt.timeout}"`);
const attempts = parseNum(opt["connect-attempts"], "attempt count");

// Positional arguments, checked before touching the port.
const files = [];	// {address, path, data}
let readArgs = null;
function addrFilePairs(what) {
	if (pos.length === 0 || pos.length % 2 !== 0)
		usage(`${what} needs ADDR FILE pairs`);
	for (let i = 0; i < pos.length; i += 2) {
		const address = parseNum(pos[i], "address");
		let data;
		try {
			data = new Uint8Array(readFileSync(pos[i + 1]));
		} catch (err) {
			fail(`cannot read ${pos[i + 1]}: ${err.message}`);
		}
		files.push({ address, path: pos[i + 1], data });
	}
}
switch (command) {
case "chip_id":
case "flash_id":
case "erase_flash":
	if (pos.length !== 0)
		usage(`${command} takes no arguments`);
	break;
case "write_flash":
case "verify_flash":
	addrFilePairs(command);
	break;
case "read_flash":
	if (pos.length !== 3)
		usage("read_flash needs ADDR SIZE FILE");
	readArgs = { address: parseNum(pos[0], "address"), size: parseNum(pos[1], "size"), path: pos[2] };
	break;
default:
	usage(`unknown command "${command}"`);
}
const extraReads = opt.read.map((r) => {
	const m = /^([^:]+):([^:]+):(.+)$/.exec(r);
	if (m === null)
		usage(`bad --read "${r}" (want OFFSET:SIZE:FILE)`);
	return { address: parseNum(m[1], "address"), size: parseNum(m[2], "size"), path: m[3] };
});
const needsStub = command === "read_flash" || command === "erase_flash" ||
    extraReads.length > 0 || opt["erase-all"];
if (opt["no-stub"] && needsStub)
	usage(`${opt["erase-all"] ? "--erase-all" : command === "write_flash" ? "--read" : command} needs the stub (drop --no-stub)`);

// Never hang: the whole run has one deadline.
setTimeout(() => fail("timeout", 3), timeoutSec * 1000);
process.on("unhandledRejection", (err) => fail(err && err.message ? err.message : err));

const terminal = {
	clean() {},
	writeLine(s) { out(String(s).replace(/\r/g, "") + "\n"); },
	write(s) { out(String(s).replace(/\r/g, "")); },
};
const device = new NodeSerialDevice(opt.port, { onNote: note });
const transport = new Transport(device, opt.trace);
// Transport traces a few events even when tracing is off; keep stdout clean.
const traceFn = transport.trace.bind(transport);
transport.trace = (m) => { if (transport.tracing) traceFn(m); };
const loader = new ESPLoader({
	transport,
	baudrate: baud,
	romBaudrate: romBaud,
	terminal,
	debugLogging: opt.debug,
	enableTracing: opt.trace,
});

// The ROM answers SPI_FLASH_MD5 with 32 ASCII hex digits, the stub with 16
// raw bytes; esptool-js 0.7 hexes both, so ROM digests never match. Decode
// the ROM's text here (a short or malformed reply still fails in
// checkCommand or in the comparison).
const md5sumRaw = loader.flashMd5sum.bind(loader);
loader.flashMd5sum = async (addr, size) => {
	const r = await md5sumRaw(addr, size);
	if (!loader.IS_STUB && /^([0-9a-f]{2}){32}$/.test(r))
		return Buffer.from(r, "hex").toString("latin1").toLowerCase();
	return r;
};

// main() cannot pass the attempt count down; detectChip() can.
const detectChipRaw = loader.detectChip.bind(loader);
loader.detectChip = (mode) => detectChipRaw(mode, attempts);

async function connect() {
	if (!opt["no-stub"]) {
		await loader.main(opt.before);
	} else {
		// esptool-js's main() without the stub upload.
		await loader.detectChip(opt.before);
		if (!loader.secureDownloadMode) {
			const chip = await loader.chip.getChipDescription(loader);
			if (loader.chip.getChipRevision)
				loader.info("Chip Revision: " + (await loader.chip.getChipRevision(loader)));
			loader.info("Chip is " + chip);
			loader.info("Features: " + (await loader.chip.getChipFeatures(loader)));
			loader.info("Crystal is " + (await loader.chip.getCrystalFreq(loader)) + "MHz");
			loader.info("MAC: " + (await loader.chip.readMac(loader)));
			if (typeof loader.chip.postConnect !== "undefined")
				await loader.chip.postConnect(loader);
		}
		// esptool writes 0x400-byte blocks to the ROM (0x4000 to the stub).
		loader.FLASH_WRITE_SIZE = 0x400;
		if (romBaud !== baud)
			await loader.changeBaud();
		if (!loader.secureDownloadMode) {
			const flashId = await loader.readFlashId();
			loader.info("Flash ID: " + flashId.toString(16));
		}
	}
	if (opt.chip !== "auto" && chipKey(loader.chip.CHIP_NAME) !== chipKey(opt.chip))
		throw new Error(`This chip is ${loader.chip.CHIP_NAME}, not ${opt.chip}.`);
}

async function readRegion(address, size, label) {
	const t0 = Date.now();
	let lastPct = -1;
	const data = await loader.readFlash(address, size, (_pkt, got, total) => {
		const pct = Math.floor((100 * got) / total);
		if (pct >= lastPct + 10 || got === total) {
			lastPct = pct;
			out(`Reading at ${hex(address + got)}... (${pct}%)\n`);
		}
	});
	const secs = (Date.now() - t0) / 1000;
	out(`Read ${data.length} bytes at ${hex(address)} in ${secs.toFixed(1)} seconds` +
	    (label ? ` into ${label}` : "") + ".\n");
	return data.subarray(0, size);
}

async function verifyMd5(address, data, label) {
	out(`Verifying ${hex(data.length)} (${data.length}) bytes @ ${hex(address)} in flash against ${label}...\n`);
	const flash = await loader.flashMd5sum(address, data.length);
	if (flash !== md5hex(data))
		throw new Error(`Verify failed: flash md5 ${flash} at ${hex(address)} differs from ${label} (${md5hex(data)})`);
	out("-- verify OK (digest matched)\n");
}

async function run() {
	await connect();
	switch (command) {
	case "chip_id":
		out(`Chip type: ${loader.chip.CHIP_NAME}\n`);
		break;
	case "flash_id":
		await loader.flashId();
		break;
	case "write_flash": {
		const keep = opt["flash-size"] === "keep";
		await loader.writeFlash({
			fileArray: files.map((f) => ({ data: f.data, address: f.address })),
			flashSize: opt["flash-size"],
			flashMode: "keep",
			flashFreq: "keep",
			eraseAll: opt["erase-all"],
			compress: !opt["no-compress"],
			calculateMD5Hash: (image) => md5hex(image),
		});
		if (opt.verify) {
			out("Verifying just-written flash...\n");
			for (const f of files) {
				if (!keep && f.address === loader.chip.BOOTLOADER_FLASH_OFFSET) {
					out(`(skipping ${f.path}: its header was rewritten)\n`);
					continue;
				}
				if (loader.IS_STUB) {
					const back = await readRegion(f.address, f.data.length, null);
					if (Buffer.compare(Buffer.from(back), Buffer.from(f.data)) !== 0)
						throw new Error(`Verify failed: flash at ${hex(f.address)} differs from ${f.path}`);
					out("-- verify OK (read back, bytes matched)\n");
				} else {
					await verifyMd5(f.address, f.data, f.path);
				}
			}
		}
		break;
	}
	case "verify_flash":
		for (const f of files)
			await verifyMd5(f.address, f.data, f.path);
		break;
	case "read_flash":
		writeFileSync(readArgs.path, await readRegion(readArgs.address, readArgs.size, readArgs.path));
		break;
	case "erase_flash":
		await loader.eraseFlash();
		break;
	}
	for (const r of extraReads)
		writeFileSync(r.path, await readRegion(r.address, r.size, r.path));

	// esptool-js's after("no_reset") on a stub starts an unawaited soft reset
	// that throws on every chip but the ESP8266; esptool stays in the stub.
	let after = opt.after;
	if (after === "no_reset" && loader.IS_STUB)
		after = "no_reset_stub";
	await loader.after(after);
}

let code = 0;
try {
	await run();
} catch (err) {
	out(`${atLineStart ? "" : "\n"}error: ${oneLine(err && err.message ? err.message : err)}\n`);
	code = 1;
}
// Close the port without letting a dead device hold up the exit.
await Promise.race([transport.disconnect().catch(() => {}),
    new Promise((r) => setTimeout(r, 1000))]);
process.exit(code);
