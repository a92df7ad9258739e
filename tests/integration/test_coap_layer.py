"""The client's CoAP message layer against a raw UDP peer that sends exact bytes.

The peer plays a minimal LwM2M server: it responds to the client's Register and then sends
requests of its own, duplicated or malformed, as RFC 7252 sections 3 and 4 describe.
"""

import signal
import time
import unittest

import coap_message as coap
from harness import DEMO_MANUFACTURER, STEP_TIMEOUT_S, IntegrationTest, RawPeer

# Location-Path the peer returns for Register, so the client registers at /rd/7.
LOCATION = ("rd", "7")

# Tokens of the peer's GET requests: one for the request under test, one for the GET that
# checks the client still serves requests afterwards.
TEST_TOKEN = b"\x7a\x01\x02\x03"
CHECK_TOKEN = b"\x5e\x01"

# Longer than the client's receive buffer, LWM2M_IN_BUFFER_SIZE (1200 bytes by default).
OVERSIZED_LENGTH = 2000


class RawPeerTest(IntegrationTest):
    """Test case with a client registered at a RawPeer, de-registered again at cleanup."""

    def setUp(self):
        super().setUp()
        self.peer = RawPeer()
        self.addCleanup(self.peer.close)

        server_uri = f"coap://127.0.0.1:{self.peer.port}"
        self.client = self.start_client(server_uri, "raw-peer")
        self.addCleanup(self.deregister_client)
        self.accept_register()

    def accept_register(self):
        datagram = self.peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no Register from the client\n" + self.describe())
        register = coap.decode(datagram)
        text = coap.describe(register)
        self.assertEqual(register.type, coap.CON, f"Register is not CON: {text}")
        self.assertEqual(register.code, coap.POST, f"Register is not POST: {text}")
        self.assertEqual(
            coap.option_values(register, coap.URI_PATH), ["rd"], f"Register not to /rd: {text}"
        )

        options = [(coap.LOCATION_PATH, segment) for segment in LOCATION]
        self.peer.send(
            coap.encode(coap.ACK, coap.CREATED, register.message_id, register.token, options)
        )
        location = "/" + "/".join(LOCATION)
        registered = self.client.wait_for_log(rf"\[reg\] registered at {location},", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client did not register\n" + self.describe())

    def deregister_client(self):
        # A response to the De-register lets the client exit at once, not after its timeout.
        if not self.client.is_running():
            return
        self.client.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            datagram = self.peer.receive(deadline - time.monotonic())
            if datagram is None:
                return
            try:
                request = coap.decode(datagram)
            except ValueError:
                continue
            if request.code == coap.DELETE:
                reply = coap.encode(coap.ACK, coap.DELETED, request.message_id, request.token)
                self.peer.send(reply)
                return

    def exchange(self, datagram):
        """Send `datagram` and return the client's reply, failing the test if none comes."""
        self.peer.send(datagram)
        reply = self.peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(reply, f"no reply to {datagram.hex()}\n" + self.describe())
        return reply

    def get_request(self, message_type=coap.CON, path="/3/0/0", token=TEST_TOKEN):
        message_id = self.peer.new_message_id()
        datagram = coap.encode(message_type, coap.GET, message_id, token, coap.path_options(path))
        return message_id, datagram

    def assert_content(self, reply, message_id, token):
        """Check that `reply` is the piggybacked 2.05 response with the manufacturer."""
        message = coap.decode(reply)
        text = coap.describe(message)
        self.assertEqual(message.type, coap.ACK, f"reply is not an ACK: {text}")
        self.assertEqual(message.message_id, message_id, f"reply has another message ID: {text}")
        self.assertEqual(message.token, token, f"reply has another token: {text}")
        self.assertEqual(message.code, coap.CONTENT, f"reply is not 2.05: {text}")
        self.assertEqual(message.payload, DEMO_MANUFACTURER.encode(), f"wrong payload: {text}")


class DuplicateRequestTest(RawPeerTest):
    """RFC 7252, 4.5: a repeated CON gets the same response and is processed once."""

    def test_same_reply_once_handled(self):
        message_id, request = self.get_request()

        first = self.exchange(request)
        second = self.exchange(request)
        self.assertEqual(first.hex(), second.hex(), "replies to the duplicate differ")
        self.assert_content(first, message_id, TEST_TOKEN)

        duplicate = self.client.wait_for_log(
            rf"\[req\] duplicate request {message_id}, response sent again", STEP_TIMEOUT_S
        )
        self.assertIsNotNone(duplicate, "client did not log the duplicate\n" + self.describe())
        handled = self.client.log_lines(rf"\[req\] GET /3/0/0 \(message {message_id}\)")
        self.assertEqual(len(handled), 1, "request not handled exactly once\n" + self.describe())


class MalformedDatagramTest(RawPeerTest):
    """RFC 7252, 3 and 4: malformed datagrams are rejected or dropped, and the client goes on."""

    def assert_reset(self, reply, message_id):
        # 0x70 is version 1, type RST and token length 0.
        expected = bytes([0x70, coap.EMPTY]) + message_id.to_bytes(2, "big")
        self.assertEqual(reply.hex(), expected.hex(), f"not an RST for message {message_id}")

    def assert_no_reply_and_serving(self, sent):
        """Send a valid GET. Its reply must come first, so the datagram `sent` had none."""
        message_id, request = self.get_request(token=CHECK_TOKEN)
        self.peer.send(request)
        reply = self.peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(reply, f"no reply to the GET after {sent}\n" + self.describe())

        message = coap.decode(reply)
        self.assertEqual(
            message.message_id, message_id, f"reply to {sent}: {coap.describe(message)}"
        )
        self.assert_content(reply, message_id, CHECK_TOKEN)
        self.assertTrue(self.client.is_running(), f"client exited after {sent}\n" + self.describe())

    def test_token_length_9_con(self):
        message_id = self.peer.new_message_id()
        request = coap.encode(coap.CON, coap.GET, message_id, bytes(9), coap.path_options("/3/0/0"))

        self.assert_reset(self.exchange(request), message_id)
        self.assert_no_reply_and_serving("a CON with token length 9")

    def test_token_length_9_non(self):
        message_id = self.peer.new_message_id()
        request = coap.encode(coap.NON, coap.GET, message_id, bytes(9), coap.path_options("/3/0/0"))

        self.peer.send(request)
        self.assert_no_reply_and_serving("a NON with token length 9")

    def test_two_byte_datagram(self):
        self.peer.send(bytes([0x40, coap.GET]))
        self.assert_no_reply_and_serving("a 2-byte datagram")

    def test_version_2(self):
        message_id = self.peer.new_message_id()
        request = coap.encode(
            coap.CON, coap.GET, message_id, b"\x01", coap.path_options("/3/0/0"), version=2
        )

        self.peer.send(request)
        self.assert_no_reply_and_serving("a version 2 message")

    def test_unknown_critical_option(self):
        message_id = self.peer.new_message_id()
        token = b"\x0c\x09"
        options = coap.path_options("/3/0/0") + [(9, b"\x01")]  # 9 is odd, so critical
        reply = self.exchange(coap.encode(coap.CON, coap.GET, message_id, token, options))

        message = coap.decode(reply)
        text = coap.describe(message)
        self.assertEqual(message.type, coap.ACK, f"reply is not an ACK: {text}")
        self.assertEqual(message.message_id, message_id, f"reply has another message ID: {text}")
        self.assertEqual(message.token, token, f"reply has another token: {text}")
        self.assertEqual(message.code, coap.BAD_OPTION, f"reply is not 4.02: {text}")
        self.assert_no_reply_and_serving("a request with critical option 9")

    def test_empty_con(self):
        message_id = self.peer.new_message_id()

        self.assert_reset(self.exchange(coap.encode(coap.CON, coap.EMPTY, message_id)), message_id)
        self.assert_no_reply_and_serving("a CoAP ping")

    def test_marker_without_payload(self):
        message_id, request = self.get_request()

        reply = self.exchange(request + bytes([coap.PAYLOAD_MARKER]))
        self.assert_reset(reply, message_id)
        self.assert_no_reply_and_serving("a payload marker without payload")

    def test_oversized_datagram(self):
        message_id, request = self.get_request()
        padding = b"x" * (OVERSIZED_LENGTH - len(request) - 1)
        oversized = request + bytes([coap.PAYLOAD_MARKER]) + padding
        self.assertEqual(len(oversized), OVERSIZED_LENGTH, "test built a datagram of wrong size")

        self.peer.send(oversized)
        self.assert_no_reply_and_serving(f"a {OVERSIZED_LENGTH}-byte datagram")
        dropped = self.client.wait_for_log(
            r"\[coap\] dropped a datagram longer than the \d+-byte receive buffer", STEP_TIMEOUT_S
        )
        self.assertIsNotNone(dropped, "client did not log the dropped datagram\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
