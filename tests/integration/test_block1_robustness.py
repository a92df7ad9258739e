"""Hostile Block1 (RFC 7959) requests from a raw peer that plays the LwM2M server.

The peer registers the demo client, then sends Writes and Creates in blocks that arrive out
of order, twice, with gaps, with sizes that change or do not match, with malformed Block1
options, or interleaved with other requests. Every test checks the response code of each
block, and then reads the target back: it must hold the old value after a failure and the
new one after a success, never a mix of both.

The EXCHANGE_LIFETIME expiry (247 s by default) is not covered: the demo client has no
option to shorten it, and the whole file must run in well under a minute.
"""

import os
import unittest

import coap_message as coap
import payload_formats as fmt
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer

BLOCK2 = 23
BLOCK1 = 27
SIZE1 = 60
ACCEPT = 17

IPATCH = 7

CONTINUE = "2.31"

# Binary App Data Container: opaque Data resource that takes up to DATA_CAPACITY bytes,
# staged until the transaction commits. Its first content has byte i == i % 251.
DATA_PATH = "/19/0/0/0"
DATA_CAPACITY = 5000

# Device resources that are writable strings: Timezone (31 bytes at most) and UTC Offset
# (7 bytes at most). The Device object rolls back a failed transaction.
TIMEZONE_PATH = "/3/0/15"
UTC_OFFSET_PATH = "/3/0/14"

# Temperature Application Type: a writable string.
APP_TYPE_PATH = "/3303/0/5750"

# Test object of the demo client (--test-instances): instances without resources, which
# Create and Delete change.
TEST_OBJECT = 32769
TEST_INSTANCES = 2

# Response wait for one request on loopback.
RESPONSE_TIMEOUT_S = 3.0

# Bounds for the loops of the peer: datagrams skipped while waiting for one response, and
# Block2 blocks of one Read.
MAX_SKIPPED_DATAGRAMS = 32
MAX_READ_BLOCKS = 64

# Block size exponents (RFC 7959, 2.2): the block size is 16 << SZX.
SZX_16 = 0
SZX_32 = 1
SZX_64 = 2
SZX_1024 = 6


def initial_data():
    return bytes(i % 251 for i in range(DATA_CAPACITY))


def pattern(length, seed):
    """Return `length` bytes that differ from initial_data() and from other seeds."""
    return bytes((seed * 31 + 7 * i + 3) % 256 for i in range(length))


def encode_uint(value):
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def block_option(number, more, szx):
    """Return the Block1 or Block2 option value for block `number` (RFC 7959, 2.2)."""
    return encode_uint((number << 4) | (0x08 if more else 0) | szx)


def uint_option(message, number):
    """Return the unsigned value of option `number` of `message`, or None if it is absent."""
    for found, value in message.options:
        if found == number:
            return int.from_bytes(value, "big")
    return None


