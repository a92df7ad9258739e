"""Queue Mode sleeps over DTLS: session resumption, Connection ID and NAT rebinding.

The demo client talks to lwm2m-dtls-frontend (mbedTLS 3.6), which terminates DTLS with
RFC 9146 Connection IDs and forwards the plaintext to the test server, one backend socket
per DTLS session. The front end prints a dtls_handshake event per handshake (resumed true
for an abbreviated one) and peer_address_changed when a CID record arrives from a new
address. The NAT tests run the client in the client ns and the server and the front end
in the server ns of netns.NatTopology, and skip where namespaces cannot be created.
"""

import unittest

import netns
from harness import STEP_TIMEOUT_S, IntegrationTest
from test_dtls_frontend import IDENTITY, KEY_HEX, FrontendProcess

CREDENTIALS = ["--psk-identity", IDENTITY, "--psk-key", KEY_HEX]

# An Update every 3 s, offline 0.5 s after each exchange.
LIFETIME_S = 6
QUEUE_ARGS = ["--queue-mode", "--queue-timeout", "0.5", "--lifetime", str(LIFETIME_S)]
CYCLE_TIMEOUT_S = LIFETIME_S + STEP_TIMEOUT_S
WAKE_UPS = 3

OFFLINE_PATTERN = r"\[conn\] offline \(Queue Mode\), socket closed, last local port (\d+)"

EXTERNAL_PORT = 40000
REBOUND_PORT = 40001


class FrontendTestCase(IntegrationTest):
    """Starts the test server, the DTLS front end before it and clients of the front end."""

    def setUp(self):
        super().setUp()
        self.frontends = []

    def start_frontend(self, server, **options):
        frontend = FrontendProcess(server.port, **options)
        self.frontends.append(frontend)
        self.addCleanup(frontend.stop)
        return frontend

    def describe(self):
        return "\n".join([super().describe()] + [f.describe() for f in self.frontends])

    def wait_registered(self, server, client):
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=client.endpoint)
        self.assertIsNotNone(register, "no Register\n" + self.describe())
        registered = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client logged no registration\n" + self.describe())
        return register

    def wait_updates(self, server, client, register, count):
        """Wait for `count` Updates after the Register and return them."""
        updates = []
        after = register.index
        for wake_up in range(1, count + 1):
            update = server.wait_event(
                "update", CYCLE_TIMEOUT_S, after=after, endpoint=client.endpoint
            )
            self.assertIsNotNone(update, f"no Update for wake-up {wake_up}\n" + self.describe())
            self.assertEqual(update["location"], register["location"], f"Update: {update}")
            updates.append(update)
            after = update.index
        return updates

    @staticmethod
    def handshakes(frontend, resumed):
        return [e for e in frontend.events("dtls_handshake") if e["resumed"] == resumed]


class FrontendQueueModeTest(FrontendTestCase):
    """Wake-ups on loopback: with a Connection ID no handshake, without one a resumption."""

    def test_connection_id_continues_without_handshake(self):
        server = self.start_server()
        frontend = self.start_frontend(server)
        client = self.start_client(
            f"coaps://127.0.0.1:{frontend.port}", "cid-1", [*CREDENTIALS, *QUEUE_ARGS]
        )
        register = self.wait_registered(server, client)
        self.assertIsNotNone(
            client.wait_for_log(r"DTLS full handshake done .* with a Connection ID", STEP_TIMEOUT_S),
            "no Connection ID negotiated\n" + self.describe(),
        )
        for update in self.wait_updates(server, client, register, WAKE_UPS):
            # The same DTLS session uses the same backend socket, so the registration stays.
            self.assertFalse(update["moved"], f"server saw the client move: {update}")
        self.assertIsNotNone(frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S))
        self.assertEqual(len(frontend.events("dtls_handshake")), 1, self.describe())
        self.assertNotEqual(frontend.events("dtls_handshake")[0]["cid"], "")
        self.assertEqual(len(server.events("register")), 1, self.describe())

    def test_resumption_without_connection_id(self):
        server = self.start_server()
        frontend = self.start_frontend(server)
        client = self.start_client(
            f"coaps://127.0.0.1:{frontend.port}",
            "resume-1",
            [*CREDENTIALS, *QUEUE_ARGS, "--no-connection-id"],
        )
        register = self.wait_registered(server, client)
        updates = self.wait_updates(server, client, register, WAKE_UPS)
        # The front end's events come through another pipe than the server's.
        frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S, count=WAKE_UPS + 1)
        self.assertEqual(len(self.handshakes(frontend, False)), 1, self.describe())
        self.assertGreaterEqual(len(self.handshakes(frontend, True)), WAKE_UPS, self.describe())
        self.assertEqual(len(server.events("register")), 1, self.describe())
        # Each wake-up is a new DTLS connection from the client's same local port. The
        # front end gives each connection its own backend socket, so the server moves the
        # registration to it and accepts the Update.
        peers = {event["peer"] for event in frontend.events("dtls_handshake")}
        self.assertEqual(len(peers), 1, f"handshakes from several ports: {peers}")
        self.assertTrue(all(update["moved"] for update in updates), self.describe())
        after = -1
        for wake_up in range(1, WAKE_UPS + 1):
            line = client.wait_for_log(r"DTLS abbreviated handshake done", STEP_TIMEOUT_S, after)
            self.assertIsNotNone(line, f"no resumption logged for {wake_up}\n" + self.describe())
            after = line.index


