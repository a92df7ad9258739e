"""The demo client over DTLS (coaps://) against the test server's libcoap OpenSSL DTLS.

The server prints a dtls_handshake event for each handshake it completes, with resumed
true for an abbreviated one, so the tests count full handshakes from the server's side.
"""

import os
import select
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import STEP_TIMEOUT_S, IntegrationTest

PSK_IDENTITY = "node-1"
PSK_KEY = "000102030405060708090a0b0c0d0e0f"

# Queue Mode as in test_queue_mode: an Update every 3 s, offline 0.5 s after each exchange.
LIFETIME_S = 6
QUEUE_ARGS = ["--queue-mode", "--queue-timeout", "0.5", "--lifetime", str(LIFETIME_S)]
CYCLE_TIMEOUT_S = LIFETIME_S + STEP_TIMEOUT_S
WAKE_UPS = 3

PKI_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_test_pki.sh")


def cpu_seconds(pid):
    """Return the user and system CPU time of process `pid` in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LossyRelay:
    """A UDP relay on 127.0.0.1 between one client and `server_port` that drops the first
    `drop_from_server` datagrams of the server, and counts the client's ClientHellos.
    It runs in a thread until stop(), at most `lifetime_s`."""

    def __init__(self, server_port, drop_from_server, lifetime_s=60):
        self.server = ("127.0.0.1", server_port)
        self.drop_from_server = drop_from_server
        self.client_hellos = 0
        self.dropped = 0
        self.deadline = time.monotonic() + lifetime_s
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.upstream.connect(self.server)
        self.client = None
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set() and time.monotonic() < self.deadline:
            readable, _, _ = select.select([self.listener, self.upstream], [], [], 0.1)
            for sock in readable:
                if sock is self.listener:
                    data, self.client = self.listener.recvfrom(65535)
                    # DTLS handshake record (22) carrying a ClientHello (1).
                    if len(data) > 13 and data[0] == 22 and data[13] == 1:
                        self.client_hellos += 1
                    self.upstream.send(data)
                else:
                    data = self.upstream.recv(65535)
                    if self.dropped < self.drop_from_server:
                        self.dropped += 1
                    elif self.client is not None:
                        self.listener.sendto(data, self.client)

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        self.listener.close()
        self.upstream.close()


class DtlsTestCase(IntegrationTest):
    """Starts a test server with a DTLS endpoint and clients that reach it over coaps://."""

    def start_dtls_server(self, extra_args=()):
        server = self.start_server(
            extra_args=["--dtls-port", "0", "--psk", f"{PSK_IDENTITY}:{PSK_KEY}", *extra_args]
        )
        self.assertIn("dtls_port", server.listening, "no DTLS port in " + str(server.listening))
        return server

    def start_dtls_client(self, server, endpoint, extra_args=(), credentials=None):
        if credentials is None:
            credentials = ["--psk-identity", PSK_IDENTITY, "--psk-key", PSK_KEY]
        uri = f"coaps://127.0.0.1:{server.listening['dtls_port']}"
        return self.start_client(uri, endpoint, [*credentials, *extra_args])

    def wait_registered(self, server, client, endpoint):
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(register, f"no Register from {endpoint}\n" + self.describe())
        registered = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client did not log its registration\n" + self.describe())
        return register

    def handshakes(self, server, resumed):
        return [event for event in server.events("dtls_handshake") if event["resumed"] == resumed]

    def request(self, server, line, code):
        response = server.run_command(line)
        self.assertIsNotNone(response, f"no response to '{line}'\n" + self.describe())
        self.assertEqual(response.get("code"), code, f"'{line}' returned {response}")
        return response


