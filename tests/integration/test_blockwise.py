"""Block-wise Write from the test server to the demo client (RFC 7959, Block1), read back
with a block-wise Read (Block2).

The Writes are larger than any buffer of the client: it applies each block as it arrives
(LWM2M_BLOCK1_CARRY_SIZE, on by default) and needs no assembly buffer.
"""

import re
import unittest

import coap_message as coap
import payload_formats
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer

OCTET_STREAM = 42

# Opaque Data resource of the demo's Binary App Data Container. It accepts up to
# DATA_MAX_LENGTH bytes, and its initial content has byte i == i % 251.
DATA_PATH = "/19/0/0/0"
DATA_MAX_LENGTH = 5000

# Default --block-size of lwm2m-server.
DEFAULT_BLOCK_SIZE = 1024

# Time limit for one block-wise Write or Read on loopback.
TRANSFER_TIMEOUT_S = 20.0

# Server transmission settings for the stalled transfer: a block without an ACK times out
# after at most 1.5 s + 3 s (RFC 7252, 4.8, with ACK_RANDOM_FACTOR 1.5).
STALL_SERVER_ARGS = ("--ack-timeout", "1", "--max-retransmit", "1")
STALL_TIMEOUT_S = 10.0

BLOCK1 = 27

TLV_FORMAT = 11542
# Kinds of TLV (bits 7-6 of the type byte).
TLV_RESOURCE_INSTANCE = 1
TLV_MULTIPLE_RESOURCE = 2
CONTINUE = coap.make_code(2, 31)


def pattern(length):
    """Return `length` bytes with byte i == (7 * i + 3) % 256, which differs from i % 251."""
    return bytes((7 * i + 3) % 256 for i in range(length))


def initial_content():
    return bytes(i % 251 for i in range(DATA_MAX_LENGTH))


def block_count(length, block_size):
    return (length + block_size - 1) // block_size