def blocks_of(data, szx):
    """Split `data` into (number, more, payload) blocks of 16 << szx bytes."""
    size = 16 << szx
    count = max(1, (len(data) + size - 1) // size)
    return [(n, n + 1 < count, data[n * size : (n + 1) * size]) for n in range(count)]


def tlv_resource(identifier, value, length_size=None, wide_id=False):
    """Encode a Resource TLV, with a Length field of `length_size` bytes if given (also
    when a shorter one would do) and a 16-bit Identifier if `wide_id`."""
    return _tlv(fmt.TLV_RESOURCE, identifier, value, length_size, wide_id)


def tlv_instance(identifier, content, length_size=None, wide_id=False):
    return _tlv(fmt.TLV_OBJECT_INSTANCE, identifier, content, length_size, wide_id)


def _tlv(kind, identifier, value, length_size, wide_id):
    if length_size is None and not wide_id:
        return fmt.encode_tlv(kind, identifier, value)
    type_byte = kind << 6
    id_bytes = identifier.to_bytes(2 if wide_id else 1, "big")
    if wide_id:
        type_byte |= 0x20
    if length_size is None:
        length_size = 2
        if len(value) < 8:
            length_size = 0
        elif len(value) < 256:
            length_size = 1
    if length_size == 0:
        type_byte |= len(value)
        length_bytes = b""
    else:
        type_byte |= length_size << 3
        length_bytes = len(value).to_bytes(length_size, "big")
    return bytes([type_byte]) + id_bytes + length_bytes + value


class Block1RobustnessTest(IntegrationTest):
    """A raw peer registers the demo client and sends it hostile Block1 sequences."""

    def setUp(self):
        super().setUp()
        self.peer = RawPeer()
        self.addCleanup(self.peer.close)
        self.token_counter = 0
        endpoint = f"block1-robust-{self._testMethodName}"[:60]
        self.client = self.start_client(
            f"coap://127.0.0.1:{self.peer.port}",
            endpoint,
            ["--test-instances", str(TEST_INSTANCES)],
        )
        # Runs before client.stop (cleanups run last in, first out): the client de-registers
        # on SIGTERM, and a response lets it exit at once.
        self.addCleanup(self.stop_client)
        self.register()

    # -- the peer in the server role --------------------------------------------------------

    def register(self):
        request = self.peer.accept_register("b1", STEP_TIMEOUT_S)
        self.assertIsNotNone(request, "no Register from the client\n" + self.describe())
        self.assertEqual(request.code, coap.POST, coap.describe(request))
        self.assertEqual(coap.option_values(request, coap.URI_PATH), ["rd"])
        registered = self.client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client logged no registration\n" + self.describe())

    def stop_client(self):
        if not self.client.is_running():
            return
        self.client.send_signal(15)
        # Respond to the De-register (and to any request before it) for a bounded time.
        for _ in range(MAX_SKIPPED_DATAGRAMS):
            datagram = self.peer.receive(1.0)
            if datagram is None:
                break
            try:
                message = coap.decode(datagram)
            except ValueError:
                continue
            if message.type == coap.CON:
                code = coap.DELETED if message.code == coap.DELETE else coap.CHANGED
                self.peer.send(coap.encode(coap.ACK, code, message.message_id, message.token))
            if message.code == coap.DELETE:
                break

    def new_token(self):
        self.token_counter += 1
        return self.token_counter.to_bytes(4, "big")

    def exchange(self, datagram, message_id):
        """Send `datagram` and return the decoded ACK with `message_id`.

        Requests of the client (an Update) get 2.04 on the way. Fail after
        RESPONSE_TIMEOUT_S without a response.
        """
        self.peer.send(datagram)
        for _ in range(MAX_SKIPPED_DATAGRAMS):
            received = self.peer.receive(RESPONSE_TIMEOUT_S)
            self.assertIsNotNone(
                received,
                f"no response to message {message_id} within {RESPONSE_TIMEOUT_S} s\n"
                + self.describe(),
            )
            message = coap.decode(received)
            if message.type == coap.CON and message.code in (coap.POST, coap.PUT):
                self.peer.send(
                    coap.encode(coap.ACK, coap.CHANGED, message.message_id, message.token)
                )
                continue
            if message.type == coap.ACK and message.message_id == message_id:
                return message
        self.fail(f"no response to message {message_id}\n" + self.describe())

    def request(self, code, path, payload=b"", content_format=None, block=None, token=None,
                options=(), message_id=None):
        """Send one CON request and return its response.

        `block` is (number, more, szx) for a Block1 option, or the raw option bytes.
        """
        all_options = coap.path_options(path) + list(options)
        if content_format is not None:
            all_options.append((coap.CONTENT_FORMAT, encode_uint(content_format)))
        if block is not None:
            value = block if isinstance(block, bytes) else block_option(*block)
            all_options.append((BLOCK1, value))
        if message_id is None:
            message_id = self.peer.new_message_id()
        token = self.new_token() if token is None else token
        datagram = coap.encode(coap.CON, code, message_id, token, all_options, payload)
        response = self.exchange(datagram, message_id)
        self.assertEqual(response.token, token, coap.describe(response))
        return response

    def send_block(self, path, number, more, szx, payload, content_format=42,
                   code=coap.PUT, token=None, options=()):
        """Send one block and return (code text, response)."""
        response = self.request(
            code, path, payload, content_format, (number, more, szx), token, options
        )
        return coap.code_text(response.code), response

    def send_blocks(self, path, blocks, szx, content_format=42, code=coap.PUT, token=None):
        """Send `blocks` ((number, more, payload) each) of size exponent `szx` with one
        token, and return the response code of each."""
        token = self.new_token() if token is None else token
        codes = []
        for number, more, payload in blocks:
            text, _ = self.send_block(path, number, more, szx, payload, content_format, code,
                                      token)
            codes.append(text)
        return codes

    def write_all(self, path, data, szx, content_format=42, code=coap.PUT):
        """Send `data` block by block until the first failure, and return the codes."""
        token = self.new_token()
        codes = []
        last = None
        for number, more, payload in blocks_of(data, szx):
            text, last = self.send_block(path, number, more, szx, payload, content_format,
                                         code, token)
            codes.append(text)
            if more and text != CONTINUE:
                break
        return codes, last

    def read(self, path, accept):
        """Read `path` with Block2 as needed and return (code text, payload)."""
        payload = b""
        for number in range(MAX_READ_BLOCKS):
            options = [(ACCEPT, encode_uint(accept))]
            if number > 0:
                options.append((BLOCK2, block_option(number, False, SZX_1024)))
            response = self.request(coap.GET, path, options=options)
            text = coap.code_text(response.code)
            if text != "2.05":
                return text, response.payload
            payload += response.payload
            block2 = uint_option(response, BLOCK2)
            if block2 is None or not block2 & 0x08:
                return text, payload
            self.assertEqual(block2 & 0x07, SZX_1024, f"client block size changed: {block2}")
        self.fail(f"Read of {path} took more than {MAX_READ_BLOCKS} blocks")

    def read_data(self):
        text, payload = self.read(DATA_PATH, fmt.OCTET_STREAM)
        self.assertEqual(text, "2.05", f"Read of {DATA_PATH} failed\n" + self.describe())
        return payload

    def read_text(self, path):
        text, payload = self.read(path, fmt.TEXT_PLAIN)
        self.assertEqual(text, "2.05", f"Read of {path} failed\n" + self.describe())
        return payload

    def write_text(self, path, value):
        response = self.request(coap.PUT, path, value, fmt.TEXT_PLAIN)
        self.assertEqual(coap.code_text(response.code), "2.04", coap.describe(response))

    def assert_data(self, expected, message):
        actual = self.read_data()
        if actual != expected:
            first = next(
                (i for i in range(min(len(actual), len(expected))) if actual[i] != expected[i]),
                min(len(actual), len(expected)),
            )
            self.fail(
                f"{message}: {DATA_PATH} has {len(actual)} bytes, expected {len(expected)}; "
                f"first difference at byte {first}\n" + self.describe()
            )

    # -- baseline ---------------------------------------------------------------------------

    def test_valid_transfer(self):
        data = pattern(64, 1)
        codes, last = self.write_all(DATA_PATH, data, SZX_16)
        self.assertEqual(codes, [CONTINUE] * 3 + ["2.04"])
        self.assertEqual(uint_option(last, BLOCK1), (3 << 4) | SZX_16, coap.describe(last))
        self.assert_data(data, "valid Write")

    # -- order of blocks --------------------------------------------------------------------

    def test_first_block_missing(self):
        blocks = blocks_of(pattern(64, 2), SZX_16)
        self.assertEqual(self.send_blocks(DATA_PATH, blocks[1:], SZX_16), ["4.08"] * 3)
        self.assert_data(initial_data(), "Write without block 0")

    def test_out_of_order_block(self):
        blocks = blocks_of(pattern(64, 3), SZX_16)
        order = [blocks[0], blocks[2], blocks[1], blocks[3]]
        codes = self.send_blocks(DATA_PATH, order, SZX_16)
        self.assertEqual(codes, [CONTINUE, "4.08", "4.08", "4.08"])
        self.assert_data(initial_data(), "out-of-order Write")

    def test_gap(self):
        blocks = blocks_of(pattern(80, 4), SZX_16)
        codes = self.send_blocks(DATA_PATH, [blocks[0], blocks[1], blocks[3], blocks[4]], SZX_16)
        self.assertEqual(codes, [CONTINUE, CONTINUE, "4.08", "4.08"])
        self.assert_data(initial_data(), "Write with a gap")

    def test_duplicate_block(self):
        # Block 1 again with a new message ID: acknowledged, applied once.
        data = pattern(64, 5)
        blocks = blocks_of(data, SZX_16)
        order = [blocks[0], blocks[1], blocks[1], blocks[2], blocks[2], blocks[3]]
        codes = self.send_blocks(DATA_PATH, order, SZX_16)
        self.assertEqual(codes, [CONTINUE] * 5 + ["2.04"])
        self.assert_data(data, "Write with repeated blocks")

    def test_retransmission_same_message_id(self):
        # The same datagram twice: the cached response, and the block counted once.
        data = pattern(48, 6)
        token = self.new_token()
        codes = []
        for number, more, payload in blocks_of(data, SZX_16):
            options = coap.path_options(DATA_PATH) + [
                (coap.CONTENT_FORMAT, encode_uint(42)),
                (BLOCK1, block_option(number, more, SZX_16)),
            ]
            message_id = self.peer.new_message_id()
            datagram = coap.encode(coap.CON, coap.PUT, message_id, token, options, payload)
            first = self.exchange(datagram, message_id)
            again = self.exchange(datagram, message_id)
            self.assertEqual(first, again, "a retransmission got another response")
            codes.append(coap.code_text(first.code))
        self.assertEqual(codes, [CONTINUE, CONTINUE, "2.04"])
        self.assert_data(data, "retransmitted Write")

    # A stored block repeated with its M bit clear cannot end the request: the transfer
    # fails and the Write is rolled back.
    def test_repeated_block_clears_more(self):
        # Blocks 0-2 arrive with M set, then block 1 again but with M clear: it repeats
        # stored bytes and cannot end the request, which is 80 bytes long.
        blocks = blocks_of(pattern(80, 7), SZX_16)
        token = self.new_token()
        codes = self.send_blocks(DATA_PATH, blocks[:3], SZX_16, token=token)
        self.assertEqual(codes, [CONTINUE] * 3)
        text, response = self.send_block(DATA_PATH, 1, False, SZX_16, blocks[1][2], 42,
                                         coap.PUT, token)
        self.assert_data(initial_data(), f"repeated block with M clear got {text}")
        self.assertIn(text, ("4.00", "4.08"), coap.describe(response))

    # The same on an object that applies values at once and restores them on rollback
    # (Device): the UTC Offset of block 0 must not stay.
    def test_repeated_block_half_applies_tlv(self):
        self.write_text(TIMEZONE_PATH, b"Old/Zone")
        self.write_text(UTC_OFFSET_PATH, b"+09:00")
        payload = tlv_resource(14, b"+02:00") + tlv_resource(15, b"New/Zone-" + b"z" * 16)
        blocks = blocks_of(payload, SZX_16)
        self.assertEqual(len(blocks), 3)
        token = self.new_token()
        codes = self.send_blocks("/3/0", blocks[:2], SZX_16, fmt.LWM2M_TLV, coap.POST, token)
        self.assertEqual(codes, [CONTINUE] * 2)
        text, response = self.send_block("/3/0", 1, False, SZX_16, blocks[1][2], fmt.LWM2M_TLV,
                                         coap.POST, token)
        self.assertEqual(self.read_text(TIMEZONE_PATH), b"Old/Zone")
        self.assertEqual(self.read_text(UTC_OFFSET_PATH), b"+09:00",
                         f"block 1 again with M clear got {text}: half-applied Write")
        self.assertIn(text, ("4.00", "4.08"), coap.describe(response))

    def test_restart_with_new_block_zero(self):
        first = pattern(96, 8)
        second = pattern(40, 9)  # shorter, so bytes of the first would show at the end
        codes = self.send_blocks(DATA_PATH, blocks_of(first, SZX_16)[:3], SZX_16)
        self.assertEqual(codes, [CONTINUE] * 3)
        codes, _ = self.write_all(DATA_PATH, second, SZX_16)
        self.assertEqual(codes, [CONTINUE, CONTINUE, "2.04"])
        self.assert_data(second, "restarted Write")
        # The first transfer is gone: its block 3 is out of place.
        blocks = blocks_of(first, SZX_16)
        self.assertEqual(self.send_blocks(DATA_PATH, blocks[3:4], SZX_16), ["4.08"])
        self.assert_data(second, "block of the abandoned transfer")

    # -- block sizes ------------------------------------------------------------------------

    def test_smaller_block_size_mid_transfer(self):
        # 64-byte block 0, then 16-byte blocks from number 4 (offset 64). The 128 bytes stay
        # within the carry buffer, apart from the bug below.
        data = pattern(128, 10)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_64)[:1], SZX_64)
        self.assertEqual(codes, [CONTINUE])
        rest = [(n, more, chunk) for n, more, chunk in blocks_of(data, SZX_16) if n >= 4]
        codes = self.send_blocks(DATA_PATH, rest, SZX_16)
        self.assertEqual(codes, [CONTINUE] * (len(rest) - 1) + ["2.04"])
        self.assert_data(data, "Write with smaller blocks")

    def test_smaller_blocks_large_transfer(self):
        # 1024-byte blocks 0-1, then 256-byte blocks from number 8 (offset 2048).
        data = pattern(3000, 36)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_1024)[:2], SZX_1024)
        self.assertEqual(codes, [CONTINUE] * 2)
        rest = [(n, more, chunk) for n, more, chunk in blocks_of(data, 4) if n >= 8]
        codes = self.send_blocks(DATA_PATH, rest, 4)
        self.assertEqual(codes, [CONTINUE] * (len(rest) - 1) + ["2.04"])
        self.assert_data(data, "Write switched to 256-byte blocks")

    # An opaque Write longer than the 128 bytes returned whole (LWM2M_BLOCK1_CARRY_SIZE),
    # in blocks of at most 128 bytes, must start to go to the object in pieces.
    def test_opaque_over_carry_small_blocks(self):
        for szx, length in ((SZX_16, 129), (SZX_64, 200), (3, 256)):
            with self.subTest(block_size=16 << szx, length=length):
                data = pattern(length, 37 + szx)
                codes, last = self.write_all(DATA_PATH, data, szx)
                count = len(blocks_of(data, szx))
                self.assertEqual(codes, [CONTINUE] * (count - 1) + ["2.04"], coap.describe(last))
                self.assert_data(data, "opaque Write in small blocks")

    def test_larger_block_size_misaligned(self):
        # 48 bytes in 16-byte blocks, then 32-byte block 1 (offset 32, overlapping).
        data = pattern(128, 11)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_16)[:3], SZX_16)
        self.assertEqual(codes, [CONTINUE] * 3)
        big = blocks_of(data, SZX_32)
        codes = self.send_blocks(DATA_PATH, big[1:], SZX_32)
        self.assertEqual(codes, ["4.08"] * 3)
        self.assert_data(initial_data(), "Write with a larger block size")

    def test_larger_block_size_beyond_stored(self):
        # 32 bytes in 16-byte blocks, then 64-byte block 1 (offset 64, past the end).
        data = pattern(128, 12)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_16)[:2], SZX_16)
        self.assertEqual(codes, [CONTINUE] * 2)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_64)[1:], SZX_64)
        self.assertEqual(codes, ["4.08"])
        self.assert_data(initial_data(), "Write with a larger block size")

    def test_larger_block_size_aligned(self):
        # 32 bytes in 16-byte blocks, then 32-byte blocks from number 1 (offset 32): the
        # offsets line up, so the bytes join without a gap or an overlap.
        data = pattern(128, 13)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_16)[:2], SZX_16)
        self.assertEqual(codes, [CONTINUE] * 2)
        codes = self.send_blocks(DATA_PATH, blocks_of(data, SZX_32)[1:], SZX_32)
        self.assertEqual(codes, [CONTINUE, CONTINUE, "2.04"])
        self.assert_data(data, "Write with aligned larger blocks")

    def test_wrong_size_middle_block(self):
        data = pattern(64, 14)
        blocks = blocks_of(data, SZX_16)
        token = self.new_token()
        codes = self.send_blocks(DATA_PATH, blocks[:1], SZX_16, token=token)
        short = [(1, True, blocks[1][2][:10])]
        codes += self.send_blocks(DATA_PATH, short, SZX_16, token=token)
        codes += self.send_blocks(DATA_PATH, blocks[2:], SZX_16, token=token)
        self.assertEqual(codes, [CONTINUE, "4.00", "4.08", "4.08"])
        # A middle block longer than the block size is just as wrong.
        codes = self.send_blocks(DATA_PATH, [blocks[0], (1, True, data[16:40])], SZX_16)
        self.assertEqual(codes, [CONTINUE, "4.00"])
        self.assert_data(initial_data(), "Write with a short middle block")

    def test_more_flag_on_empty_payload(self):
        self.assertEqual(self.send_blocks(DATA_PATH, [(0, True, b"")], SZX_16), ["4.00"])
        blocks = blocks_of(pattern(64, 15), SZX_16)
        codes = self.send_blocks(DATA_PATH, [blocks[0], (1, True, b""), blocks[1]], SZX_16)
        self.assertEqual(codes, [CONTINUE, "4.00", "4.08"])
        self.assert_data(initial_data(), "empty block with M set")

    # -- malformed Block1 options -----------------------------------------------------------

    def test_reserved_block_size_exponent(self):
        text, response = self.send_block(DATA_PATH, 0, True, 7, pattern(16, 16))
        self.assertEqual(text, "4.02", coap.describe(response))
        # Inside a transfer: the block is refused, and nothing of it is applied.
        data = pattern(48, 17)
        blocks = blocks_of(data, SZX_16)
        token = self.new_token()
        self.assertEqual(self.send_blocks(DATA_PATH, blocks[:1], SZX_16, token=token), [CONTINUE])
        text, response = self.send_block(DATA_PATH, 1, True, 7, pattern(16, 18), 42,
                                         coap.PUT, token)
        self.assertEqual(text, "4.02", coap.describe(response))
        self.assert_data(initial_data(), "Write with SZX 7")

    def test_four_byte_block_option(self):
        for value in (bytes([0, 0, 0, 0x08]), bytes([0, 0, 0x10, 0x08])):
            with self.subTest(option=value.hex()):
                response = self.request(coap.PUT, DATA_PATH, pattern(16, 19), 42, value)
                self.assertEqual(coap.code_text(response.code), "4.02", coap.describe(response))
        self.assert_data(initial_data(), "Write with a 4-byte Block1 option")

    def test_stray_block_same_token(self):
        data = pattern(48, 20)
        blocks = blocks_of(data, SZX_16)
        token = self.new_token()
        self.assertEqual(self.send_blocks(DATA_PATH, blocks[:1], SZX_16, token=token), [CONTINUE])
        before = self.read_text(APP_TYPE_PATH)
        # Block 1 of a request on another path that was never started.
        text, response = self.send_block(APP_TYPE_PATH, 1, True, SZX_16, b"x" * 16,
                                         fmt.TEXT_PLAIN, coap.PUT, token)
        self.assertEqual(text, "4.08", coap.describe(response))
        self.assertEqual(self.read_text(APP_TYPE_PATH), before, "stray block was applied")
        # The stray block changed nothing of the data model, so the transfer goes on.
        codes = self.send_blocks(DATA_PATH, blocks[1:], SZX_16, token=token)
        self.assertEqual(codes, [CONTINUE, "2.04"])
        self.assert_data(data, "Write after a stray block")

    def test_block1_on_get(self):
        # Block 0 without M: the whole request in one block, an ordinary Read.
        response = self.request(coap.GET, APP_TYPE_PATH, block=(0, False, SZX_16),
                                options=[(ACCEPT, encode_uint(fmt.TEXT_PLAIN))])
        self.assertEqual(coap.code_text(response.code), "2.05", coap.describe(response))
        # A GET that announces more request blocks but has no payload.
        response = self.request(coap.GET, APP_TYPE_PATH, block=(0, True, SZX_16))
        self.assertEqual(coap.code_text(response.code), "4.00", coap.describe(response))
        response = self.request(coap.GET, APP_TYPE_PATH, block=(3, False, SZX_16))
        self.assertEqual(coap.code_text(response.code), "4.08", coap.describe(response))
        self.assert_data(initial_data(), "GET with Block1")

    def test_block1_on_delete(self):
        path = f"/{TEST_OBJECT}/1"
        response = self.request(coap.DELETE, path, block=(0, True, SZX_16))
        self.assertEqual(coap.code_text(response.code), "4.00", coap.describe(response))
        response = self.request(coap.DELETE, path, block=(2, False, SZX_16))
        self.assertEqual(coap.code_text(response.code), "4.08", coap.describe(response))
        # The instance is still there.
        response = self.request(coap.GET, path, options=[(ACCEPT, encode_uint(fmt.LWM2M_TLV))])
        self.assertEqual(coap.code_text(response.code), "2.05", coap.describe(response))
        # A Delete in one block is an ordinary Delete.
        response = self.request(coap.DELETE, path, block=(0, False, SZX_16))
        self.assertEqual(coap.code_text(response.code), "2.02", coap.describe(response))

    # -- other requests during a transfer ---------------------------------------------------

    def test_interleaved_read(self):
        data = pattern(64, 21)
        blocks = blocks_of(data, SZX_16)
        token = self.new_token()
        codes = self.send_blocks(DATA_PATH, blocks[:2], SZX_16, token=token)
        # A Read in the middle returns the committed (old) data and leaves the transfer alone.
        self.assert_data(initial_data(), "Read during a transfer")
        self.read_text(APP_TYPE_PATH)
        codes += self.send_blocks(DATA_PATH, blocks[2:], SZX_16, token=token)
        self.assertEqual(codes, [CONTINUE] * 3 + ["2.04"])
        self.assert_data(data, "Write with a Read in the middle")

    # A GET with Block1 block 0 and M set gets 4.00 and leaves the Write in progress alone.
    def test_interleaved_get_with_block1(self):
        data = pattern(64, 40)
        blocks = blocks_of(data, SZX_16)
        token = self.new_token()
        codes = self.send_blocks(DATA_PATH, blocks[:2], SZX_16, token=token)
        response = self.request(coap.GET, APP_TYPE_PATH, block=(0, True, SZX_16))
        self.assertEqual(coap.code_text(response.code), "4.00", coap.describe(response))
        codes += self.send_blocks(DATA_PATH, blocks[2:], SZX_16, token=token)
        self.assertEqual(codes, [CONTINUE] * 3 + ["2.04"])
        self.assert_data(data, "Write with a block-wise GET in the middle")

    def test_interleaved_write_aborts(self):
        blocks = blocks_of(pattern(64, 22), SZX_16)
        token = self.new_token()
        codes = self.send_blocks(DATA_PATH, blocks[:2], SZX_16, token=token)
        self.write_text(APP_TYPE_PATH, b"interleaved")
        codes += self.send_blocks(DATA_PATH, blocks[2:], SZX_16, token=token)
        self.assertEqual(codes, [CONTINUE, CONTINUE, "4.08", "4.08"])
        self.assert_data(initial_data(), "Write aborted by another Write")
        self.assertEqual(self.read_text(APP_TYPE_PATH), b"interleaved")

    def test_interleaved_delete_execute_abort(self):
        for method, path in ((coap.DELETE, f"/{TEST_OBJECT}/0"), (coap.POST, "/3303/0/5605")):
            with self.subTest(method=method):
                blocks = blocks_of(pattern(48, 23), SZX_16)
                token = self.new_token()
                codes = self.send_blocks(DATA_PATH, blocks[:1], SZX_16, token=token)
                response = self.request(method, path)
                self.assertEqual(coap.code_text(response.code)[0], "2", coap.describe(response))
                codes += self.send_blocks(DATA_PATH, blocks[1:], SZX_16, token=token)
                self.assertEqual(codes, [CONTINUE, "4.08", "4.08"])
                self.assert_data(initial_data(), "Write aborted by another request")

    # -- TLV split at block boundaries ------------------------------------------------------

    def test_tlv_header_split_at_every_byte(self):
        # A Timezone TLV whose length depends on `cut` puts the 6-byte header of the next TLV
        # (16-bit ID, 3-byte Length) across the 16-byte block boundary at each of its bytes. Nested
        # variant: the same inside an Object Instance TLV with a 6-byte header too.
        for wrapped in (False, True):
            for cut in range(0, 8):
                with self.subTest(wrapped=wrapped, cut=cut):
                    old_zone, old_offset = b"Old/Zone", b"+09:00"
                    self.write_text(TIMEZONE_PATH, old_zone)
                    self.write_text(UTC_OFFSET_PATH, old_offset)
                    zone = bytes(b"Z%02d%d" % (cut, wrapped)) + b"-" * 20
                    offset = b"-0%d:%d0" % (cut, int(wrapped))
                    prefix = 6 if wrapped else 0
                    # The Timezone header has 3 bytes (8-bit Length field). The next TLV
                    # starts at prefix + 3 + len(zone_value), which is 16 - cut.
                    zone_value = zone[: 16 - cut - 3 - prefix]
                    body = tlv_resource(15, zone_value, length_size=1) + tlv_resource(
                        14, offset, length_size=3, wide_id=True
                    )
                    payload = tlv_instance(0, body, 3, True) if wrapped else body
                    self.assertEqual(payload[16 - cut] & 0xC0, 0xC0, payload.hex())
                    codes, last = self.write_all("/3/0", payload, SZX_16, fmt.LWM2M_TLV,
                                                 coap.POST)
                    self.assertEqual(codes[-1], "2.04", f"{payload.hex()}\n" + self.describe())
                    self.assertEqual(codes[:-1], [CONTINUE] * (len(codes) - 1))
                    self.assertEqual(self.read_text(TIMEZONE_PATH), zone_value, payload.hex())
                    self.assertEqual(self.read_text(UTC_OFFSET_PATH), offset, payload.hex())

    def test_tlv_value_split_in_every_block(self):
        # An opaque TLV of 200 bytes in 16-byte blocks with legacy format 1542.
        data = pattern(200, 24)
        payload = fmt.encode_tlv(fmt.TLV_RESOURCE_INSTANCE, 0, data)
        codes, _ = self.write_all(DATA_PATH, payload, SZX_16, 1542)
        self.assertEqual(codes, [CONTINUE] * (len(blocks_of(payload, SZX_16)) - 1) + ["2.04"])
        self.assert_data(data, "TLV Write in 16-byte blocks")

    def test_tlv_value_truncated(self):
        old_zone, old_offset = b"Old/Zone", b"+09:00"
        self.write_text(TIMEZONE_PATH, old_zone)
        self.write_text(UTC_OFFSET_PATH, old_offset)
        # UTC Offset complete in block 0, then a Timezone that declares 20 bytes and brings
        # 10: the last block ends inside the value.
        payload = tlv_resource(14, b"+02:00") + bytes([0xC8, 15, 20]) + b"A" * 10
        codes, _ = self.write_all("/3/0", payload, SZX_16, fmt.LWM2M_TLV, coap.POST)
        self.assertEqual(codes, [CONTINUE, "4.00"])
        self.assertEqual(self.read_text(UTC_OFFSET_PATH), old_offset, "UTC Offset not rolled back")
        self.assertEqual(self.read_text(TIMEZONE_PATH), old_zone)

    def test_tlv_long_value_truncated(self):
        # A 400-byte opaque value (longer than the carry buffer, so written in pieces)
        # that stops after 300 bytes.
        data = pattern(400, 25)
        payload = fmt.encode_tlv(fmt.TLV_RESOURCE_INSTANCE, 0, data)[: 4 + 300]
        codes, _ = self.write_all(DATA_PATH, payload, SZX_16, fmt.LWM2M_TLV)
        count = len(blocks_of(payload, SZX_16))
        self.assertEqual(codes, [CONTINUE] * (count - 1) + ["4.00"])
        self.assert_data(initial_data(), "truncated TLV Write")

    # -- targets and formats ----------------------------------------------------------------

    def test_opaque_write_read_only(self):
        text, response = self.send_block("/3/0/0", 0, True, SZX_16, pattern(16, 26))
        self.assertEqual(text, "4.05", coap.describe(response))
        text, response = self.send_block("/3/0/0", 1, False, SZX_16, pattern(4, 27))
        self.assertEqual(text, "4.08", coap.describe(response))

    def test_create_on_app_data_container(self):
        # The container has one fixed instance and cannot create. A Create in blocks must get
        # the response code of the same Create in one message, and leave nothing behind.
        resource = fmt.encode_tlv(
            fmt.TLV_MULTIPLE_RESOURCE, 0,
            fmt.encode_tlv(fmt.TLV_RESOURCE_INSTANCE, 0, pattern(60, 28)),
        )
        for wrapped in (False, True):
            with self.subTest(wrapped=wrapped):
                payload = fmt.encode_tlv(fmt.TLV_OBJECT_INSTANCE, 1, resource) if wrapped \
                    else resource
                single = self.request(coap.POST, "/19", payload, fmt.LWM2M_TLV)
                expected = coap.code_text(single.code)
                self.assertEqual(expected[0], "4", coap.describe(single))
                codes, _ = self.write_all("/19", payload, SZX_16, fmt.LWM2M_TLV, coap.POST)
                self.assertEqual(codes[-1], expected)
                self.assertEqual(codes[:-1], [CONTINUE] * (len(codes) - 1))
                response = self.request(coap.GET, "/19/1")
                self.assertEqual(coap.code_text(response.code), "4.04", coap.describe(response))
                self.assert_data(initial_data(), "failed Create")

    def test_create_in_blocks(self):
        # The test object creates instances; its resources are unknown, so skipped.
        filler = fmt.encode_tlv(fmt.TLV_RESOURCE, 9, pattern(40, 29))
        for wrapped, instance in ((True, 7), (False, TEST_INSTANCES)):
            with self.subTest(wrapped=wrapped):
                payload = fmt.encode_tlv(fmt.TLV_OBJECT_INSTANCE, instance, filler) if wrapped \
                    else filler
                codes, last = self.write_all(f"/{TEST_OBJECT}", payload, SZX_16,
                                             fmt.LWM2M_TLV, coap.POST)
                self.assertEqual(codes, [CONTINUE] * (len(codes) - 1) + ["2.01"])
                self.assertEqual(coap.option_values(last, coap.LOCATION_PATH),
                                 [str(TEST_OBJECT), str(instance)], coap.describe(last))
                self.assertIsNotNone(uint_option(last, BLOCK1), coap.describe(last))
                response = self.request(coap.GET, f"/{TEST_OBJECT}/{instance}")
                self.assertEqual(coap.code_text(response.code), "2.05", coap.describe(response))

    def test_create_existing_instance_rolls_back(self):
        # Instance 0 exists. The decoder names the instance with its first resource, which
        # is complete only in the last block: 4.00 there, and no other instance.
        filler = fmt.encode_tlv(fmt.TLV_RESOURCE, 9, pattern(40, 30))
        payload = fmt.encode_tlv(fmt.TLV_OBJECT_INSTANCE, 0, filler)
        codes, _ = self.write_all(f"/{TEST_OBJECT}", payload, SZX_16, fmt.LWM2M_TLV, coap.POST)
        self.assertEqual(codes, [CONTINUE, CONTINUE, "4.00"])
        response = self.request(coap.GET, f"/{TEST_OBJECT}/{TEST_INSTANCES}")
        self.assertEqual(coap.code_text(response.code), "4.04", coap.describe(response))

    def test_long_text_plain_in_blocks(self):
        before = self.read_text(APP_TYPE_PATH)
        text = b"t" * 200
        codes, last = self.write_all(APP_TYPE_PATH, text, SZX_16, fmt.TEXT_PLAIN)
        # The value waits whole in the 128-byte carry buffer, which block 8 overflows.
        self.assertEqual(codes, [CONTINUE] * 8 + ["4.13"], coap.describe(last))
        self.assertEqual(self.read_text(APP_TYPE_PATH), before)

    @unittest.skipIf(
        int(os.environ.get("LWM2M_BLOCK1_BUFFER_SIZE") or 0) > 0,
        "the client under test assembles these requests in its LWM2M_BLOCK1_BUFFER_SIZE",
    )
    def test_non_streamed_format_in_blocks(self):
        # With no assembly buffer (the default), these requests get 4.13.
        senml = b'[{"n":"/3303/0/5750","vs":"' + b"s" * 40 + b'"}]'
        cases = [
            ("senml-json", coap.PUT, "/3303/0", fmt.SENML_JSON, []),
            ("senml-json-size1", coap.PUT, "/3303/0", fmt.SENML_JSON,
             [(SIZE1, encode_uint(len(senml)))]),
            ("cbor", coap.PUT, APP_TYPE_PATH, fmt.CBOR, []),
            ("composite", IPATCH, "/", fmt.SENML_JSON, []),
            ("execute", coap.POST, "/3303/0/5605", None, []),
        ]
        before = self.read_text(APP_TYPE_PATH)
        for name, method, path, content_format, options in cases:
            with self.subTest(case=name):
                response = self.request(method, path, senml[:16], content_format,
                                        (0, True, SZX_16), options=options)
                self.assertEqual(coap.code_text(response.code), "4.13", coap.describe(response))
                self.assertEqual(uint_option(response, SIZE1), 0, coap.describe(response))
                # No transfer was started, so block 1 is out of place.
                response = self.request(method, path, senml[16:32], content_format,
                                        (1, True, SZX_16), options=options)
                self.assertEqual(coap.code_text(response.code), "4.08", coap.describe(response))
        self.assertEqual(self.read_text(APP_TYPE_PATH), before)

    # -- capacity and recovery --------------------------------------------------------------

    def test_oversized_write_then_recovery(self):
        big = pattern(60 * 1024, 31)
        blocks = blocks_of(big, SZX_1024)
        token = self.new_token()
        codes = []
        for number, more, payload in blocks[:6]:
            text, _ = self.send_block(DATA_PATH, number, more, SZX_1024, payload, 42,
                                      coap.PUT, token)
            codes.append(text)
        # Blocks 0-3 carry 4096 bytes, and block 4 would end at 5120 > 5000. Then the
        # transfer is over, and block 5 is out of place.
        self.assertEqual(codes, [CONTINUE] * 4 + ["4.13", "4.08"])
        self.assert_data(initial_data(), "oversized Write")

        good = pattern(4096, 32)
        codes, last = self.write_all(DATA_PATH, good, SZX_1024)
        self.assertEqual(codes, [CONTINUE] * 3 + ["2.04"], coap.describe(last))
        self.assert_data(good, "4 KB Write after the oversized one")

    def test_recovers_after_hostile_sequences(self):
        # One client through many of the cases above, then a valid 4 KB Write.
        blocks = blocks_of(pattern(96, 33), SZX_16)
        self.send_blocks(DATA_PATH, [blocks[0], blocks[2]], SZX_16)
        self.send_blocks(DATA_PATH, [blocks[0], (1, True, b"")], SZX_16)
        self.send_block(DATA_PATH, 0, True, 7, blocks[0][2])
        self.request(coap.PUT, DATA_PATH, blocks[0][2], 42, bytes([0, 0, 0, 8]))
        self.send_blocks(APP_TYPE_PATH, blocks_of(b"q" * 200, SZX_16), SZX_16, fmt.TEXT_PLAIN)
        self.send_blocks(DATA_PATH, blocks[:3], SZX_16)
        self.write_text(APP_TYPE_PATH, b"cut")
        self.send_blocks(DATA_PATH, blocks_of(pattern(6000, 34), SZX_1024), SZX_1024)
        self.send_blocks(DATA_PATH, blocks[:2], SZX_16)  # left open
        self.assert_data(initial_data(), "hostile sequences")

        good = pattern(4096, 35)
        codes, last = self.write_all(DATA_PATH, good, SZX_1024)
        self.assertEqual(codes, [CONTINUE] * 3 + ["2.04"], coap.describe(last))
        self.assert_data(good, "4 KB Write after the hostile sequences")
        self.assertTrue(self.client.is_running())


if __name__ == "__main__":
    unittest.main()