class DtlsPskTest(DtlsTestCase):
    """Register, Read and Observe over DTLS with a pre-shared key."""

    def test_register_read_observe(self):
        server = self.start_dtls_server()
        # A new Sensor Value every 0.5 s after the Observe, so a notification is due at once.
        client = self.start_dtls_client(
            server,
            "psk-1",
            ["--temperature-sequence", "20,21,22,23,24,25", "--temperature-period-ms", "500"],
        )
        register = self.wait_registered(server, client, "psk-1")
        self.assertIsNotNone(
            client.wait_for_log(r"\[dtls\] DTLS full handshake done", STEP_TIMEOUT_S),
            "no handshake line\n" + self.describe(),
        )

        read = self.request(server, "read psk-1 /3/0/0", "2.05")
        self.assertIn("lwm2m-cpp", str(read), f"unexpected Read response {read}")
        self.request(server, "observe psk-1 /3303/0/5700", "2.05")
        notify = server.wait_event("notify", CYCLE_TIMEOUT_S, endpoint="psk-1")
        self.assertIsNotNone(notify, "no notification over DTLS\n" + self.describe())

        self.assertEqual(len(self.handshakes(server, False)), 1, self.describe())
        self.assertEqual(register["port"], server.events("dtls_handshake")[0]["port"])

    def test_plain_uri_is_not_secure(self):
        # The same server's plain endpoint still works next to the DTLS one.
        server = self.start_dtls_server()
        client = self.start_client(f"coap://127.0.0.1:{server.port}", "plain-1")
        self.wait_registered(server, client, "plain-1")
        self.assertEqual(server.events("dtls_handshake"), [])


class DtlsQueueModeTest(DtlsTestCase):
    """Queue Mode wake-ups over DTLS, from the same local port each time.

    NOTE: libcoap 4.3.1 keeps a DTLS session that got close_notify until it times it out.
    Meanwhile it drops the ClientHellos from the same address, so with this server the
    resumption at each wake-up (the client's default without a Connection ID) takes seconds. test_dtls_sleep tests resumption and Connection ID against the
    mbedTLS front end instead; here the client continues the connection after each sleep.
    """

    def wake_up(self, server, client, after):
        update = server.wait_event("update", CYCLE_TIMEOUT_S, after=after, endpoint=client.endpoint)
        self.assertIsNotNone(update, "no Update after a sleep\n" + self.describe())
        return update

    def test_connection_continues_without_handshake(self):
        server = self.start_dtls_server()
        client = self.start_dtls_client(server, "queue-2", [*QUEUE_ARGS, "--continue-after-sleep"])
        register = self.wait_registered(server, client, "queue-2")
        after = register.index
        for _ in range(WAKE_UPS):
            after = self.wake_up(server, client, after).index
        self.assertEqual(len(server.events("dtls_handshake")), 1, self.describe())
        self.assertEqual(len(server.events("register")), 1, self.describe())


