"""Register and Update whose link list is larger than the client's 1200-byte out buffer, so
the client sends it block-wise (RFC 7959, Block1).

The test server assembles the blocks through libcoap, which hands over only the whole
payload. A raw peer in the role of the server checks the blocks themselves: their sizes,
the smaller size it requests, and the restart after 4.13 and 4.08.
"""

import unittest

import coap_message as coap
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer

# Test object of the demo client that --test-instances fills.
TEST_OBJECT = 32769

# 300 instances make a link list of 3883 bytes: four blocks of 1024 bytes at most.
INSTANCES = 300

BLOCK1 = 27
SIZE1 = 60
CONTINUE = coap.make_code(2, 31)
REQUEST_ENTITY_INCOMPLETE = coap.make_code(4, 8)
REQUEST_ENTITY_TOO_LARGE = coap.make_code(4, 13)

# More datagrams than any transfer here needs, to bound the raw peer's loops.
MAX_DATAGRAMS = 64


def instance_links(count):
    return [f"/{TEST_OBJECT}/{i}" for i in range(count)]


def uint_option(message, number):
    """Return the unsigned value of option `number` in `message`, or None if it is absent."""
    for found, value in message.options:
        if found == number:
            return int.from_bytes(value, "big")
    return None


def encode_uint(value):
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class RegisterBlockwiseTest(IntegrationTest):
    """The demo client registers and updates with a long link list at the test server."""

    def test_register_and_update(self):
        endpoint = "block1-register"
        server, client, register = self.start_pair(
            endpoint, ["--test-instances", str(INSTANCES)]
        )
        self.assertGreater(len(register["links"]), 1200, f"list too short: {register}")
        self.assertEqual(
            [t for t in register["objects"] if t.startswith(f"/{TEST_OBJECT}/")],
            instance_links(INSTANCES),
            "the server did not get every instance link",
        )
        self.assertTrue(register["links"].startswith("</1>;ver=1.1,</1/0>,"), register["links"])

        # The client logs each block after the first.
        blocks = client.log_lines(r"\[coap\] Block1 block \d+ of 1024 bytes")
        self.assertEqual(len(blocks), 3, client.describe())

        # Creating an instance changes the list, so the Update carries it block-wise too.
        response = server.run_command(f"create {endpoint} /{TEST_OBJECT}")
        self.assertIsNotNone(response, "no response to Create\n" + self.describe())
        self.assertEqual(response["code"], "2.01", f"Create failed: {response}")
        update = server.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after Create\n" + self.describe())
        self.assertEqual(update["location"], register["location"], f"wrong location: {update}")
        self.assertIn("links", update, f"Update without links: {update}")
        self.assertEqual(
            [t for t in update["objects"] if t.startswith(f"/{TEST_OBJECT}/")],
            instance_links(INSTANCES + 1),
            "the Update did not carry every instance link",
        )
        accepted = client.wait_for_log(r"\[reg\] Update accepted", STEP_TIMEOUT_S)
        self.assertIsNotNone(accepted, "client did not log the Update\n" + self.describe())


class BlockNegotiationTest(IntegrationTest):
    """A raw peer in the role of the server responds to the demo client's blocks."""

    def start_client_at_peer(self, endpoint):
        peer = RawPeer()
        self.addCleanup(peer.close)
        client = self.start_client(
            f"coap://127.0.0.1:{peer.port}", endpoint, ["--test-instances", str(INSTANCES)]
        )
        return peer, client

    def receive_block(self, peer):
        datagram = peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no block from the client\n" + self.describe())
        request = coap.decode(datagram)
        self.assertEqual(request.type, coap.CON, coap.describe(request))
        self.assertEqual(request.code, coap.POST, coap.describe(request))
        block = uint_option(request, BLOCK1)
        self.assertIsNotNone(block, f"no Block1 option: {coap.describe(request)}")
        return request, block >> 4, (block & 0x08) != 0, 16 << (block & 0x07)

    def respond(self, peer, request, code, options=()):
        peer.send(coap.encode(coap.ACK, code, request.message_id, request.token, options))

    def receive_all(self, peer, block_size, offset=0):
        """Respond 2.31 with `block_size`-byte blocks requested until the last block, then 2.01.

        Return the payload from byte `offset` on and the (number, size) of each block.
        """
        payload = b""
        blocks = []
        for _ in range(MAX_DATAGRAMS):
            request, number, more, size = self.receive_block(peer)
            self.assertEqual(number * size, offset + len(payload), f"block {number} misplaced")
            payload += request.payload
            blocks.append((number, size))
            if not more:
                location = [(coap.LOCATION_PATH, "rd"), (coap.LOCATION_PATH, "9")]
                self.respond(peer, request, coap.CREATED, location)
                return payload, blocks
            value = (number * size // block_size) << 4 | 0x08 | (block_size.bit_length() - 5)
            self.respond(peer, request, CONTINUE, [(BLOCK1, encode_uint(value))])
        self.fail(f"more than {MAX_DATAGRAMS} blocks")

    def test_smaller_block_size_from_server(self):
        peer, client = self.start_client_at_peer("block1-negotiate")
        payload, blocks = self.receive_all(peer, 256)

        # RFC 7959, 2.5: block 0 of 1024 bytes, then 256-byte blocks from number 4 on.
        self.assertEqual(blocks[0], (0, 1024), blocks)
        self.assertEqual(blocks[1], (4, 256), blocks)
        self.assertTrue(all(size == 256 for _, size in blocks[1:]), blocks)
        links = payload.decode("utf-8")
        targets = [link.split(";")[0].strip("<>") for link in links.split(",")]
        self.assertEqual([t for t in targets if t.startswith(f"/{TEST_OBJECT}/")],
                         instance_links(INSTANCES))
        registered = client.wait_for_log(r"\[reg\] registered at /rd/9", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, client.describe())

    def test_restart_after_too_large_and_incomplete(self):
        peer, client = self.start_client_at_peer("block1-restart")
        request, number, more, size = self.receive_block(peer)
        self.assertEqual((number, more, size), (0, True, 1024))
        self.assertEqual(uint_option(request, SIZE1), 3883, coap.describe(request))

        # 4.13 with Block1 SZX 3: start again with 128-byte blocks.
        self.respond(peer, request, REQUEST_ENTITY_TOO_LARGE, [(BLOCK1, encode_uint(3))])
        request, number, more, size = self.receive_block(peer)
        self.assertEqual((number, more, size), (0, True, 128))
        self.assertEqual(uint_option(request, SIZE1), 3883, coap.describe(request))

        # 4.08 once: block 0 again, at the same size; the transfer then completes.
        self.respond(peer, request, REQUEST_ENTITY_INCOMPLETE)
        request, number, more, size = self.receive_block(peer)
        self.assertEqual((number, more, size), (0, True, 128))
        self.respond(peer, request, CONTINUE, [(BLOCK1, encode_uint(0x08 | 3))])
        payload, blocks = self.receive_all(peer, 128, offset=128)
        self.assertEqual(len(payload), 3883 - 128, blocks)
        registered = client.wait_for_log(r"\[reg\] registered at /rd/9", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, client.describe())


if __name__ == "__main__":
    unittest.main()
