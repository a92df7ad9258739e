"""Register, Update and De-register between the demo client and the test server."""

import signal
import time
import unittest

import coap_message as coap
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer

# Objects the demo client registers (Server, Device, Connectivity Monitoring, an app
# data container and a temperature sensor), with the version of objects that are not
# 1.0. The Security object (/0) is never listed, because only the LwM2M
# Bootstrap-Server may access it.
EXPECTED_LINKS = (
    "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>,</4>;ver=1.1,</4/0>,</19/0>,"
    "</3303>;ver=1.1,</3303/0>"
)

# With a lifetime this short the client sends an Update every lifetime / 2 seconds.
SHORT_LIFETIME_S = 4


class RegisterTest(IntegrationTest):
    """The Register request: its query parameters, its links and the Update that follows."""

    def test_default_query(self):
        _, _, register = self.start_pair("reg-default", ["--lifetime", "120"])
        query = register["query"]

        self.assertEqual(query.get("ep"), "reg-default", f"wrong ep in {register}")
        self.assertEqual(query.get("lt"), "120", f"wrong lt in {register}")
        self.assertEqual(query.get("lwm2m"), "1.1", f"wrong lwm2m in {register}")
        self.assertEqual(query.get("b"), "U", f"wrong b in {register}")
        self.assertNotIn("Q", query, f"Q sent without --queue-mode: {register}")
        self.assertFalse(register["queue_mode"], f"server sees Queue Mode: {register}")

    def test_links(self):
        _, _, register = self.start_pair("reg-links")

        self.assertEqual(register["links"], EXPECTED_LINKS, f"wrong links in {register}")
        security = [target for target in register["objects"] if target.startswith("/0")]
        self.assertEqual(security, [], f"Security object listed in {register}")

    def test_queue_mode_adds_q(self):
        _, _, register = self.start_pair("reg-queue", ["--queue-mode"])
        query = register["query"]

        self.assertIn("Q", query, f"no Q parameter with --queue-mode: {register}")
        self.assertEqual(query["Q"], "", f"Q parameter has a value: {register}")
        self.assertEqual(query.get("b"), "U", f"LwM2M 1.1 binding must stay U: {register}")
        self.assertEqual(query.get("lwm2m"), "1.1", f"wrong lwm2m in {register}")
        self.assertTrue(register["queue_mode"], f"server does not see Queue Mode: {register}")

    def test_version_1_0_queue_binding(self):
        arguments = ["--lwm2m-version", "1.0", "--queue-mode", "--lifetime", str(SHORT_LIFETIME_S)]
        server, client, register = self.start_pair("reg-v10", arguments)
        query = register["query"]

        self.assertEqual(query.get("lwm2m"), "1.0", f"wrong lwm2m in {register}")
        self.assertEqual(query.get("b"), "UQ", f"LwM2M 1.0 Queue Mode needs b=UQ: {register}")
        self.assertNotIn("Q", query, f"Q parameter sent with LwM2M 1.0: {register}")
        self.assertTrue(register["queue_mode"], f"server does not see Queue Mode: {register}")

        # The Update goes to the Location-Path from the Register response.
        update = server.wait_event(
            "update", SHORT_LIFETIME_S + STEP_TIMEOUT_S, after=register.index, endpoint="reg-v10"
        )
        self.assertIsNotNone(update, "no Update after Register\n" + self.describe())
        self.assertEqual(
            update["location"], register["location"], f"Update for another location: {update}"
        )

        accepted = client.wait_for_log(r"\[reg\] Update accepted", STEP_TIMEOUT_S)
        self.assertIsNotNone(accepted, "client did not log the accepted Update\n" + self.describe())


# Far longer than STEP_TIMEOUT_S, so a client that waits for this timeout after a confirmed
# De-register, instead of exiting at once, fails the test.
LONG_DEREGISTER_TIMEOUT = ["--deregister-timeout", "60"]


class DeregisterTest(IntegrationTest):
    """De-register when the client is stopped with SIGTERM or SIGINT."""

    def check_deregister(self, server, client, register, number):
        client.send_signal(number)
        status = client.wait_exit(STEP_TIMEOUT_S)
        self.assertIsNotNone(status, f"client still runs after signal {number}\n" + self.describe())
        self.assertEqual(status, 0, "client exit status after De-register\n" + self.describe())

        deregister = server.wait_event("deregister", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(deregister, "no deregister event\n" + self.describe())
        self.assertEqual(
            deregister["endpoint"], client.endpoint, f"wrong endpoint in {deregister}"
        )
        self.assertEqual(
            deregister["location"], register["location"], f"wrong location in {deregister}"
        )

    def test_sigterm(self):
        server, client, register = self.start_pair("dereg-term", LONG_DEREGISTER_TIMEOUT)
        self.check_deregister(server, client, register, signal.SIGTERM)

    def test_sigint(self):
        server, client, register = self.start_pair("dereg-int", LONG_DEREGISTER_TIMEOUT)
        self.check_deregister(server, client, register, signal.SIGINT)

    def test_sigterm_while_offline(self):
        arguments = ["--queue-mode", "--queue-timeout", "0.2"] + LONG_DEREGISTER_TIMEOUT
        server, client, register = self.start_pair("dereg-offline", arguments)

        offline = client.wait_for_log(r"\[conn\] offline", STEP_TIMEOUT_S)
        self.assertIsNotNone(offline, "client did not go offline\n" + self.describe())
        self.check_deregister(server, client, register, signal.SIGTERM)


class RegisterInFlightTest(IntegrationTest):
    """SIGTERM after the Register was sent and before its response arrived.

    The server may already have created the registration, so the client has to wait for the
    response and De-register, or it leaves a registration behind until its lifetime ends.
    """

    def receive_request(self, peer, code):
        """Return the next request with `code` from the client, skipping other datagrams."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            datagram = peer.receive(deadline - time.monotonic())
            if datagram is None:
                return None
            message = coap.decode(datagram)
            if message.code == code:
                return message
        return None

    def test_sigterm_before_response(self):
        peer = RawPeer()
        self.addCleanup(peer.close)
        client = self.start_client(
            f"coap://127.0.0.1:{peer.port}", "in-flight", LONG_DEREGISTER_TIMEOUT
        )

        register = self.receive_request(peer, coap.POST)
        self.assertIsNotNone(register, "no Register from the client\n" + self.describe())
        client.send_signal(signal.SIGTERM)
        signalled = client.wait_for_log(r"received signal 15", STEP_TIMEOUT_S)
        self.assertIsNotNone(signalled, "client did not handle SIGTERM\n" + self.describe())

        location = [(coap.LOCATION_PATH, "rd"), (coap.LOCATION_PATH, "7")]
        peer.send(
            coap.encode(coap.ACK, coap.CREATED, register.message_id, register.token, location)
        )
        deregister = self.receive_request(peer, coap.DELETE)
        self.assertIsNotNone(
            deregister, "no De-register after the late Register response\n" + self.describe()
        )
        self.assertEqual(
            coap.option_values(deregister, coap.URI_PATH), ["rd", "7"], "De-register of wrong path"
        )

        peer.send(coap.encode(coap.ACK, coap.DELETED, deregister.message_id, deregister.token))
        status = client.wait_exit(STEP_TIMEOUT_S)
        self.assertEqual(status, 0, "client exit status after De-register\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