class BlockwiseWriteTest(IntegrationTest):
    """Block1 Writes to the Data resource, one of them over its capacity, and a stalled
    Block1 transfer from the server to a raw peer."""

    def start_registered_pair(self, endpoint, server_args=()):
        """Start a server with `server_args` and a client, and wait for the registration."""
        server = self.start_server(extra_args=server_args)
        client = self.start_client(f"coap://127.0.0.1:{server.port}", endpoint)

        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(register, f"{endpoint} did not register\n" + self.describe())
        registered = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, f"{endpoint} logged no registration\n" + self.describe())
        return server, client

    def run_downlink(self, server, command):
        """Run `command` and return its "response" event. Fail on a timeout or an error."""
        response = server.run_command(command, TRANSFER_TIMEOUT_S)
        self.assertIsNotNone(response, f"no response to '{command[:60]}'\n" + self.describe())
        self.assertEqual(response["event"], "response", f"'{command[:60]}' failed: {response}")
        return response

    def write(self, server, endpoint, data):
        command = f"write {endpoint} {DATA_PATH} --hex {data.hex()} --format {OCTET_STREAM}"
        return self.run_downlink(server, command)

    def read_data(self, server, endpoint):
        """Read the Data resource as application/octet-stream and return the response."""
        response = self.run_downlink(server, f"read {endpoint} {DATA_PATH} --accept {OCTET_STREAM}")
        self.assertEqual(response["code"], "2.05", f"Read failed: {response}")
        self.assertEqual(response["content_format"], OCTET_STREAM, f"wrong format: {response}")
        self.assertIn("payload_hex", response, f"no payload: {response}")
        return response

    def request_log(self, client, method, first_line, response):
        """Return the response codes in the client's log lines for `method` on the Data
        resource, from line `first_line` through the line of the request of `response`.
        """
        prefix = rf"\[req\] {method} {re.escape(DATA_PATH)} \(message "
        last = client.wait_for_log(
            prefix + rf"{response['message_id']}\) -> {re.escape(response['code'])}",
            STEP_TIMEOUT_S,
            first_line - 1,
        )
        self.assertIsNotNone(last, f"client did not log the {method}\n" + self.describe())

        regex = re.compile(prefix + r"\d+\) -> (\d\.\d\d)")
        codes = []
        for line in client.log.lines()[first_line : last.index + 1]:
            match = regex.search(line)
            if match:
                codes.append(match.group(1))
        return codes

    def check_write_and_read(self, server_args, block_size, endpoint):
        server, client = self.start_registered_pair(endpoint, server_args)
        data = pattern(4500)

        first_line = len(client.log.lines())
        response = self.write(server, endpoint, data)
        self.assertEqual(response["code"], "2.04", f"Write failed: {response}")

        # The client responds 2.31 Continue to every block but the last, and 2.04 to it.
        blocks = block_count(len(data), block_size)
        codes = self.request_log(client, "PUT", first_line, response)
        self.assertEqual(codes, ["2.31"] * (blocks - 1) + ["2.04"], self.describe())

        first_line = len(client.log.lines())
        response = self.read_data(server, endpoint)
        self.assertEqual(bytes.fromhex(response["payload_hex"]), data, "read back differs")

        # A 4500-byte response does not fit in one message, so the server had to ask for
        # more than one Block2 block.
        codes = self.request_log(client, "GET", first_line, response)
        self.assertGreater(len(codes), 1, "Read was not block-wise\n" + self.describe())

    def test_write_default_block_size(self):
        self.check_write_and_read((), DEFAULT_BLOCK_SIZE, "block1-default")

    def test_write_small_blocks(self):
        self.check_write_and_read(("--block-size", "256"), 256, "block1-256")

    def test_tlv_write_in_small_blocks(self):
        # A Write of the whole instance in TLV, 4.5 KB in 256-byte blocks. Block boundaries
        # cut the TLV headers, and the value goes to the object in pieces.
        server, client = self.start_registered_pair("block1-tlv", ("--block-size", "256"))
        data = pattern(4500)
        item = payload_formats.encode_tlv(TLV_RESOURCE_INSTANCE, 0, data)
        tlv = payload_formats.encode_tlv(TLV_MULTIPLE_RESOURCE, 0, item)
        command = f"write block1-tlv /19/0 --hex {tlv.hex()} --format {TLV_FORMAT}"
        response = self.run_downlink(server, command)
        self.assertEqual(response["code"], "2.04", f"Write failed: {response}")

        content = self.read_data(server, "block1-tlv")["payload_hex"]
        self.assertEqual(bytes.fromhex(content), data, "read back differs")

    def test_write_over_capacity_changes_nothing(self):
        # The first blocks fit the resource and are applied; the block that overflows it
        # gets 4.13, and the whole Write is rolled back.
        server, client = self.start_registered_pair("block1-too-large")
        data = pattern(DATA_MAX_LENGTH + 808)

        first_line = len(client.log.lines())
        response = self.write(server, "block1-too-large", data)
        self.assertEqual(response["code"], "4.13", f"oversized Write not rejected: {response}")

        codes = self.request_log(client, "PUT", first_line, response)
        self.assertEqual(codes[-1], "4.13", self.describe())

        content = self.read_data(server, "block1-too-large")["payload_hex"]
        self.assertEqual(bytes.fromhex(content), initial_content(), "rejected Write changed data")

    def test_stalled_transfer_times_out(self):
        # A raw peer registers and then acknowledges only the first block, so the server
        # must report the timeout of a later block, which libcoap sends with its own token.
        server = self.start_server(extra_args=STALL_SERVER_ARGS)
        peer = RawPeer()
        self.addCleanup(peer.close)
        peer.client_address = ("127.0.0.1", server.port)  # the peer plays the client here

        options = [(coap.URI_PATH, "rd"), (coap.URI_QUERY, "ep=stall"), (coap.URI_QUERY, "lt=60")]
        peer.send(coap.encode(coap.CON, coap.POST, 1, b"\x01", options, b"</19/0>"))
        self.assertIsNotNone(peer.receive(STEP_TIMEOUT_S), "no response to Register")

        command_id = server.send_command(f"write stall {DATA_PATH} --hex {'ab' * 3000}")
        first_block = peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(first_block, "no first block\n" + self.describe())
        request = coap.decode(first_block)
        block_options = [(number, value) for number, value in request.options if number == BLOCK1]
        self.assertEqual(len(block_options), 1, f"no Block1 option: {coap.describe(request)}")
        peer.send(
            coap.encode(coap.ACK, CONTINUE, request.message_id, request.token, block_options)
        )

        timeout = server.wait_event("timeout", STALL_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(timeout, "no timeout event\n" + self.describe())
        self.assertEqual(timeout["token"], request.token.hex(), f"wrong token: {timeout}")


if __name__ == "__main__":
    unittest.main()
