"""The test server's coaps:// endpoints (--dtls-port), checked with Debian's libcoap and
OpenSSL clients instead of the client library.

coap-client-openssl (package libcoap3-bin) registers with a PSK or a certificate, and
`openssl s_client -dtls1_2` saves a session and resumes it. The server reports every
handshake as a dtls_handshake event and every failed one as dtls_failed, and the tests check
those events and whether a Register arrived. Each test class creates its certificates with
make_test_pki.sh in a temporary directory.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from harness import STEP_TIMEOUT_S, IntegrationTest

COAP_CLIENT = "/usr/bin/coap-client-openssl"
OPENSSL = "/usr/bin/openssl"
MAKE_TEST_PKI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_test_pki.sh")

# Time make_test_pki.sh may take, and a client run: the client gives up after
# CLIENT_WAIT_S (coap-client -B), and the process gets CLIENT_TIMEOUT_S to exit.
PKI_TIMEOUT_S = 60
CLIENT_WAIT_S = 3
CLIENT_TIMEOUT_S = 15

IDENTITY = "node-psk"
# coap-client-openssl 4.3.1 takes the key as text (-k), the server as hex (--psk).
KEY_TEXT = "secret-key-1"
KEY_HEX = KEY_TEXT.encode().hex()
ENDPOINT = "node-1"

# With one retransmission, libcoap gives up a stalled handshake after OpenSSL's DTLS
# timer fired twice (1 s, then 2 s), so a handshake with a wrong key fails within about 3 s.
FAST_HANDSHAKE_ARGS = ["--max-retransmit", "1"]
FAILURE_TIMEOUT_S = 10.0


def make_pki(directory, *endpoints):
    """Create a CA, a server certificate and client certificates in `directory`."""
    subprocess.run(
        ["/bin/sh", MAKE_TEST_PKI, directory, *endpoints],
        check=True,
        capture_output=True,
        timeout=PKI_TIMEOUT_S,
    )


def register_uri(port, endpoint):
    return f"coaps://127.0.0.1:{port}/rd?ep={endpoint}&lt=60&lwm2m=1.1"


def run_program(arguments):
    """Run a client to its end and return its combined output. It must exit in time."""
    completed = subprocess.run(
        arguments,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=CLIENT_TIMEOUT_S,
    )
    return completed.stdout.decode("utf-8", "replace")


def coap_post(uri, credentials, payload="</1/0>,</3/0>"):
    """POST `payload` to `uri` with coap-client-openssl and return its output.

    coap-client exits with 0 also when the handshake fails, so callers check server events.
    """
    arguments = [COAP_CLIENT, "-B", str(CLIENT_WAIT_S), "-m", "post", "-e", payload]
    return run_program(arguments + list(credentials) + [uri])


@unittest.skipUnless(
    os.access(COAP_CLIENT, os.X_OK),
    f"{COAP_CLIENT} not found: install Debian's libcoap3-bin (tools/setup-debian)",
)
class DtlsTestCase(IntegrationTest):
    """Base class: a test PKI for the class and a server with PSK and certificate credentials."""

    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.mkdtemp(prefix="lwm2m-pki-")
        cls.rogue_pki = os.path.join(cls.pki, "rogue")
        make_pki(cls.pki, ENDPOINT)
        make_pki(cls.rogue_pki, ENDPOINT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki)

    def path(self, name, rogue=False):
        return os.path.join(self.rogue_pki if rogue else self.pki, name)

    def start_dtls_server(self, extra_args=()):
        arguments = [
            "--dtls-port", "0",
            "--psk", f"{IDENTITY}:{KEY_HEX}",
            "--certificate", self.path("server.pem"),
            "--private-key", self.path("server.key.pem"),
            "--ca", self.path("ca.pem"),
            *FAST_HANDSHAKE_ARGS,
            *extra_args,
        ]  # fmt: skip
        server = self.start_server(extra_args=arguments)
        self.assertIn("dtls_port", server.listening, server.describe())
        self.assertNotEqual(server.listening["dtls_port"], server.port)
        return server

    def client_certificate_args(self, rogue=False):
        """coap-client options for the client certificate of ENDPOINT, trusting the test CA."""
        return [
            "-c", self.path(f"client-{ENDPOINT}.pem", rogue),
            "-j", self.path(f"client-{ENDPOINT}.key.pem", rogue),
            "-C", self.path("ca.pem"),
        ]  # fmt: skip

    def wait_handshake(self, server, after=-1):
        handshake = server.wait_event("dtls_handshake", STEP_TIMEOUT_S, after)
        self.assertIsNotNone(handshake, "no dtls_handshake event\n" + server.describe())
        return handshake

    def wait_failure(self, server, after=-1):
        failure = server.wait_event("dtls_failed", FAILURE_TIMEOUT_S, after)
        self.assertIsNotNone(
            failure, f"no dtls_failed event within {FAILURE_TIMEOUT_S} s\n" + server.describe()
        )
        return failure

    def assert_registered(self, server, endpoint):
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(register, f"no register event from {endpoint}\n" + server.describe())
        return register


class PskTest(DtlsTestCase):
    def test_register_with_psk(self):
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        output = coap_post(register_uri(port, "psk-node"), ["-u", IDENTITY, "-k", KEY_TEXT])

        handshake = self.wait_handshake(server)
        self.assertEqual(handshake["mode"], "psk", handshake)
        self.assertEqual(handshake["identity"], IDENTITY, handshake)
        self.assertIs(handshake["resumed"], False, handshake)
        self.assertEqual(handshake["peer"], "127.0.0.1", handshake)
        self.assertEqual(handshake["local_port"], port, handshake)

        register = self.assert_registered(server, "psk-node")
        self.assertEqual(register["port"], handshake["port"], register)
        self.assertEqual(register["objects"], ["/1/0", "/3/0"], register)
        self.assertGreater(register.index, handshake.index)
        self.assertEqual(len(server.events("dtls_handshake")), 1, output)
        self.assertEqual(server.events("dtls_failed"), [], server.describe())

    def test_wrong_key_rejected(self):
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        coap_post(register_uri(port, "wrong-key"), ["-u", IDENTITY, "-k", "not-the-key"])

        # The server's DTLS layer silently drops the client's Finished record, whose MAC
        # fails with the server's key, so the handshake ends by timeout and not by an alert.
        failure = self.wait_failure(server)
        self.assertEqual(failure["identity"], IDENTITY, failure)
        self.assertEqual(failure["reason"], "handshake did not complete", failure)
        self.assertEqual(failure["peer"], "127.0.0.1", failure)
        self.assertEqual(server.events("dtls_handshake"), [], server.describe())
        self.assertEqual(server.events("register"), [], server.describe())

    def test_unknown_identity_rejected(self):
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        coap_post(register_uri(port, "stranger"), ["-u", "stranger", "-k", KEY_TEXT])

        failure = self.wait_failure(server)
        self.assertEqual(failure["identity"], "stranger", failure)
        self.assertEqual(failure["reason"], "unknown PSK identity", failure)
        self.assertEqual(server.events("dtls_handshake"), [], server.describe())
        self.assertEqual(server.events("register"), [], server.describe())

    def test_each_identity_has_own_key(self):
        second_key = "second-key"
        server = self.start_dtls_server(["--psk", f"node-2:{second_key.encode().hex()}"])
        port = server.listening["dtls_port"]

        coap_post(register_uri(port, "node-2"), ["-u", "node-2", "-k", second_key])
        self.assert_registered(server, "node-2")
        coap_post(register_uri(port, "swapped"), ["-u", "node-2", "-k", KEY_TEXT])
        failure = self.wait_failure(server)
        self.assertEqual(failure["identity"], "node-2", failure)
        self.assertEqual(server.events("register", endpoint="swapped"), [])

    def test_plain_port_still_serves(self):
        server = self.start_dtls_server()
        run_program(
            [COAP_CLIENT, "-B", str(CLIENT_WAIT_S), "-m", "post",
             f"coap://127.0.0.1:{server.port}/rd?ep=plain&lt=60&lwm2m=1.1"]
        )  # fmt: skip
        self.assert_registered(server, "plain")
        self.assertEqual(server.events("dtls_handshake"), [], server.describe())


class CertificateTest(DtlsTestCase):
    def test_register_with_certificate(self):
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        coap_post(register_uri(port, ENDPOINT), self.client_certificate_args())

        handshake = self.wait_handshake(server)
        self.assertEqual(handshake["mode"], "certificate", handshake)
        self.assertEqual(handshake["identity"], ENDPOINT, handshake)
        self.assertIs(handshake["resumed"], False, handshake)
        self.assert_registered(server, ENDPOINT)

    def test_server_certificate_checked_by_client(self):
        # -R makes coap-client verify the server certificate against the given CA.
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        certificate = self.client_certificate_args()[:4]
        coap_post(register_uri(port, "checked"), certificate + ["-R", self.path("ca.pem")])
        self.assert_registered(server, "checked")

        rogue_ca = ["-R", self.path("ca.pem", rogue=True)]
        coap_post(register_uri(port, "distrusting"), certificate + rogue_ca)
        self.wait_failure(server)
        self.assertEqual(server.events("register", endpoint="distrusting"), [])

    def test_untrusted_certificate_rejected(self):
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        coap_post(register_uri(port, "rogue"), self.client_certificate_args(rogue=True))

        failure = self.wait_failure(server)
        self.assertIsNone(failure["identity"], failure)
        self.assertIn("client certificate rejected", failure["reason"], failure)
        self.assertEqual(server.events("dtls_handshake"), [], server.describe())
        self.assertEqual(server.events("register"), [], server.describe())

    def test_missing_client_certificate_rejected(self):
        server = self.start_dtls_server()
        port = server.listening["dtls_port"]
        coap_post(register_uri(port, "anonymous"), ["-C", self.path("ca.pem")])

        self.wait_failure(server)
        self.assertEqual(server.events("dtls_handshake"), [], server.describe())
        self.assertEqual(server.events("register"), [], server.describe())


@unittest.skipUnless(os.access(OPENSSL, os.X_OK), f"{OPENSSL} not found: install openssl")
class ResumptionTest(DtlsTestCase):
    """`openssl s_client` saves the session of a full handshake and offers it again."""

    def handshake_twice(self, server, credentials, ticket):
        """Connect, then resume, and return the two dtls_handshake events."""
        port = server.listening["dtls_port"]
        session_file = os.path.join(tempfile.mkdtemp(prefix="lwm2m-session-"), "session.pem")
        self.addCleanup(shutil.rmtree, os.path.dirname(session_file))
        base = [OPENSSL, "s_client", "-dtls1_2", "-connect", f"127.0.0.1:{port}", *credentials]
        if not ticket:
            base.append("-no_ticket")

        first_output = run_program(base + ["-sess_out", session_file])
        first = self.wait_handshake(server)
        second_output = run_program(base + ["-sess_in", session_file])
        self.assertIn("Reused,", second_output, first_output + second_output)
        second = self.wait_handshake(server, after=first.index)
        return first, second

    def check_resumption(self, credentials, ticket):
        server = self.start_dtls_server()
        first, second = self.handshake_twice(server, credentials, ticket)
        self.assertIs(first["resumed"], False, first)
        self.assertIs(second["resumed"], True, second)
        self.assertEqual(second["identity"], first["identity"], second)
        self.assertEqual(server.events("dtls_failed"), [], server.describe())
        return second

    def psk_args(self):
        return ["-psk_identity", IDENTITY, "-psk", KEY_HEX]

    def certificate_args(self):
        return [
            "-cert", self.path(f"client-{ENDPOINT}.pem"),
            "-key", self.path(f"client-{ENDPOINT}.key.pem"),
            "-CAfile", self.path("ca.pem"),
        ]  # fmt: skip

    def test_psk_session_ticket(self):
        second = self.check_resumption(self.psk_args(), ticket=True)
        self.assertEqual(second["identity"], IDENTITY)

    def test_psk_session_id(self):
        self.check_resumption(self.psk_args(), ticket=False)

    def test_certificate_session_ticket(self):
        second = self.check_resumption(self.certificate_args(), ticket=True)
        self.assertEqual(second["identity"], ENDPOINT)

    def test_certificate_session_id(self):
        self.check_resumption(self.certificate_args(), ticket=False)

    def test_certificate_resumption_quiet_log(self):
        # libcoap 4.3.1 dropped resumed certificate handshakes unless it logged DTLS at warn
        # or above, because of a stale OpenSSL error. The server clears it.
        server = self.start_dtls_server(["--log-level", "err"])
        first, second = self.handshake_twice(server, self.certificate_args(), ticket=False)
        self.assertIs(second["resumed"], True, second)


class BootstrapDtlsTest(DtlsTestCase):
    def test_bootstrap_request_over_dtls(self):
        server = self.start_dtls_server(
            ["--bootstrap", "--bootstrap-port", "0", "--bootstrap-dtls-port", "0"]
        )
        ports = server.listening
        self.assertIn("bootstrap_dtls_port", ports, ports)
        self.assertEqual(
            len({ports["port"], ports["bootstrap_port"], ports["dtls_port"],
                 ports["bootstrap_dtls_port"]}),
            4,
            ports,
        )  # fmt: skip
        credentials = ["-u", IDENTITY, "-k", KEY_TEXT]

        bootstrap_uri = f"coaps://127.0.0.1:{ports['bootstrap_dtls_port']}/bs?ep=bs-node"
        coap_post(bootstrap_uri, credentials, payload="")
        request = server.wait_event("bootstrap_request", STEP_TIMEOUT_S, endpoint="bs-node")
        self.assertIsNotNone(request, server.describe())
        self.assertEqual(request["code"], "2.04", request)

        # The DTLS port of --dtls-port serves Register, and the Bootstrap one does not.
        coap_post(register_uri(ports["bootstrap_dtls_port"], "wrong-port"), credentials)
        coap_post(register_uri(ports["dtls_port"], "bs-node"), credentials)
        self.assert_registered(server, "bs-node")
        self.assertEqual(server.events("register", endpoint="wrong-port"), [])
        self.assertEqual(len(server.events("dtls_handshake")), 3, server.describe())


if __name__ == "__main__":
    unittest.main()