class NatDtlsTestCase(FrontendTestCase):
    """The client behind the NAT; the server and the front end in the server ns."""

    def setUp(self):
        super().setUp()
        reason = netns.missing_requirements()
        if reason is not None:
            self.skipTest(reason)
        self.nat = netns.NatTopology(EXTERNAL_PORT)
        self.nat.create()
        self.addCleanup(self.nat.destroy)

    def describe(self):
        return super().describe() + "\n" + self.nat.describe()

    def start_through_nat(self, endpoint, client_args):
        server_prefix = netns.in_namespace(self.nat.server_ns, [])
        server = self.start_server(listen=("127.0.0.1",), prefix=server_prefix)
        frontend = self.start_frontend(
            server, listen=netns.SERVER_ADDRESS, prefix=server_prefix
        )
        client = self.start_client(
            f"coaps://{netns.SERVER_ADDRESS}:{frontend.port}",
            endpoint,
            [*CREDENTIALS, *client_args],
            prefix=netns.in_namespace(self.nat.client_ns, []),
        )
        register = self.wait_registered(server, client)
        handshake = frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S)
        self.assertIsNotNone(handshake, "no handshake event\n" + self.describe())
        self.assertEqual(handshake["peer"], f"{netns.NAT_EXTERNAL_ADDRESS}:{EXTERNAL_PORT}")
        return server, frontend, client, register

    def rebind_while_asleep(self, client):
        """Wait until the client sleeps, then give it a new external port."""
        asleep = client.wait_for_log(OFFLINE_PATTERN, CYCLE_TIMEOUT_S)
        self.assertIsNotNone(asleep, "client did not go offline\n" + self.describe())
        self.nat.rebind(REBOUND_PORT)
        return asleep


class NatDtlsTest(NatDtlsTestCase):
    """A NAT rebinding during a Queue Mode sleep, over DTLS."""

    def test_connection_id_survives_rebinding(self):
        server, frontend, client, register = self.start_through_nat("nat-cid", QUEUE_ARGS)
        self.rebind_while_asleep(client)
        moved = frontend.wait_event("peer_address_changed", CYCLE_TIMEOUT_S)
        self.assertIsNotNone(moved, "front end saw no address change\n" + self.describe())
        self.assertEqual(moved["new"], f"{netns.NAT_EXTERNAL_ADDRESS}:{REBOUND_PORT}")
        for update in self.wait_updates(server, client, register, 2):
            self.assertFalse(update["moved"], f"server saw the client move: {update}")
        read = server.run_command("read nat-cid /3/0/0", CYCLE_TIMEOUT_S)
        self.assertIsNotNone(read, "no response to a Read\n" + self.describe())
        self.assertEqual(read.get("code"), "2.05", f"Read: {read}")
        # The session and the registration continue with no new handshake at all.
        self.assertEqual(len(frontend.events("dtls_handshake")), 1, self.describe())
        self.assertEqual(len(server.events("register")), 1, self.describe())

    def test_resumption_after_rebinding(self):
        server, frontend, client, register = self.start_through_nat(
            "nat-resume", [*QUEUE_ARGS, "--no-connection-id"]
        )
        self.rebind_while_asleep(client)
        self.wait_updates(server, client, register, 2)
        # One full handshake, then a resumption before each Update.
        frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S, count=3)
        resumed = self.handshakes(frontend, True)
        self.assertGreaterEqual(len(resumed), 1, self.describe())
        self.assertEqual(resumed[-1]["peer"], f"{netns.NAT_EXTERNAL_ADDRESS}:{REBOUND_PORT}")
        self.assertEqual(len(self.handshakes(frontend, False)), 1, self.describe())
        self.assertEqual(len(server.events("register")), 1, self.describe())

    def test_continued_connection_recovers_with_handshake_and_register(self):
        # Without a Connection ID and without resumption at wake-up, the front end drops
        # the records from the new port: the Update times out, and the client starts a
        # new handshake and registers again.
        server, frontend, client, register = self.start_through_nat(
            "nat-renew",
            [
                *QUEUE_ARGS,
                "--no-connection-id",
                "--continue-after-sleep",
                "--ack-timeout-ms",
                "300",
                "--max-retransmit",
                "1",
            ],
        )
        self.rebind_while_asleep(client)
        timed_out = client.wait_for_log(r"\[reg\] Update .*timed out", 2 * CYCLE_TIMEOUT_S)
        self.assertIsNotNone(timed_out, "no Update timeout\n" + self.describe())
        second = server.wait_event(
            "register", CYCLE_TIMEOUT_S, after=register.index, endpoint="nat-renew"
        )
        self.assertIsNotNone(second, "no new Register\n" + self.describe())
        # The front end's events come through another pipe than the server's.
        frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S, count=2)
        handshakes = frontend.events("dtls_handshake")
        self.assertEqual(len(handshakes), 2, self.describe())
        self.assertEqual(handshakes[-1]["peer"], f"{netns.NAT_EXTERNAL_ADDRESS}:{REBOUND_PORT}")


if __name__ == "__main__":
    unittest.main()
