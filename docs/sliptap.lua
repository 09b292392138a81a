-- sliptap.lua — Wireshark/tshark dissector for sliptap capture files.
--
-- sliptap writes classic pcap files with link type LINKTYPE_USER0 (147);
-- every packet is one sliptap record: a 24-byte record header (magic 'S',
-- version, header length, type, direction, flags, record number, ref,
-- stream offset) and a type-specific body. FRAME records hold a SLIP frame
-- exactly as it was on the wire; this dissector SLIP-decodes it and shows
-- the ESP serial bootloader packet. Format: docs/capture-format.md.
--
-- Use:   wireshark -X lua_script:docs/sliptap.lua capture.pcap
--        tshark -X lua_script:docs/sliptap.lua -r capture.pcap -Y 'sliptap.op_name == "FLASH_DATA"'
-- or copy this file to your personal plugins folder
-- (~/.local/lib/wireshark/plugins/, see Help > About > Folders).
--
-- Filterable fields: sliptap.type, sliptap.dir, sliptap.stage, sliptap.flags.*,
-- sliptap.rec, sliptap.ref, sliptap.offset, sliptap.kind, sliptap.op,
-- sliptap.op_name, sliptap.len, sliptap.checksum, sliptap.value, sliptap.seq,
-- sliptap.data_size, sliptap.checksum_ok, sliptap.flash.*, sliptap.baud,
-- sliptap.status, sliptap.error, sliptap.error_name, sliptap.slip_error,
-- sliptap.event, sliptap.event_name, sliptap.text, sliptap.field, sliptap.rule,
-- sliptap.action, sliptap.changed, sliptap.chip, sliptap.phase, sliptap.progress,
-- sliptap.stub ("legacy" or "esp-flasher-stub", from the uploaded image),
-- sliptap.stub_code; a FAULT's sliptap.fault.rule, sliptap.fault.op,
-- sliptap.fault.seq; a DISCARDED event's sliptap.discarded (bytes).

local p = Proto("sliptap", "sliptap serial capture")

local TYPES = { [1] = "FRAME", [2] = "OUTSIDE", [3] = "SLIP_ERROR", [4] = "EVENT", [5] = "CHUNK" }
local DIRS = { [0] = "none", [1] = "h2d", [2] = "d2h" }
local ARROWS = { [0] = "--", [1] = "H->D", [2] = "D->H" }
local STAGES = { [0] = "unchanged", [1] = "original", [2] = "delivered", [3] = "stage3" }
local SLIP_ERRORS = { [1] = "BAD_ESCAPE", [2] = "OVERSIZE", [3] = "TRUNCATED" }
local EVENTS = {
	[1] = "START", [2] = "END", [3] = "PORT_OPEN", [4] = "PORT_CLOSE", [5] = "HANGUP",
	[6] = "BAUD", [7] = "LINES", [8] = "RESET", [9] = "FAULT", [10] = "SESSION",
	[11] = "NOT_TRIGGERED", [12] = "NOTE", [13] = "ERROR", [14] = "VERDICT",
	[15] = "DISCARDED", [16] = "DEVICE_WRITE_BLOCKED", [17] = "DEVICE_WRITE_UNBLOCKED",
	[18] = "HOST_WRITE_BLOCKED", [19] = "HOST_WRITE_UNBLOCKED",
}
local OPS = {
	[0x02] = "FLASH_BEGIN", [0x03] = "FLASH_DATA", [0x04] = "FLASH_END",
	[0x05] = "MEM_BEGIN", [0x06] = "MEM_END", [0x07] = "MEM_DATA", [0x08] = "SYNC",
	[0x09] = "WRITE_REG", [0x0A] = "READ_REG", [0x0B] = "SPI_SET_PARAMS",
	[0x0D] = "SPI_ATTACH", [0x0E] = "READ_FLASH_SLOW", [0x0F] = "CHANGE_BAUDRATE",
	[0x10] = "FLASH_DEFL_BEGIN", [0x11] = "FLASH_DEFL_DATA", [0x12] = "FLASH_DEFL_END",
	[0x13] = "SPI_FLASH_MD5", [0x14] = "GET_SECURITY_INFO", [0xD0] = "ERASE_FLASH",
	[0xD1] = "ERASE_REGION", [0xD2] = "READ_FLASH", [0xD3] = "RUN_USER_CODE",
	[0xD4] = "FLASH_ENCRYPT_DATA",
}
local DATA_OPS = { [0x03] = true, [0x07] = true, [0x11] = true, [0xD4] = true }
local BEGIN_OPS = { [0x02] = true, [0x05] = true, [0x10] = true }
local ERRORS = {
	[0x05] = "INVALID_MESSAGE", [0x06] = "FAILED_TO_ACT", [0x07] = "BAD_CHECKSUM",
	[0x08] = "FLASH_WRITE_ERR", [0x09] = "FLASH_READ_ERR", [0x0A] = "READ_LENGTH_ERR",
	[0x0B] = "DEFLATE_ERR", [0xC0] = "BAD_DATA_LEN", [0xC1] = "BAD_DATA_CHECKSUM",
	[0xC2] = "BAD_BLOCKSIZE", [0xC3] = "INVALID_COMMAND", [0xC4] = "FAILED_SPI_OP",
	[0xC5] = "FAILED_SPI_UNLOCK", [0xC6] = "NOT_IN_FLASH_MODE", [0xC7] = "INFLATE_ERROR",
	[0xC8] = "NOT_ENOUGH_DATA", [0xC9] = "TOO_MUCH_DATA", [0xFF] = "CMD_NOT_IMPLEMENTED",
}

