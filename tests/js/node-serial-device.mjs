// node-serial-device.mjs — a Web Serial `SerialPort` look-alike for node, so
// esptool-js (written for browsers) can drive a serial port by its path.
//
// It wraps node-serialport (which does the termios work and accepts ptys) and
// offers what esptool-js's Transport uses: open({baudRate}), close(),
// `readable` / `writable` WHATWG streams, setSignals(), getSignals(),
// getInfo() and setBaudRate() (Transport prefers it to a close/reopen when it
// changes baud after CHANGE_BAUDRATE, which keeps a pty or proxy session
// alive).
//
// Differences from Web Serial, on purpose:
// - setSignals()/getSignals() on a port without modem lines (a Linux pty
//   answers TIOCMSET with ENOTTY) do not fail: the first failure is reported
//   once through the `onNote` callback, later ones are silent. esptool-js's
//   reset sequences then become harmless no-ops.
// - getInfo() is empty (no USB ids): esptool-js then decides USB-Serial/JTAG
//   vs UART from the chip's registers, like esptool does on a pty.

import { SerialPort } from "serialport";

function lostError(cause) {
	// esptool-js treats a DOMException as "device lost".
	const msg = "The device has been lost" + (cause ? ` (${cause.message || cause})` : "");
	return new DOMException(msg, "NetworkError");
}

export class NodeSerialDevice {
	/**
	 * @param {string} path serial device or pty path (symlinks are fine)
	 * @param {{onNote?: (msg: string) => void}} opts
	 */
	constructor(path, opts = {}) {
		this.path = path;
		this.onNote = opts.onNote || (() => {});
		this.readable = null;
		this.writable = null;
		this.baudRate = 0;
		this._port = null;
		this._signals = { dtr: true, rts: true, brk: false };
		this._signalsFailed = false;
		this._lost = null;
	}

	getInfo() {
		return {};
	}

	/** Open the port (Web Serial: port.open({baudRate, ...})). */
	async open(options = {}) {
		if (this._port !== null)
			throw new DOMException("The port is already open.", "InvalidStateError");
		const baudRate = options.baudRate || 115200;
		const port = new SerialPort({
			path: this.path,
			baudRate,
			dataBits: options.dataBits || 8,
			stopBits: options.stopBits || 1,
			parity: options.parity || "none",
			rtscts: options.flowControl === "hardware",
			autoOpen: false,
			// No flock: a proxy or a second observer may hold the device.
			lock: false,
			// Do not drop DTR/RTS on close (a real board would reset).
			hupcl: false,
		});
		await new Promise((resolve, reject) =>
			port.open((err) => (err ? reject(err) : resolve())));
		this._port = port;
		this._lost = null;
		this.baudRate = baudRate;
		this._makeStreams(port);
	}

	_makeStreams(port) {
		let done = false;
		let controller = null;
		const finish = (err) => {
			if (done)
				return;
			done = true;
			try {
				if (err)
					controller.error(err);
				else
					controller.close();
			} catch {
				/* already closed or canceled */
			}
		};
		const onData = (chunk) => {
			if (!done)
				controller.enqueue(new Uint8Array(chunk));
		};
		const onError = (err) => {
			this._lost = err;
			finish(lostError(err));
		};
		const onClose = (err) => {
			if (err && err.disconnected) {
				this._lost = err;
				finish(lostError(err));
			} else {
				finish(null);
			}
		};
		this.readable = new ReadableStream({
			start(c) {
				controller = c;
				port.on("data", onData);
				port.on("error", onError);
				port.on("close", onClose);
			},
			cancel() {
				done = true;
				port.off("data", onData);
			},
		});
		this.writable = new WritableStream({
			write: (chunk) => new Promise((resolve, reject) => {
				if (this._lost)
					return reject(lostError(this._lost));
				if (!port.isOpen)
					return reject(new DOMException("The port is closed.", "InvalidStateError"));
				port.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
				    (err) => (err ? reject(lostError(err)) : resolve()));
			}),
		});
	}

	/** Close the port; safe to call on a port that went away. */
	async close() {
		const port = this._port;
		this._port = null;
		this.readable = null;
		this.writable = null;
		if (port === null || !port.isOpen)
			return;
		await new Promise((resolve) => port.close(() => resolve()));
	}

	/** Change the host side's baud rate in place (used by esptool-js). */
	async setBaudRate(baudRate) {
		if (this._port === null)
			throw new DOMException("The port is closed.", "InvalidStateError");
		await new Promise((resolve, reject) =>
			this._port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
		this.baudRate = baudRate;
	}

	async setSignals(signals = {}) {
		if (signals.dataTerminalReady !== undefined)
			this._signals.dtr = !!signals.dataTerminalReady;
		if (signals.requestToSend !== undefined)
			this._signals.rts = !!signals.requestToSend;
		if (signals.break !== undefined)
			this._signals.brk = !!signals.break;
		if (this._port === null || this._signalsFailed)
			return;
		// node-serialport's set() defaults every omitted line, so pass all.
		const want = { ...this._signals };
		try {
			await new Promise((resolve, reject) =>
				this._port.set(want, (err) => (err ? reject(err) : resolve())));
		} catch (err) {
			this._signalsFailed = true;
			this.onNote(`cannot set DTR/RTS on ${this.path} (${err.message}); ` +
			    "reset lines ignored from now on");
		}
	}

	async getSignals() {
		const none = { dataCarrierDetect: false, clearToSend: false, ringIndicator: false,
		    dataSetReady: false };
		if (this._port === null || this._signalsFailed)
			return none;
		try {
			const s = await new Promise((resolve, reject) =>
				this._port.get((err, v) => (err ? reject(err) : resolve(v))));
			return { dataCarrierDetect: !!s.dcd, clearToSend: !!s.cts,
			    ringIndicator: false, dataSetReady: !!s.dsr };
		} catch {
			return none;
		}
	}
}
