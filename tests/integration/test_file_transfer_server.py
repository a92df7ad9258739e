"""The test server's file transfers, checked with a raw UDP CoAP peer written here.

`serve URI_PATH FILE` makes the server return the file to GET in Block2 blocks (RFC 7959),
and `write EP PATH --file FILE` pushes a file to a registered client in Block1 blocks. The
peer fetches a served file block by block, and plays a registered client that receives a
push, so both directions are checked on the wire without the client library. A last class
fetches over DTLS with Debian's coap-client-openssl, and is skipped when it is missing.
"""

import os
import random
import shutil
import subprocess
import tempfile
import unittest

import coap_message as coap
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer

FILE_SIZE = 262144
FETCH_BLOCK_SIZES = (16, 64, 512, 1024)
PUSH_BLOCK_SIZES = (16, 32, 64, 128, 256, 512, 1024)
FW_PATH = "/fw/image.bin"
OCTET_STREAM = 42

# Wait for one response on loopback, and for a request that must not come.
RESPONSE_TIMEOUT_S = 3.0
NO_REQUEST_WAIT_S = 0.5

# Wait for the last block_served event of one fetch, the longest being FILE_SIZE bytes in
# 16-byte blocks.
TRANSFER_TIMEOUT_S = 60.0

# Bounds for the peer's loops: blocks of one transfer (FILE_SIZE in 16-byte blocks, plus
# one), and datagrams skipped while waiting for one response.
MAX_BLOCKS = FILE_SIZE // 16 + 1
MAX_SKIPPED_DATAGRAMS = 8

COAP_CLIENT = "/usr/bin/coap-client-openssl"
CLIENT_TIMEOUT_S = 60
PSK_IDENTITY = "fw-client"
PSK_TEXT = "fw-secret"


def szx_of(block_size):
    """Return the SZX of a block size (RFC 7959, 2.2: the size is 2**(SZX + 4))."""
    return block_size.bit_length() - 5