local STUBS = { [1] = "legacy", [2] = "esp-flasher-stub" }

local F = {
	magic = ProtoField.uint8("sliptap.magic", "Magic", base.HEX),
	version = ProtoField.uint8("sliptap.version", "Version"),
	hdr_len = ProtoField.uint8("sliptap.hdr_len", "Header length"),
	type = ProtoField.uint8("sliptap.type", "Record type", base.DEC, TYPES),
	dir = ProtoField.uint8("sliptap.dir", "Direction", base.DEC,
		{ [0] = "none (harness)", [1] = "h2d (host to device)", [2] = "d2h (device to host)" }),
	flags = ProtoField.uint16("sliptap.flags", "Flags", base.HEX),
	stage = ProtoField.uint16("sliptap.stage", "Stage", base.DEC, STAGES, 0x0003),
	f_injected = ProtoField.bool("sliptap.flags.injected", "Injected", 16, nil, 0x0004),
	f_annotation = ProtoField.bool("sliptap.flags.annotation", "Annotation", 16, nil, 0x0008),
	f_raw_partial = ProtoField.bool("sliptap.flags.raw_partial", "Raw bytes partial", 16, nil, 0x0010),
	f_status2 = ProtoField.bool("sliptap.flags.status2", "2-byte status", 16, nil, 0x0020),
	f_status4 = ProtoField.bool("sliptap.flags.status4", "4-byte status", 16, nil, 0x0040),
	f_stub = ProtoField.bool("sliptap.flags.stub", "Stub running", 16, nil, 0x0080),
	rec = ProtoField.uint32("sliptap.rec", "Record number"),
	ref = ProtoField.uint32("sliptap.ref", "Derived from record"),
	offset = ProtoField.uint64("sliptap.offset", "Stream offset"),
	wire_len = ProtoField.uint32("sliptap.wire_len", "Wire length"),
	decoded_len = ProtoField.uint32("sliptap.decoded_len", "Decoded length"),
	aux = ProtoField.uint32("sliptap.aux", "Aux", base.HEX),
	slip_error = ProtoField.uint8("sliptap.slip_error", "SLIP error", base.DEC, SLIP_ERRORS),
	bad_byte = ProtoField.uint8("sliptap.bad_byte", "Byte after DB", base.HEX),
	raw = ProtoField.bytes("sliptap.raw", "Raw wire bytes"),
	text = ProtoField.string("sliptap.text", "Text"),
	-- ESP packet
	kind = ProtoField.string("sliptap.kind", "Kind"),
	direction = ProtoField.uint8("sliptap.esp_dir", "ESP direction", base.HEX,
		{ [0] = "command", [1] = "response" }),
	op = ProtoField.uint8("sliptap.op", "Op", base.HEX, OPS),
	op_name = ProtoField.string("sliptap.op_name", "Op name"),
	len = ProtoField.uint16("sliptap.len", "Data length"),
	checksum = ProtoField.uint32("sliptap.checksum", "Checksum", base.HEX),
	checksum_ok = ProtoField.bool("sliptap.checksum_ok", "Checksum correct"),
	value = ProtoField.uint32("sliptap.value", "Value", base.HEX),
	seq = ProtoField.uint32("sliptap.seq", "Sequence"),
	data_size = ProtoField.uint32("sliptap.data_size", "Data size"),
	payload = ProtoField.bytes("sliptap.payload", "Payload"),
	fl_size = ProtoField.uint32("sliptap.flash.size", "Size"),
	fl_blocks = ProtoField.uint32("sliptap.flash.blocks", "Blocks"),
	fl_blocksize = ProtoField.uint32("sliptap.flash.blocksize", "Block size"),
	fl_offset = ProtoField.uint32("sliptap.flash.offset", "Offset", base.HEX),
	fl_encrypted = ProtoField.uint32("sliptap.flash.encrypted", "Encrypted"),
	baud = ProtoField.uint32("sliptap.baud", "Baud rate"),
	old_baud = ProtoField.uint32("sliptap.old_baud", "Old baud rate"),
	addr = ProtoField.uint32("sliptap.addr", "Address", base.HEX),
	reg_value = ProtoField.uint32("sliptap.reg_value", "Register value", base.HEX),
	status = ProtoField.uint8("sliptap.status", "Status (0 = ok)", base.HEX),
	stub = ProtoField.string("sliptap.stub", "Flasher stub"),
	stub_code = ProtoField.uint16("sliptap.stub_code", "Stub response code", base.HEX),
	error = ProtoField.uint8("sliptap.error", "Error", base.HEX, ERRORS),
	error_name = ProtoField.string("sliptap.error_name", "Error name"),
	-- events
	event = ProtoField.uint16("sliptap.event", "Event", base.DEC, EVENTS),
	event_name = ProtoField.string("sliptap.event_name", "Event name"),
	field = ProtoField.string("sliptap.field", "Field"),
	rule = ProtoField.string("sliptap.rule", "Fault rule"),
	action = ProtoField.string("sliptap.action", "Fault action"),
	changed = ProtoField.string("sliptap.changed", "Changed"),
	chip = ProtoField.string("sliptap.chip", "Chip"),
	phase = ProtoField.string("sliptap.phase", "Phase"),
	progress = ProtoField.uint32("sliptap.progress", "Progress (%)"),
	fault_rule = ProtoField.string("sliptap.fault.rule", "Fault rule"),
	fault_op = ProtoField.string("sliptap.fault.op", "Fault on op"),
	fault_seq = ProtoField.uint32("sliptap.fault.seq", "Fault on seq"),
	discarded = ProtoField.uint32("sliptap.discarded", "Bytes discarded"),
}
local flist = {}
for _, v in pairs(F) do flist[#flist + 1] = v end
p.fields = flist

local e_bad = ProtoExpert.new("sliptap.bad", "Malformed sliptap record", expert.group.MALFORMED, expert.severity.ERROR)
local e_fault = ProtoExpert.new("sliptap.fault", "Injected fault", expert.group.SEQUENCE, expert.severity.WARN)
local e_resp = ProtoExpert.new("sliptap.failed", "Command failed", expert.group.RESPONSE_CODE, expert.severity.WARN)
p.experts = { e_bad, e_fault, e_resp }

local function bit_set(v, mask)
	return math.floor(v / mask) % 2 == 1
end

-- SLIP-decode tvb bytes [from, from+n) with the sliptap core's rules (a bad
-- escape keeps both bytes). Returns a ByteArray of the decoded body.
local function slip_decode(tvb, from, n)
	local out = ByteArray.new()
	if n <= 0 then return out end
	local raw = tvb:bytes(from, n)
	local i, last = 0, n - 1
	if raw:get_index(0) == 0xC0 then i = 1 end
	if last >= i and raw:get_index(last) == 0xC0 then last = last - 1 end
	out:set_size(n)
	local k = 0
	while i <= last do
		local b = raw:get_index(i)
		if b == 0xDB and i < last then
			local c = raw:get_index(i + 1)
			if c == 0xDC then out:set_index(k, 0xC0); k = k + 1
			elseif c == 0xDD then out:set_index(k, 0xDB); k = k + 1
			else out:set_index(k, 0xDB); out:set_index(k + 1, c); k = k + 2 end
			i = i + 2
		else
			out:set_index(k, b); k = k + 1
			i = i + 1
		end
	end
	out:set_size(k)
	return out