class DtlsFailureTest(DtlsTestCase):
    """Handshake failures end in the registration retry procedure, never in plaintext."""

    def test_wrong_key_retries_without_busy_loop(self):
        server = self.start_dtls_server()
        client = self.start_dtls_client(
            server,
            "wrong-1",
            ["--retry-count", "3", "--retry-timer", "1", "--handshake-timeout-max", "1"],
            credentials=["--psk-identity", PSK_IDENTITY, "--psk-key", "ff" * 16],
        )
        failed = client.wait_for_log(
            r"\[dtls\] DTLS handshake failed: .* may reject the pre-shared key", 3 * STEP_TIMEOUT_S
        )
        self.assertIsNotNone(failed, "no handshake failure logged\n" + self.describe())
        retry = client.wait_for_log(r"Register attempt 1 of 3 failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(retry, "no registration retry\n" + self.describe())
        # A client waiting for its next attempt sleeps: well under a tenth of the time on CPU.
        start = cpu_seconds(client.process.pid)
        time.sleep(2)
        self.assertLess(cpu_seconds(client.process.pid) - start, 0.2, "client is busy")
        self.assertEqual(server.events("register"), [], self.describe())

    def test_lost_flights_are_retransmitted(self):
        # The relay drops the server's first two flights (HelloVerifyRequest, then the
        # ServerHello flight): the client's retransmission timer sends its flight again.
        server = self.start_dtls_server()
        relay = LossyRelay(server.listening["dtls_port"], drop_from_server=2)
        self.addCleanup(relay.stop)
        client = self.start_client(
            f"coaps://127.0.0.1:{relay.port}",
            "lossy-1",
            ["--psk-identity", PSK_IDENTITY, "--psk-key", PSK_KEY],
        )
        register = server.wait_event("register", 3 * STEP_TIMEOUT_S, endpoint="lossy-1")
        self.assertIsNotNone(register, "no Register after lost flights\n" + self.describe())
        self.assertGreaterEqual(relay.dropped, 2)
        self.assertGreaterEqual(relay.client_hellos, 3, "no ClientHello retransmitted")
        self.assertEqual(len(self.handshakes(server, False)), 1, self.describe())
        self.assertIsNone(client.wait_for_log(r"DTLS handshake failed", 0), self.describe())

    def test_coaps_without_credentials_never_sends_plaintext(self):
        server = self.start_dtls_server()
        client = self.start_dtls_client(server, "nokey-1", credentials=[])
        self.assertTrue(client.wait_exit(STEP_TIMEOUT_S), "client kept running\n" + self.describe())
        self.assertNotEqual(client.process.returncode, 0)
        self.assertEqual(server.events("register"), [], self.describe())
        self.assertEqual(server.events("dtls_handshake"), [], self.describe())


class DtlsCertificateTest(DtlsTestCase):
    """Certificate mode with each Certificate Usage the client supports."""

    def setUp(self):
        super().setUp()
        self.pki = tempfile.mkdtemp(prefix="lwm2m-pki-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.pki], check=False)
        subprocess.run(
            ["sh", PKI_SCRIPT, self.pki, "cert-1"],
            check=True,
            timeout=60,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def path(self, name):
        return os.path.join(self.pki, name)

    def start_certificate_server(self):
        return self.start_dtls_server(
            [
                "--certificate",
                self.path("server.pem"),
                "--private-key",
                self.path("server.key.pem"),
                "--ca",
                self.path("ca.pem"),
            ]
        )

    def credentials(self, usage, server_certificate, trust_store=None, sni=None):
        arguments = [
            "--certificate",
            self.path("client-cert-1.pem"),
            "--private-key",
            self.path("client-cert-1.key.pem"),
            "--server-certificate",
            self.path(server_certificate),
            "--certificate-usage",
            str(usage),
        ]
        if trust_store is not None:
            arguments += ["--trust-store", self.path(trust_store)]
        if sni is not None:
            arguments += ["--sni", sni]
        return arguments

    def register_with(self, credentials):
        server = self.start_certificate_server()
        client = self.start_dtls_client(server, "cert-1", credentials=credentials)
        self.wait_registered(server, client, "cert-1")
        self.request(server, "read cert-1 /3/0/0", "2.05")

    def test_domain_issued_certificate(self):
        self.register_with(self.credentials(3, "server.der"))

    def test_trust_anchor_assertion(self):
        self.register_with(self.credentials(2, "ca.der", sni="localhost"))

    def test_service_certificate_constraint(self):
        self.register_with(self.credentials(1, "server.der", trust_store="ca.pem", sni="localhost"))

    def test_ca_constraint(self):
        self.register_with(self.credentials(0, "ca.der", trust_store="ca.pem", sni="localhost"))

    def test_wrong_server_certificate_is_rejected(self):
        # The client's own certificate in place of the server's: usage 3 rejects the server.
        server = self.start_certificate_server()
        client = self.start_dtls_client(
            server,
            "cert-1",
            ["--retry-count", "1"],
            credentials=self.credentials(3, "client-cert-1.der"),
        )
        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "untrusted server accepted\n" + self.describe())
        self.assertEqual(server.events("register"), [], self.describe())

    def test_wrong_server_name_is_rejected(self):
        server = self.start_certificate_server()
        client = self.start_dtls_client(
            server,
            "cert-1",
            ["--retry-count", "1"],
            credentials=self.credentials(2, "ca.der", sni="not-the-server.example"),
        )
        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "wrong name accepted\n" + self.describe())
        self.assertEqual(server.events("register"), [], self.describe())


if __name__ == "__main__":
    unittest.main()