def fnv1a_64(data):
    """Return the 64-bit FNV-1a hash of `data`, the server's ETag as an integer."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def etag_of(data):
    """Return the ETag option value the server derives from `data`: 8 bytes, big-endian."""
    return fnv1a_64(data).to_bytes(8, "big")


def option_values(message, number):
    return [value for found, value in message.options if found == number]


class TransferPeer(RawPeer):
    """Raw peer that talks to the server at `server_port`, as a client that fetches files
    and as a registered LwM2M client that receives a push."""

    def __init__(self, server_port):
        super().__init__()
        self.client_address = ("127.0.0.1", server_port)

    def request(self, code, path, options=(), payload=b""):
        """Send a CON request and return the piggybacked response, or None after
        RESPONSE_TIMEOUT_S."""
        message_id = self.new_message_id()
        token = random.randbytes(4)
        all_options = coap.path_options(path) + list(options)
        self.send(coap.encode(coap.CON, code, message_id, token, all_options, payload))

        for _ in range(MAX_SKIPPED_DATAGRAMS):
            datagram = self.receive(RESPONSE_TIMEOUT_S)
            if datagram is None:
                return None
            response = coap.decode(datagram)
            if response.type == coap.ACK and response.message_id == message_id:
                return response if response.token == token else None
        return None

    def get_block(self, path, number, block_size, extra_options=()):
        """GET block `number` of `path` in blocks of `block_size` bytes."""
        block2 = (coap.BLOCK2, coap.block_option(number, False, szx_of(block_size)))
        return self.request(coap.GET, path, [block2] + list(extra_options))

    def register(self, endpoint):
        """Register as `endpoint` and return the response."""
        query = [(coap.URI_QUERY, item) for item in (f"ep={endpoint}", "lt=60", "lwm2m=1.1")]
        return self.request(coap.POST, "/rd", query, b"</5/0>")

    def respond(self, request, code, options=()):
        self.send(coap.encode(coap.ACK, code, request.message_id, request.token, options))


class FileTransferTest(IntegrationTest):
    """Base class: random files in a temporary directory for the whole class."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="lwm2m-files-")
        generator = random.Random(7959)
        cls.image = generator.randbytes(FILE_SIZE)
        cls.other_image = generator.randbytes(FILE_SIZE)
        cls.small = generator.randbytes(1000)
        cls.image_path = cls.write_file("image.bin", cls.image)
        cls.other_path = cls.write_file("other.bin", cls.other_image)
        cls.small_path = cls.write_file("small.bin", cls.small)
        cls.empty_path = cls.write_file("empty.bin", b"")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory)

    @classmethod
    def write_file(cls, name, data):
        path = os.path.join(cls.directory, name)
        with open(path, "wb") as file:
            file.write(data)
        return path

    def start_file_server(self, extra_args=()):
        server = self.start_server(extra_args=list(extra_args))
        peer = TransferPeer(server.port)
        self.addCleanup(peer.close)
        return server, peer

    def assert_command_error(self, server, line, message):
        """Send `line` and check that it gets an `error` event containing `message`.

        Return the command's id."""
        command_id = server.send_command(line)
        error = server.wait_event("error", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(error, f"no error for {line}\n" + self.describe())
        self.assertIn(message, error["message"], f"wrong message: {error}")
        return command_id

    def serve(self, server, path, file_path):
        """Run `serve` and return its "serving" event."""
        command_id = server.send_command(f"serve {path} {file_path}")
        event = server.wait_event(("serving", "error"), STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(event, f"no event for serve {path}\n" + self.describe())
        self.assertEqual(event["event"], "serving", f"serve failed: {event}")
        return event

    def fetch(self, peer, path, block_size):
        """Fetch `path` block by block and return the body and the responses in order."""
        body = bytearray()
        responses = []
        for number in range(MAX_BLOCKS):
            response = peer.get_block(path, number, block_size)
            self.assertIsNotNone(response, f"no response to block {number} of {path}")
            self.assertEqual(response.code, coap.CONTENT, coap.describe(response))
            responses.append(response)
            body += response.payload
            block2 = coap.uint_option(response, coap.BLOCK2)
            self.assertIsNotNone(block2, f"no Block2 in {coap.describe(response)}")
            if not block2 & 0x08:
                return bytes(body), responses
        self.fail(f"{path} did not end within {MAX_BLOCKS} blocks")

    def check_block_options(self, responses, block_size, total):
        """Check Block2, ETag, Content-Format and Size2 of every response of one fetch."""
        etags = set()
        for number, response in enumerate(responses):
            context = f"block {number} of {block_size} bytes: {coap.describe(response)}"
            last = number == len(responses) - 1
            block2 = coap.uint_option(response, coap.BLOCK2)
            self.assertEqual(block2 >> 4, number, context)
            self.assertEqual(block2 & 0x07, szx_of(block_size), context)
            self.assertEqual(bool(block2 & 0x08), not last, context)
            expected_size = total - number * block_size if last else block_size
            self.assertEqual(len(response.payload), expected_size, context)
            self.assertEqual(coap.uint_option(response, coap.CONTENT_FORMAT), OCTET_STREAM)

            # Size2 goes with block 0, and with later blocks only on request.
            size2 = coap.uint_option(response, coap.SIZE2)
            self.assertEqual(size2, total if number == 0 else None, context)

            tags = option_values(response, coap.ETAG)
            self.assertEqual(len(tags), 1, context)
            etags.add(tags[0])
        self.assertEqual(len(etags), 1, f"ETag changed within one fetch: {etags}")
        return etags.pop()


class ServeTest(FileTransferTest):
    """serve and unserve, with the raw peer as the downloading client."""

    def test_fetch_at_each_block_size(self):
        server, peer = self.start_file_server()
        serving = self.serve(server, FW_PATH, self.image_path)
        self.assertEqual(serving["size"], FILE_SIZE, f"wrong size: {serving}")
        self.assertEqual(serving["etag"], etag_of(self.image).hex(), f"wrong ETag: {serving}")
        self.assertFalse(serving["replaced"], f"first serve replaced a file: {serving}")

        for block_size in FETCH_BLOCK_SIZES:
            with self.subTest(block_size=block_size):
                before = len(server.stdout.lines()) - 1
                body, responses = self.fetch(peer, FW_PATH, block_size)
                self.assertEqual(len(body), FILE_SIZE)
                self.assertTrue(body == self.image, "fetched bytes differ from the file")
                self.assertEqual(len(responses), FILE_SIZE // block_size)
                etag = self.check_block_options(responses, block_size, FILE_SIZE)
                self.assertEqual(etag, etag_of(self.image))
                self.check_block_events(server, before, block_size, peer.port)

    def check_block_events(self, server, before, block_size, peer_port):
        """Check the block_served events of one fetch, which started after line `before`."""
        last = server.wait_event(
            "block_served", TRANSFER_TIMEOUT_S, after=before, block_size=block_size, more=False
        )
        self.assertIsNotNone(last, "no event for the last block\n" + self.describe())
        events = [
            event
            for event in server.events("block_served", path=FW_PATH, block_size=block_size)
            if before < event.index <= last.index
        ]
        count = FILE_SIZE // block_size
        self.assertEqual([event["block"] for event in events], list(range(count)))
        self.assertEqual({event["size"] for event in events}, {block_size})
        self.assertEqual([event["more"] for event in events], [True] * (count - 1) + [False])
        self.assertEqual({event["etag"] for event in events}, {etag_of(self.image).hex()})
        self.assertEqual({event["peer"] for event in events}, {"127.0.0.1"})
        self.assertEqual({event["port"] for event in events}, {peer_port})
        self.assertEqual({event["secure"] for event in events}, {False})

    def test_block_size_limited_by_server(self):
        server, peer = self.start_file_server(["--block-size", "64"])
        self.serve(server, FW_PATH, self.image_path)

        # A request for 1024-byte blocks gets 64-byte blocks.
        first = peer.get_block(FW_PATH, 0, 1024)
        self.assertIsNotNone(first, "no response to block 0\n" + self.describe())
        self.assertEqual(coap.uint_option(first, coap.BLOCK2), (0 << 4) | 0x08 | szx_of(64))
        self.assertEqual(first.payload, self.image[:64])

        second = peer.get_block(FW_PATH, 1, 64)
        self.assertIsNotNone(second, "no response to block 1\n" + self.describe())
        self.assertEqual(coap.uint_option(second, coap.BLOCK2), (1 << 4) | 0x08 | szx_of(64))
        self.assertEqual(second.payload, self.image[64:128])

        # Block 1 of a request for 1024-byte blocks starts at byte 1024, which is block 16 in
        # 64-byte blocks (RFC 7959, 2.4: the server may use a smaller block size).
        later = peer.get_block(FW_PATH, 1, 1024)
        self.assertIsNotNone(later, "no response to block 1 of 1024\n" + self.describe())
        self.assertEqual(coap.uint_option(later, coap.BLOCK2), (16 << 4) | 0x08 | szx_of(64))
        self.assertEqual(later.payload, self.image[1024:1088])

    def test_request_without_block2(self):
        server, peer = self.start_file_server()
        self.serve(server, FW_PATH, self.image_path)
        self.serve(server, "/fw/small.bin", self.small_path)

        # Larger than --block-size (1024): block 0 with M set, and Size2.
        response = peer.request(coap.GET, FW_PATH)
        self.assertIsNotNone(response, "no response\n" + self.describe())
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))
        self.assertEqual(coap.uint_option(response, coap.BLOCK2), 0x08 | szx_of(1024))
        self.assertEqual(coap.uint_option(response, coap.SIZE2), FILE_SIZE)
        self.assertEqual(response.payload, self.image[:1024])
        self.assertEqual(option_values(response, coap.ETAG), [etag_of(self.image)])

        # Small enough for one message: the whole file without Block2.
        small = peer.request(coap.GET, "/fw/small.bin")
        self.assertIsNotNone(small, "no response for the small file\n" + self.describe())
        self.assertEqual(small.code, coap.CONTENT, coap.describe(small))
        self.assertIsNone(coap.uint_option(small, coap.BLOCK2), coap.describe(small))
        self.assertEqual(coap.uint_option(small, coap.SIZE2), len(self.small))
        self.assertEqual(small.payload, self.small)

        event = server.wait_event("block_served", STEP_TIMEOUT_S, path="/fw/small.bin")
        self.assertIsNotNone(event, "no block_served event\n" + self.describe())
        self.assertEqual(event["block"], 0, f"wrong block: {event}")
        self.assertEqual(event["size"], len(self.small), f"wrong size: {event}")
        self.assertFalse(event["more"], f"more blocks after the whole file: {event}")

    def test_size2_on_request(self):
        server, peer = self.start_file_server()
        self.serve(server, FW_PATH, self.image_path)

        with_size2 = peer.get_block(FW_PATH, 5, 512, [(coap.SIZE2, coap.encode_uint(0))])
        self.assertIsNotNone(with_size2, "no response\n" + self.describe())
        self.assertEqual(
            coap.uint_option(with_size2, coap.SIZE2), FILE_SIZE, coap.describe(with_size2)
        )
        self.assertEqual(with_size2.payload, self.image[5 * 512 : 6 * 512])

        without_size2 = peer.get_block(FW_PATH, 5, 512)
        self.assertIsNotNone(without_size2, "no response\n" + self.describe())
        self.assertIsNone(
            coap.uint_option(without_size2, coap.SIZE2), coap.describe(without_size2)
        )

    def test_block_beyond_end(self):
        server, peer = self.start_file_server()
        self.serve(server, FW_PATH, self.image_path)
        self.serve(server, "/fw/small.bin", self.small_path)

        # The last block of each file, then the first block number past its end. The small
        # file's last 16-byte block holds its last 8 bytes.
        cases = [
            (FW_PATH, 1024, FILE_SIZE // 1024 - 1, self.image[-1024:]),
            (FW_PATH, 16, FILE_SIZE // 16 - 1, self.image[-16:]),
            ("/fw/small.bin", 16, 62, self.small[992:]),
            ("/fw/small.bin", 512, 1, self.small[512:]),
        ]
        for path, block_size, last_number, last_payload in cases:
            with self.subTest(path=path, block_size=block_size):
                last = peer.get_block(path, last_number, block_size)
                self.assertIsNotNone(last, "no response to the last block\n" + self.describe())
                self.assertEqual(last.code, coap.CONTENT, coap.describe(last))
                self.assertFalse(coap.uint_option(last, coap.BLOCK2) & 0x08, coap.describe(last))
                self.assertEqual(last.payload, last_payload)

                beyond = peer.get_block(path, last_number + 1, block_size)
                self.assertIsNotNone(beyond, "no response past the end\n" + self.describe())
                self.assertEqual(beyond.code, coap.BAD_OPTION, coap.describe(beyond))
                self.assertEqual(option_values(beyond, coap.ETAG), [], coap.describe(beyond))

                event = server.wait_event(
                    "block_rejected", STEP_TIMEOUT_S, path=path, block=last_number + 1
                )
                self.assertIsNotNone(event, "no block_rejected event\n" + self.describe())
                self.assertEqual(event["code"], "4.02", f"wrong code: {event}")

        # SZX 7 is reserved and MUST lead to 4.00 (RFC 7959, 2.2).
        reserved = peer.request(coap.GET, FW_PATH, [(coap.BLOCK2, coap.encode_uint(0x07))])
        self.assertIsNotNone(reserved, "no response to SZX 7\n" + self.describe())
        self.assertEqual(reserved.code, coap.BAD_REQUEST, coap.describe(reserved))

    def test_etag_follows_content(self):
        server, peer = self.start_file_server()
        first = self.serve(server, FW_PATH, self.image_path)
        response = peer.get_block(FW_PATH, 0, 1024)
        self.assertIsNotNone(response, "no response\n" + self.describe())
        etag = option_values(response, coap.ETAG)
        self.assertEqual(etag, [etag_of(self.image)], coap.describe(response))
        self.assertEqual(first["etag"], etag[0].hex())

        # The same file after a restart: the same ETag.
        server.stop()
        restarted, restarted_peer = self.start_file_server()
        again = self.serve(restarted, FW_PATH, self.image_path)
        self.assertEqual(again["etag"], first["etag"], f"ETag changed on restart: {again}")
        response = restarted_peer.get_block(FW_PATH, 3, 1024)
        self.assertIsNotNone(response, "no response after restart\n" + self.describe())
        self.assertEqual(option_values(response, coap.ETAG), etag, coap.describe(response))

        # Another file at the same path: another ETag and the new bytes.
        replaced = self.serve(restarted, FW_PATH, self.other_path)
        self.assertTrue(replaced["replaced"], f"not reported as replaced: {replaced}")
        self.assertNotEqual(replaced["etag"], first["etag"], f"same ETag: {replaced}")
        response = restarted_peer.get_block(FW_PATH, 3, 1024)
        self.assertIsNotNone(response, "no response after replace\n" + self.describe())
        self.assertEqual(option_values(response, coap.ETAG), [etag_of(self.other_image)])
        self.assertEqual(response.payload, self.other_image[3 * 1024 : 4 * 1024])

    def test_unserve(self):
        server, peer = self.start_file_server()
        self.serve(server, FW_PATH, self.image_path)
        response = peer.get_block(FW_PATH, 0, 64)
        self.assertIsNotNone(response, "no response\n" + self.describe())
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))

        command_id = server.send_command(f"unserve {FW_PATH}")
        event = server.wait_event("unserved", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(event, "no unserved event\n" + self.describe())
        self.assertEqual(event["path"], FW_PATH, f"wrong path: {event}")

        removed = peer.get_block(FW_PATH, 1, 64)
        self.assertIsNotNone(removed, "no response after unserve\n" + self.describe())
        self.assertEqual(removed.code, coap.NOT_FOUND, coap.describe(removed))

        command_id = server.send_command(f"unserve {FW_PATH}")
        error = server.wait_event("error", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(error, "no error for a path not served\n" + self.describe())

    def test_serve_rejects_invalid_input(self):
        server, peer = self.start_file_server()
        missing = os.path.join(self.directory, "missing.bin")
        commands = [
            (f"serve {FW_PATH} {missing}", "failed to open"),
            (f"serve {FW_PATH} {self.empty_path}", "is empty"),
            (f"serve /rd/image.bin {self.image_path}", "'/rd'"),
            (f"serve /fw/a%20b {self.image_path}", "invalid segment"),
            (f"serve {FW_PATH}", "expects 2"),
        ]
        for line, message in commands:
            with self.subTest(command=line):
                self.assert_command_error(server, line, message)

        # Nothing is served after the rejected commands.
        response = peer.get_block(FW_PATH, 0, 64)
        self.assertIsNotNone(response, "no response\n" + self.describe())
        self.assertEqual(response.code, coap.NOT_FOUND, coap.describe(response))
        self.assertEqual(server.events("serving"), [])

    def test_other_methods_not_allowed(self):
        server, peer = self.start_file_server()
        self.serve(server, FW_PATH, self.image_path)
        for method in (coap.PUT, coap.POST, coap.DELETE):
            with self.subTest(method=method):
                response = peer.request(method, FW_PATH, payload=b"x")
                self.assertIsNotNone(response, "no response\n" + self.describe())
                self.assertEqual(response.code, coap.METHOD_NOT_ALLOWED, coap.describe(response))


class PushTest(FileTransferTest):
    """write --file to the raw peer registered as a client, which checks every Block1 block."""

    def register(self, server, peer, endpoint):
        response = peer.register(endpoint)
        self.assertIsNotNone(response, f"no response to Register of {endpoint}")
        self.assertEqual(response.code, coap.CREATED, coap.describe(response))
        event = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(event, "no register event\n" + self.describe())

    def receive_push(self, peer, block_size):
        """Respond to the blocks of one PUT with 2.31 Continue and to the last one with 2.04,
        and return the received bytes. Check the options of each block on the way."""
        szx = szx_of(block_size)
        body = bytearray()
        request_tag = None
        last_response = None
        for _ in range(MAX_BLOCKS + MAX_SKIPPED_DATAGRAMS):
            datagram = peer.receive(RESPONSE_TIMEOUT_S)
            self.assertIsNotNone(datagram, f"no block after {len(body)} bytes")
            request = coap.decode(datagram)
            # A retransmitted block gets the same response again.
            if last_response is not None and request.message_id == last_response[0]:
                peer.send(last_response[1])
                continue

            context = f"block at byte {len(body)}: {coap.describe(request)}"
            self.assertEqual(request.type, coap.CON, context)
            self.assertEqual(request.code, coap.PUT, context)
            self.assertEqual(coap.option_values(request, coap.URI_PATH), ["5", "0", "0"])
            self.assertEqual(coap.uint_option(request, coap.CONTENT_FORMAT), OCTET_STREAM)
            self.assertEqual(coap.uint_option(request, coap.SIZE1), FILE_SIZE, context)
            tags = option_values(request, coap.REQUEST_TAG)
            if request_tag is None:
                request_tag = tags
            self.assertEqual(tags, request_tag, context)

            block1 = coap.uint_option(request, coap.BLOCK1)
            self.assertIsNotNone(block1, context)
            number, more = block1 >> 4, bool(block1 & 0x08)
            self.assertEqual(block1 & 0x07, szx, context)
            self.assertEqual(number * block_size, len(body), context)
            if more:
                self.assertEqual(len(request.payload), block_size, context)
            body += request.payload

            code = coap.CONTINUE if more else coap.CHANGED
            echo = [(coap.BLOCK1, coap.block_option(number, more, szx))]
            response = coap.encode(coap.ACK, code, request.message_id, request.token, echo)
            peer.send(response)
            last_response = (request.message_id, response)
            if not more:
                return bytes(body)
        self.fail(f"the push did not end within {MAX_BLOCKS} blocks")

    def test_push_at_each_block_size(self):
        for block_size in PUSH_BLOCK_SIZES:
            with self.subTest(block_size=block_size):
                server, peer = self.start_file_server(["--block-size", str(block_size)])
                endpoint = f"push-{block_size}"
                self.register(server, peer, endpoint)

                line = f"write {endpoint} /5/0/0 --file {self.image_path}"
                command_id = server.send_command(line)
                body = self.receive_push(peer, block_size)
                self.assertEqual(len(body), FILE_SIZE)
                self.assertTrue(body == self.image, "pushed bytes differ from the file")

                response = server.wait_event(
                    ("response", "timeout", "error"), STEP_TIMEOUT_S, id=command_id
                )
                self.assertIsNotNone(response, "no response event\n" + self.describe())
                self.assertEqual(response["event"], "response", f"push failed: {response}")
                self.assertEqual(response["code"], "2.04", f"wrong code: {response}")
                self.assertEqual(len(server.events("sent", id=command_id)), 1)
                self.assertEqual(len(server.events("response", id=command_id)), 1)
                server.stop()

    def test_small_file_and_errors(self):
        server, peer = self.start_file_server()
        self.register(server, peer, "push-small")

        # One message without Block1 for a file that fits in one block.
        command_id = server.send_command(f"write push-small /5/0/0 --file {self.small_path}")
        datagram = peer.receive(RESPONSE_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no request\n" + self.describe())
        request = coap.decode(datagram)
        self.assertEqual(request.code, coap.PUT, coap.describe(request))
        self.assertIsNone(coap.uint_option(request, coap.BLOCK1), coap.describe(request))
        self.assertEqual(coap.uint_option(request, coap.CONTENT_FORMAT), OCTET_STREAM)
        self.assertEqual(request.payload, self.small)
        peer.respond(request, coap.CHANGED)
        response = server.wait_event("response", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(response, "no response event\n" + self.describe())

        missing = os.path.join(self.directory, "missing.bin")
        commands = [
            (f"write push-small /5/0/0 --file {missing}", "failed to open"),
            (f"write push-small /5/0/0 --hex 00 --file {self.small_path}", "--file alone"),
            (f"write push-small /5/0/0 abc --file {self.small_path}", "--file alone"),
        ]
        for line, message in commands:
            with self.subTest(command=line):
                command_id = self.assert_command_error(server, line, message)
                self.assertEqual(server.events("sent", id=command_id), [])

    def test_payload_beyond_block1_limit(self):
        server, peer = self.start_file_server(["--block-size", "16"])
        self.register(server, peer, "push-limit")

        # Block numbers have 20 bits (RFC 7959, 2.2), so blocks of 16 bytes carry at most
        # 2**20 * 16 bytes.
        limit = (1 << 20) * 16
        path = os.path.join(self.directory, "too-large.bin")
        with open(path, "wb") as file:
            file.truncate(limit + 1)

        command_id = server.send_command(f"write push-limit /5/0/0 --file {path}")
        error = server.wait_event("error", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(error, "no error for a payload too large\n" + self.describe())
        self.assertIn(f"larger than the {limit} bytes", error["message"], f"{error}")
        self.assertEqual(server.events("sent", id=command_id), [])
        self.assertIsNone(peer.receive(NO_REQUEST_WAIT_S), "a block went out after the error")


@unittest.skipUnless(
    os.access(COAP_CLIENT, os.X_OK),
    f"{COAP_CLIENT} not found: install Debian's libcoap3-bin (tools/setup-debian)",
)
class DtlsServeTest(FileTransferTest):
    """A served file over the DTLS endpoint, fetched by libcoap's own client."""

    def test_fetch_over_dtls(self):
        key_hex = PSK_TEXT.encode().hex()
        server, _ = self.start_file_server(
            ["--dtls-port", "0", "--psk", f"{PSK_IDENTITY}:{key_hex}"]
        )
        self.serve(server, FW_PATH, self.image_path)

        output_path = os.path.join(self.directory, "fetched-over-dtls.bin")
        uri = f"coaps://127.0.0.1:{server.listening['dtls_port']}{FW_PATH}"
        # coap-client 4.3.1 takes the key as text (-k), and -b 512 requests 512-byte blocks.
        arguments = [COAP_CLIENT, "-u", PSK_IDENTITY, "-k", PSK_TEXT, "-b", "512", "-B", "20"]
        completed = subprocess.run(
            arguments + ["-o", output_path, uri],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=CLIENT_TIMEOUT_S,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr.decode("utf-8", "replace"))
        with open(output_path, "rb") as file:
            self.assertTrue(file.read() == self.image, "bytes fetched over DTLS differ")

        last = server.wait_event("block_served", STEP_TIMEOUT_S, more=False)
        self.assertIsNotNone(last, "no event for the last block\n" + self.describe())
        events = server.events("block_served")
        self.assertEqual([event["block"] for event in events], list(range(FILE_SIZE // 512)))
        self.assertEqual({event["secure"] for event in events}, {True})
        self.assertEqual({event["block_size"] for event in events}, {512})


if __name__ == "__main__":
    unittest.main()