end

-- logfmt: key=value, value optionally "quoted" with \" \\ \n \t \r \xHH.
local function kv_parse(s)
	local res, i, n = {}, 1, #s
	while i <= n do
		while i <= n and s:sub(i, i):match("%s") do i = i + 1 end
		if i > n then break end
		local k = ""
		while i <= n and not s:sub(i, i):match("[=%s]") do k = k .. s:sub(i, i); i = i + 1 end
		local v = ""
		if s:sub(i, i) == "=" then
			i = i + 1
			if s:sub(i, i) == '"' then
				i = i + 1
				while i <= n and s:sub(i, i) ~= '"' do
					local c = s:sub(i, i)
					if c == "\\" and i < n then
						local e = s:sub(i + 1, i + 1)
						if e == "n" then v = v .. "\n"; i = i + 2
						elseif e == "t" then v = v .. "\t"; i = i + 2
						elseif e == "r" then v = v .. "\r"; i = i + 2
						elseif e == "x" and s:sub(i + 2, i + 3):match("^%x%x$") then
							v = v .. string.char(tonumber(s:sub(i + 2, i + 3), 16)); i = i + 4
						else v = v .. e; i = i + 2 end
					else
						v = v .. c; i = i + 1
					end
				end
				i = i + 1
			else
				while i <= n and not s:sub(i, i):match("%s") do v = v .. s:sub(i, i); i = i + 1 end
			end
		end
		res[#res + 1] = { k, v }
	end
	return res
end

local function status_len(flags, b, n)
	if bit_set(flags, 0x20) then return 2 end
	if bit_set(flags, 0x40) then return 4 end
	if bit_set(flags, 0x80) then return 2 end
	if n < 4 then return 2 end
	if n == 4 then return 4 end
	if b:get_index(8 + n - 2) == 0 and b:get_index(8 + n - 1) == 0 and b:get_index(8 + n - 4) <= 1 then
		return 4
	end
	return 2
end

-- Which flasher stub a capture uploads (legacy or esp-flasher-stub), told
-- apart the way sliptap's tracker does (session_stub_kind in session.c): the
-- text segment is the MEM_BEGIN region holding MEM_END's entry point;
-- esp-flasher-stub's is over 5 KiB with the entry at least 0xD00 in (on the
-- ESP8266, IRAM at 0x4010xxxx: over 10 KiB). State is kept per capture in
-- packet order on the first pass and looked up by frame number after.
local stub_segs, stub_current, stub_at = {}, 0, {}

local function stub_kind(start, len, entry)
	if start >= 0x40100000 and start < 0x40110000 then
		return len >= 10240 and 2 or 1
	end
	if entry >= start and entry - start >= 0xD00 and len >= 5120 then return 2 end
	return 1
end

local function stub_track(op, d0, dtvb, avail, pinfo)
	if pinfo.visited then return stub_at[pinfo.number] end
	if d0 == 0 and op == 0x05 and avail >= 16 then
		stub_segs[#stub_segs + 1] = { dtvb(20, 4):le_uint(), dtvb(8, 4):le_uint() }
	elseif d0 == 0 and op == 0x06 and avail >= 8 and dtvb(8, 4):le_uint() == 0 and #stub_segs > 0 then
		local entry = dtvb(12, 4):le_uint()
		local text = stub_segs[1]
		for _, sg in ipairs(stub_segs) do
			if entry >= sg[1] and entry - sg[1] < sg[2] then text = sg end
		end
		stub_current = stub_kind(text[1], text[2], entry)
		stub_segs = {}
		stub_at[pinfo.number] = stub_current
	end
	return stub_at[pinfo.number]
end

local function stub_ohai(tree, dtvb, pinfo)
	if not pinfo.visited then stub_at[pinfo.number] = stub_current end
	local k = stub_at[pinfo.number]
	if k and STUBS[k] then
		tree:add(F.stub, dtvb(), STUBS[k])
		return " (" .. STUBS[k] .. ")"
	end
	return ""
end

function p.init()
	stub_segs, stub_current, stub_at = {}, 0, {}
end

-- Dissect an ESP packet in the decoded tvb; returns an Info string.
local function dissect_esp(dtvb, tree, flags, pinfo)
	local n = dtvb:len()
	local b = dtvb:bytes()
	local t = tree:add(p, dtvb(), "ESP packet")
	local d0 = n > 0 and b:get_index(0) or 255
	if n < 8 or d0 > 1 then
		t:add(F.kind, "data")
		local txt = dtvb:raw()
		if txt:match("^[%g ]*$") then
			t:add(F.text, dtvb(), txt)
			if txt == "OHAI" then return "data \"OHAI\"" .. stub_ohai(t, dtvb, pinfo) end
			return "data \"" .. txt .. "\""
		end
		return "data (" .. n .. " bytes)"
	end
	local op = b:get_index(1)
	local name = OPS[op] or string.format("OP_0x%02X", op)
	local len = dtvb(2, 2):le_uint()
	local avail = math.min(len, n - 8)
	t:add(F.kind, d0 == 0 and "command" or "response")
	t:add(F.direction, dtvb(0, 1))
	t:add(F.op, dtvb(1, 1))
	t:add(F.op_name, dtvb(1, 1), name)
	t:add_le(F.len, dtvb(2, 2))
	local info = name
	local sk = stub_track(op, d0, dtvb, avail, pinfo)
	if sk and STUBS[sk] then
		t:add(F.stub, dtvb(1, 1), STUBS[sk])
		info = info .. " [" .. STUBS[sk] .. "]"
	end
	if d0 == 0 then
		t:add_le(F.checksum, dtvb(4, 4))
		if DATA_OPS[op] and avail >= 16 then
			local size = dtvb(8, 4):le_uint()
			local seq = dtvb(12, 4):le_uint()
			t:add_le(F.data_size, dtvb(8, 4))
			t:add_le(F.seq, dtvb(12, 4))
			info = info .. " seq=" .. seq .. " size=" .. size
			if avail > 16 then
				t:add(F.payload, dtvb(24, avail - 16))
			end
			if avail - 16 >= size then
				local x = 0xEF
				for i = 24, 24 + size - 1 do x = bit32.bxor(x, b:get_index(i)) end
				local ok = x == dtvb(4, 1):uint()
				t:add(F.checksum_ok, dtvb(4, 1), ok)
				if not ok then info = info .. " BAD-CHECKSUM" end
			end
		elseif BEGIN_OPS[op] and avail >= 16 then
			t:add_le(F.fl_size, dtvb(8, 4))
			t:add_le(F.fl_blocks, dtvb(12, 4))
			t:add_le(F.fl_blocksize, dtvb(16, 4))
			t:add_le(F.fl_offset, dtvb(20, 4))
			if avail >= 20 then t:add_le(F.fl_encrypted, dtvb(24, 4)) end
			info = info .. string.format(" size=%d blocks=%d blocksize=%d offset=0x%x",
				dtvb(8, 4):le_uint(), dtvb(12, 4):le_uint(), dtvb(16, 4):le_uint(), dtvb(20, 4):le_uint())
		elseif op == 0x0F and avail >= 8 then
			t:add_le(F.baud, dtvb(8, 4))
			t:add_le(F.old_baud, dtvb(12, 4))
			info = info .. " baud=" .. dtvb(8, 4):le_uint()
		elseif (op == 0x0A or op == 0x09) and avail >= 4 then
			t:add_le(F.addr, dtvb(8, 4))
			if op == 0x09 and avail >= 8 then t:add_le(F.reg_value, dtvb(12, 4)) end
			info = info .. string.format(" addr=0x%08x", dtvb(8, 4):le_uint())
		elseif (op == 0x13 or op == 0xD1 or op == 0xD2) and avail >= 8 then
			t:add_le(F.addr, dtvb(8, 4))
			t:add_le(F.data_size, dtvb(12, 4))
		end
	else
		t:add_le(F.value, dtvb(4, 4))
		info = "resp " .. info
		local sl = status_len(flags, b, avail)
		if avail >= sl then
			local at = 8 + avail - sl
			local st = b:get_index(at)
			t:add(F.status, dtvb(at, 1))
			if st ~= 0 then
				-- ROM: status 1 then the code; flasher stub: the code (0xC0...) then 0.
				local ea = (st == 1) and at + 1 or at
				local err = b:get_index(ea)
				local en = ERRORS[err] or string.format("0x%02X", err)
				t:add(F.error, dtvb(ea, 1))
				t:add(F.error_name, dtvb(ea, 1), en)
				-- esp-flasher-stub sends a 16-bit big-endian code (esptool prints "C000")
				if st ~= 1 and sl == 2 then t:add(F.stub_code, dtvb(at, 2)) end
				local ti = t:add_proto_expert_info(e_resp, name .. " failed: " .. en)
				info = info .. " FAILED " .. en
			else
				info = info .. " ok"
			end
		end
		if op == 0x0A then info = info .. string.format(" value=0x%08x", dtvb(4, 4):le_uint()) end
	end
	return info
end

function p.dissector(tvb, pinfo, tree)
	local n = tvb:len()
	pinfo.cols.protocol = "sliptap"
	local root = tree:add(p, tvb(), "sliptap record")
	if n < 2 or tvb(0, 1):uint() ~= 0x53 then
		root:add_proto_expert_info(e_bad, "not a sliptap record (magic is not 0x53)")
		pinfo.cols.info = "malformed"
		return n
	end
	root:add(F.magic, tvb(0, 1))
	root:add(F.version, tvb(1, 1))
	if tvb(1, 1):uint() ~= 1 then
		root:add_proto_expert_info(e_bad, "unknown record version " .. tvb(1, 1):uint())
		pinfo.cols.info = "unknown record version"
		return n
	end
	if n < 24 then
		root:add_proto_expert_info(e_bad, "record shorter than its header")
		pinfo.cols.info = "malformed (short record)"
		return n
	end
	local hl = tvb(2, 1):uint()
	local rtype = tvb(3, 1):uint()
	local dir = tvb(4, 1):uint()
	local flags = tvb(6, 2):le_uint()
	root:add(F.hdr_len, tvb(2, 1))
	root:add(F.type, tvb(3, 1))
	root:add(F.dir, tvb(4, 1))
	local ft = root:add_le(F.flags, tvb(6, 2))
	ft:add_le(F.stage, tvb(6, 2))
	ft:add_le(F.f_injected, tvb(6, 2))
	ft:add_le(F.f_annotation, tvb(6, 2))
	ft:add_le(F.f_raw_partial, tvb(6, 2))
	ft:add_le(F.f_status2, tvb(6, 2))
	ft:add_le(F.f_status4, tvb(6, 2))
	ft:add_le(F.f_stub, tvb(6, 2))
	root:add_le(F.rec, tvb(8, 4))
	if tvb(12, 4):le_uint() ~= 0xFFFFFFFF then root:add_le(F.ref, tvb(12, 4)) end
	root:add_le(F.offset, tvb(16, 8))
	if hl < 24 or hl > n then
		root:add_proto_expert_info(e_bad, "bad header length " .. hl)
		pinfo.cols.info = "malformed (header length " .. hl .. ")"
		return n
	end
	local tname = TYPES[rtype] or ("TYPE" .. rtype)
	local arrow = ARROWS[dir] or "??"
	local stage = flags % 4
	local info = arrow .. " " .. tname
	local body, blen = hl, n - hl
	root:append_text(", " .. tname .. ", " .. (DIRS[dir] or "?"))

	if rtype == 4 then
		if blen < 4 then
			root:add_proto_expert_info(e_bad, "event body too short")
			pinfo.cols.info = "malformed event"
			return n
		end
		local code = tvb(body, 2):le_uint()
		local ename = EVENTS[code] or ("EVENT" .. code)
		root:add_le(F.event, tvb(body, 2))
		root:add(F.event_name, tvb(body, 2), ename)
		local txt = ""
		if blen > 4 then
			txt = tvb(body + 4, blen - 4):raw()
			local r = tvb(body + 4, blen - 4)
			root:add(F.text, r, txt)
			for _, kv in ipairs(kv_parse(txt)) do
				local k, v = kv[1], kv[2]
				root:add(F.field, r, k .. "=" .. v)
				if k == "rule" then root:add(F.rule, r, v)
				elseif k == "action" then root:add(F.action, r, v)
				elseif k == "changed" then root:add(F.changed, r, v)
				elseif k == "chip" then root:add(F.chip, r, v)
				elseif k == "phase" then root:add(F.phase, r, v)
				elseif k == "progress" and tonumber(v) then root:add(F.progress, r, tonumber(v))
				end
				if code == 9 then
					if k == "rule" then root:add(F.fault_rule, r, v)
					elseif k == "op" then root:add(F.fault_op, r, v)
					elseif k == "seq" and tonumber(v) then root:add(F.fault_seq, r, tonumber(v))
					end
				elseif code == 15 and k == "bytes" and tonumber(v) then
					root:add(F.discarded, r, tonumber(v))
				end
			end
		end
		if code == 9 then root:add_proto_expert_info(e_fault, "fault: " .. txt) end
		pinfo.cols.info = arrow .. " EVENT " .. ename .. " " .. txt
		return n
	end

	local bad_len = false
	if rtype >= 1 and rtype <= 5 then
		if blen < 8 then
			root:add_proto_expert_info(e_bad, "body too short")
			pinfo.cols.info = "malformed " .. tname
			return n
		end
		local wire = tvb(body, 4):le_uint()
		root:add_le(F.wire_len, tvb(body, 4))
		if rtype == 1 then root:add_le(F.decoded_len, tvb(body + 4, 4))
		elseif rtype == 3 then
			root:add(F.slip_error, tvb(body + 4, 1))
			root:add(F.bad_byte, tvb(body + 5, 1))
		end
		local rn = blen - 8
		if rn > 0 then root:add(F.raw, tvb(body + 8, rn)) end
		bad_len = rn > wire or (rn < wire and not bit_set(flags, 0x10))
		if bad_len then
			root:add_proto_expert_info(e_bad, rn .. " raw bytes for wire length " .. wire)
		end
		if rtype == 1 then
			local dec = slip_decode(tvb, body + 8, rn)
			local dtvb = dec:tvb("SLIP decoded")
			info = arrow .. " " .. dissect_esp(dtvb, root, flags, pinfo)
		elseif rtype == 2 or rtype == 5 then
			if rn > 0 then
				local s = tvb(body + 8, rn):raw():gsub("[^%g ]", ".")
				root:add(F.text, tvb(body + 8, rn), s)
				info = info .. " \"" .. s:sub(1, 80) .. "\""
			end
		elseif rtype == 3 then
			info = info .. " " .. (SLIP_ERRORS[tvb(body + 4, 1):uint()] or "?") ..
				" (" .. wire .. " bytes)"
		end
	else
		info = info .. " (" .. blen .. " bytes)"
	end
	if stage ~= 0 then
		info = info .. " [" .. STAGES[stage]
		if tvb(12, 4):le_uint() ~= 0xFFFFFFFF then info = info .. " of #" .. tvb(12, 4):le_uint() end
		if bit_set(flags, 0x04) then info = info .. " injected" end
		info = info .. "]"
	end
	if bit_set(flags, 0x08) then info = info .. " [annotation]" end
	if bad_len then info = info .. " [malformed: raw longer/shorter than wire length]" end
	pinfo.cols.info = info
	return n
end

local enc = (wtap_encaps and wtap_encaps.USER0) or (wtap and wtap.USER0) or 45
DissectorTable.get("wtap_encap"):add(enc, p)
