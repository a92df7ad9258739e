"""Hostile and broken DTLS peers against the demo client's DTLS transport (mbedTLS 3.6).

Three kinds of peer, all on loopback:

- a raw UDP socket that poses as the coaps:// server and responds to the ClientHello
  with garbage, malformed handshake messages, alerts, endless HelloVerifyRequests or silence;
- a relay between the client and lwm2m-dtls-frontend (in front of the test server) that
  passes a real connection through and injects, replays, corrupts or drops datagrams, and
  stands for a server restart by switching to a new front end;
- lwm2m-dtls-frontend in front of a raw UDP backend, which sends the client any plaintext
  over a real connection.

Every test also checks what the client must never do: send plaintext on a coaps://
account, spin on the CPU while it waits, or write the pre-shared key to its log.

mbedTLS itself ends a handshake on one malformed plaintext handshake message or alert that anyone
can send. So the tests here only check that the client then retries as configured.
"""

import os
import select
import socket
import threading
import time
import unittest

import coap_message as coap
import dtls_records as dtls
from harness import STEP_TIMEOUT_S, ClientProcess, IntegrationTest, RawPeer
from test_dtls import cpu_seconds
from test_dtls_frontend import IDENTITY, KEY_HEX, FrontendProcess

# The test server's key for the demo client, with a printable value so that the log check
# also finds the key as raw text.
PRINTABLE_KEY = b"Secret-Psk-Key!!"
PSK_ARGS = ["--psk-identity", IDENTITY, "--psk-key", KEY_HEX]

# With --handshake-timeout-max 2 the retransmission timeouts are 1 s and 2 s, so a
# handshake that gets no response fails 3 s after it starts.
HANDSHAKE_ARGS = ["--handshake-timeout-max", "2", "--retry-timer", "1"]
HANDSHAKE_FAILS_AFTER_S = 3.0

# A client that waits (for a datagram, a timer or its next Register attempt) sleeps in
# ppoll(): it spends well under this share of the wall-clock time on the CPU.
IDLE_CPU_SHARE = 0.1

# LWM2M_IN_BUFFER_SIZE of the default build (include/lwm2m/config.hpp).
IN_BUFFER_SIZE = 1200

# LWM2M_SECURITY_IDENTITY_SIZE and LWM2M_SECURITY_KEY_SIZE of the build, which ctest
# passes (empty means the library's default of 32).
MAX_IDENTITY_BYTES = int(os.environ.get("LWM2M_SECURITY_IDENTITY_SIZE") or 32)
MAX_KEY_BYTES = int(os.environ.get("LWM2M_SECURITY_KEY_SIZE") or 32)

# MBEDTLS_PSK_MAX_LEN of mbedTLS 3.6 built with TLS 1.3 (its default configuration).
MBEDTLS_MAX_KEY_BYTES = 48

# lwm2m-server --psk accepts identities of up to 64 bytes.
SERVER_MAX_IDENTITY_BYTES = 64

# A plaintext handshake_failure alert, which anyone on the path can send.
FATAL_ALERT = dtls.record(dtls.ALERT, dtls.alert(dtls.ALERT_FATAL, dtls.HANDSHAKE_FAILURE))

HAVE_FRONTEND = bool(os.environ.get("LWM2M_DTLS_FRONTEND"))


def is_dtls_record(datagram):
    """Return True if `datagram` starts with a DTLS 1.0 or 1.2 record header."""
    if len(datagram) < dtls.RECORD_HEADER_LENGTH:
        return False
    version = int.from_bytes(datagram[1:3], "big")
    return datagram[0] in (20, 21, 22, 23, 25) and version in (dtls.DTLS_1_0, dtls.DTLS_1_2)


def client_hello_random(datagram):
    """Return the 32-byte random of the ClientHello in `datagram`, or None."""
    for found in dtls.parse_records(datagram):
        if found.handshake_type() == dtls.CLIENT_HELLO:
            body = found.fragment[dtls.HANDSHAKE_HEADER_LENGTH :]
            return body[2:34]
    return None


class Relay:
    """A UDP relay on 127.0.0.1 between one client and a DTLS server on `server_port`.

    A thread forwards datagrams both ways and keeps copies. A test can drop the server's
    datagrams, inject datagrams to the client from the relay's address (the server's
    address as the client sees it), and switch to another server port.
    """

    POLL_S = 0.05

    def __init__(self, server_port):
        self.outer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.outer.bind(("127.0.0.1", 0))
        self.port = self.outer.getsockname()[1]
        self.inner = self._connect(server_port)
        self.client_address = None
        self.to_client = []
        self.from_client = []
        # Called with each server datagram before it is forwarded; it returns the
        # datagrams to send to the client in its place.
        self.server_filter = None
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="dtls-relay", daemon=True)
        self._thread.start()

    @staticmethod
    def _connect(server_port):
        inner = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        inner.connect(("127.0.0.1", server_port))
        return inner

    def _run(self):
        while self._running:
            with self._lock:
                sockets = [self.outer, self.inner]
            try:
                readable, _, _ = select.select(sockets, [], [], self.POLL_S)
            except (OSError, ValueError):
                continue  # switch_server() closed the old socket under select()
            for ready in readable:
                try:
                    data, address = ready.recvfrom(65535)
                except OSError:
                    continue  # an ICMP error, or the socket closed by switch_server()
                if ready is self.outer:
                    self._from_client(data, address)
                else:
                    self._from_server(data)

    def _from_client(self, data, address):
        self.client_address = address
        with self._lock:
            self.from_client.append(data)
            inner = self.inner
        try:
            inner.send(data)
        except OSError:
            pass  # no server on that port: the client sees a lost datagram

    def _from_server(self, data):
        with self._lock:
            self.to_client.append(data)
            server_filter = self.server_filter
        forwarded = [data] if server_filter is None else server_filter(data)
        for datagram in forwarded:
            self.inject(datagram)

    def inject(self, datagram):
        """Send `datagram` to the client from the server's address."""
        if self.client_address is not None:
            self.outer.sendto(datagram, self.client_address)

    def switch_server(self, server_port):
        """Forward to `server_port` from now on, from a new socket: a restarted server."""
        new = self._connect(server_port)
        with self._lock:
            old, self.inner = self.inner, new
        # select() in the thread may still hold the old socket for one poll.
        time.sleep(2 * self.POLL_S)
        old.close()

    def datagrams_from_client(self):
        with self._lock:
            return list(self.from_client)

    def datagrams_to_client(self):
        with self._lock:
            return list(self.to_client)

    def close(self):
        self._running = False
        self._thread.join(STEP_TIMEOUT_S)
        self.outer.close()
        self.inner.close()


class RobustnessTestCase(IntegrationTest):
    """Starts peers and clients, and checks the client's CPU use, log and datagrams."""

    def setUp(self):
        super().setUp()
        self.frontends = []
        self.peers = []

    def start_raw_peer(self):
        peer = RawPeer()
        self.peers.append(peer)
        self.addCleanup(peer.close)
        return peer

    def start_frontend(self, backend_port, extra_args=()):
        frontend = FrontendProcess(backend_port, extra_args)
        self.frontends.append(frontend)
        self.addCleanup(self._stop_frontend, frontend)
        return frontend

    @staticmethod
    def _stop_frontend(frontend):
        if frontend.process.poll() is None:
            frontend.stop()

    def start_relay(self, server_port):
        relay = Relay(server_port)
        self.addCleanup(relay.close)
        return relay

    def start_coaps_client(self, port, endpoint, extra_args=(), credentials=PSK_ARGS):
        return self.start_client(f"coaps://127.0.0.1:{port}", endpoint, [*credentials, *extra_args])

    def start_tracing_client(self, port, endpoint, extra_args):
        """Start a client that logs at trace level, its most detailed."""
        client = ClientProcess(
            f"coaps://127.0.0.1:{port}", endpoint, extra_args, log_level="trace"
        )
        self.clients.append(client)
        self.addCleanup(client.stop)
        return client

    def describe(self):
        parts = [super().describe()] + [frontend.describe() for frontend in self.frontends]
        return "\n".join(parts)

    def assert_idle(self, client, seconds=2.0):
        """Fail if the client uses more than IDLE_CPU_SHARE of `seconds` on the CPU."""
        start = cpu_seconds(client.pid)
        time.sleep(seconds)
        used = cpu_seconds(client.pid) - start
        self.assertLess(
            used, IDLE_CPU_SHARE * seconds, f"client used {used} s of CPU\n" + self.describe()
        )

    def assert_only_dtls(self, datagrams):
        for datagram in datagrams:
            self.assertTrue(
                is_dtls_record(datagram),
                f"plaintext datagram from a coaps:// client: {datagram[:32].hex()}",
            )

    def assert_no_key_in_log(self, client, key):
        log = "\n".join(client.log.lines()).lower()
        self.assertNotIn(key.hex(), log, "the log contains the key in hexadecimal")
        if key.isascii():
            self.assertNotIn(key.decode().lower(), log, "the log contains the key as text")

    def collect(self, peer, seconds, respond=None):
        """Return the datagrams `peer` receives during `seconds`, calling `respond` on each."""
        received = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            datagram = peer.receive(min(0.2, max(0.0, deadline - time.monotonic())))
            if datagram is None:
                continue
            received.append(datagram)
            if respond is not None:
                respond(peer, datagram)
        return received


class HandshakeAttackTest(RobustnessTestCase):
    """A raw UDP peer poses as the coaps:// server and sends bad handshake responses."""

    def first_client_hello(self, peer):
        datagram = peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no ClientHello\n" + self.describe())
        self.assertTrue(dtls.is_client_hello(datagram), f"not a ClientHello: {datagram.hex()}")
        return datagram

    def test_silent_server_times_out_and_retries(self):
        peer = self.start_raw_peer()
        client = self.start_coaps_client(peer.port, "silent-1", HANDSHAKE_ARGS)
        self.first_client_hello(peer)

        timed_out = r"\[dtls\] DTLS handshake failed.*timed out"
        failed = client.wait_for_log(timed_out, 2 * HANDSHAKE_FAILS_AFTER_S)
        self.assertIsNotNone(failed, "the handshake did not time out\n" + self.describe())
        retry = client.wait_for_log(r"Register attempt 1 of \d+ failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(retry, "no registration retry\n" + self.describe())
        self.assert_idle(client)
        self.assert_only_dtls(self.collect(peer, 1.5))

    def test_hello_verify_request_loop_times_out(self):
        peer = self.start_raw_peer()
        client = self.start_coaps_client(peer.port, "cookie-1", HANDSHAKE_ARGS)

        def send_cookie(peer, datagram):
            body = dtls.hello_verify_request(os.urandom(16))
            peer.send(dtls.record(dtls.HANDSHAKE, dtls.handshake(dtls.HELLO_VERIFY_REQUEST, body)))

        datagrams = self.collect(peer, HANDSHAKE_FAILS_AFTER_S + 1.0, send_cookie)
        hellos_with_cookie = [d for d in datagrams if dtls.client_hello_cookie(d)]
        self.assertTrue(hellos_with_cookie, "the client never sent its cookie\n" + self.describe())
        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "a cookie loop kept the handshake going\n" + self.describe())
        self.assertLess(len(datagrams), 20, "the client responded to too many cookies")
        self.assertTrue(client.is_running(), self.describe())
        self.assert_only_dtls(datagrams)
        self.assert_idle(client)

    def test_garbage_datagrams_are_discarded(self):
        # Datagrams that are no usable record: DTLS discards invalid records silently,
        # and the handshake goes on until its timeout.
        garbage = {
            "3 bytes": os.urandom(3),
            "record header only": dtls.record(dtls.HANDSHAKE, b"")[:12],
            "length field 65535": dtls.record(
                dtls.HANDSHAKE, b"\x02" + b"\xff" * 20, length=0xFFFF
            ),
            "20000-byte datagram": os.urandom(20000),
            "17000-byte record": dtls.record(dtls.HANDSHAKE, os.urandom(17000)),
            "epoch 1 application data": dtls.record(
                dtls.APPLICATION_DATA, os.urandom(60), epoch=1, sequence=5
            ),
            "epoch 0 application data": dtls.record(dtls.APPLICATION_DATA, b"plaintext"),
            "content type 99": dtls.record(99, b"xx"),
            "TLS 1.2 version": dtls.record(dtls.HANDSHAKE, os.urandom(20), version=0x0303),
            "empty handshake record": dtls.record(dtls.HANDSHAKE, b""),
            "ChangeCipherSpec": dtls.record(dtls.CHANGE_CIPHER_SPEC, b"\x01"),
        }
        peer = self.start_raw_peer()
        client = self.start_coaps_client(peer.port, "garbage-1", HANDSHAKE_ARGS)
        self.first_client_hello(peer)
        started = time.monotonic()
        for datagram in garbage.values():
            peer.send(datagram)

        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", 1.5)
        self.assertIsNone(
            failed, f"garbage ended the handshake after {time.monotonic() - started:.1f} s\n"
            + self.describe()
        )
        self.assertTrue(client.is_running(), self.describe())

    def test_garbage_flood_does_not_starve_the_timer(self):
        peer = self.start_raw_peer()
        client = self.start_coaps_client(peer.port, "flood-1", HANDSHAKE_ARGS)
        self.first_client_hello(peer)
        started = time.monotonic()
        junk = [
            os.urandom(3),
            dtls.record(dtls.APPLICATION_DATA, os.urandom(60), epoch=1, sequence=7),
            os.urandom(2000),
        ]
        sent = 0
        while time.monotonic() - started < HANDSHAKE_FAILS_AFTER_S + 0.5 and sent < 500_000:
            peer.send(junk[sent % len(junk)])
            sent += 1

        # The retransmission timer still fires, on time, while datagrams keep arriving.
        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed.*timed out", 2.0)
        self.assertIsNotNone(failed, f"no timeout after {sent} datagrams\n" + self.describe())
        self.assertTrue(client.is_running(), self.describe())
        self.assert_idle(client)

    def test_malformed_server_flight_ends_in_retry(self):
        cases = {
            "fatal alert": FATAL_ALERT,
            "ServerHello for DTLS 1.0": dtls.record(
                dtls.HANDSHAKE, dtls.handshake(dtls.SERVER_HELLO, dtls.server_hello(dtls.DTLS_1_0))
            ),
            "truncated ServerHello": dtls.record(
                dtls.HANDSHAKE, dtls.handshake(dtls.SERVER_HELLO, b"\xfe")
            ),
            "cookie length beyond the message": dtls.record(
                dtls.HANDSHAKE,
                dtls.handshake(dtls.HELLO_VERIFY_REQUEST, b"\xfe\xff\xc8" + b"c" * 10),
            ),
        }
        for name, response in cases.items():
            with self.subTest(response=name):
                peer = self.start_raw_peer()
                endpoint = "malformed-" + name.replace(" ", "-")
                client = self.start_coaps_client(peer.port, endpoint, HANDSHAKE_ARGS)
                self.first_client_hello(peer)
                peer.send(response)
                failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", 1.0)
                self.assertIsNotNone(failed, "the handshake went on\n" + self.describe())
                retry = client.wait_for_log(r"Register attempt 1 of \d+ failed", STEP_TIMEOUT_S)
                self.assertIsNotNone(retry, "no registration retry\n" + self.describe())

                # The client may send its own fatal alert first. The next attempt is a
                # new handshake, still without plaintext.
                datagrams = self.collect(peer, 2.0)
                self.assert_only_dtls(datagrams)
                hellos = [d for d in datagrams if dtls.is_client_hello(d)]
                self.assertTrue(hellos, "no second attempt\n" + self.describe())
                client.stop()

    # mbedTLS reads a length of 0 from the receive callback as the end of the connection,
    # so the transport must drop an empty datagram rather than pass it on.
    def test_empty_datagram_is_discarded(self):
        peer = self.start_raw_peer()
        client = self.start_coaps_client(peer.port, "empty-1", HANDSHAKE_ARGS)
        self.first_client_hello(peer)
        peer.send(b"")

        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", 1.5)
        self.assertIsNone(
            failed, "an empty datagram ended the handshake: " + str(failed and failed.text)
        )

    # The core gives up on a connect in progress after MAX_TRANSMIT_WAIT (here 0.9 s) and
    # closes the transport. The next attempt must start a handshake of its own, not
    # continue the old one, whose retransmission timer may have run out meanwhile.
    def test_each_register_attempt_starts_a_handshake(self):
        peer = self.start_raw_peer()
        client = self.start_coaps_client(
            peer.port,
            "stale-1",
            [
                "--ack-timeout-ms", "200",
                "--max-retransmit", "1",
                "--handshake-timeout-max", "1",
                "--retry-timer", "1",
                "--retry-count", "3",
            ],
        )
        # Attempts at 0 s, 1.9 s and 3.9 s, each given up after 0.9 s.
        datagrams = self.collect(peer, 6.0)
        self.assertIsNotNone(client.wait_exit(STEP_TIMEOUT_S), "client kept running")

        randoms = {client_hello_random(d) for d in datagrams} - {None}
        started = client.log_lines(r"\[dtls\] handshake started")
        self.assertEqual(len(started), 3, "handshakes started\n" + self.describe())
        self.assertEqual(len(randoms), 3, "distinct ClientHellos\n" + self.describe())


@unittest.skipUnless(HAVE_FRONTEND, "LWM2M_DTLS_FRONTEND is not set")
class EstablishedConnectionTest(RobustnessTestCase):
    """A relay between the client and the front end injects into a real connection."""

    def start_connection(self, endpoint, client_args=(), frontend_args=()):
        server = self.start_server()
        frontend = self.start_frontend(server.port, frontend_args)
        relay = self.start_relay(frontend.port)
        client = self.start_coaps_client(relay.port, endpoint, client_args)
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(register, "no Register\n" + self.describe())
        registered = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client logged no registration\n" + self.describe())
        return server, frontend, relay, client, register

    def read(self, server, endpoint):
        response = server.run_command(f"read {endpoint} /3/0/0")
        self.assertIsNotNone(response, "no response to a Read\n" + self.describe())
        self.assertEqual(response.get("code"), "2.05", f"Read returned {response}")

    def restart_frontend(self, server, frontend, relay):
        """Stop the front end (it sends close_notify) and put a new one behind the relay."""
        frontend.stop()
        replacement = self.start_frontend(server.port)
        relay.switch_server(replacement.port)
        return replacement

    def test_injected_records_are_dropped(self):
        server, _, relay, client, _ = self.start_connection("inject-1", HANDSHAKE_ARGS)
        self.read(server, "inject-1")
        # The client's log comes through another pipe than the server's events.
        self.assertIsNotNone(client.wait_for_log(r"\[req\] GET /3/0/0", STEP_TIMEOUT_S))
        request = relay.datagrams_to_client()[-1]
        [record] = dtls.parse_records(request)
        corrupted = bytearray(request)
        corrupted[-1] ^= 0x01

        injected = {
            "empty datagram": b"",
            "3 bytes": os.urandom(3),
            "plaintext fatal alert": FATAL_ALERT,
            "plaintext close_notify": dtls.record(
                dtls.ALERT, dtls.alert(dtls.ALERT_WARNING, dtls.CLOSE_NOTIFY)
            ),
            "plaintext HelloVerifyRequest": dtls.record(
                dtls.HANDSHAKE,
                dtls.handshake(dtls.HELLO_VERIFY_REQUEST, dtls.hello_verify_request(b"c" * 8)),
            ),
            "plaintext HelloRequest": dtls.record(dtls.HANDSHAKE, dtls.handshake(0, b"")),
            "epoch 1 garbage": dtls.record(
                dtls.APPLICATION_DATA, os.urandom(60), epoch=1, sequence=1000
            ),
            "epoch 1 garbage alert": dtls.record(
                dtls.ALERT, os.urandom(26), epoch=1, sequence=1001
            ),
            "highest sequence number": dtls.record(
                dtls.APPLICATION_DATA, os.urandom(60), epoch=1, sequence=2**48 - 1
            ),
            "epoch 2": dtls.record(dtls.APPLICATION_DATA, os.urandom(60), epoch=2, sequence=1),
            "30000-byte datagram": os.urandom(30000),
            "replayed request": request,
            "request with a bad tag": bytes(corrupted),
            "request under a new sequence number": dtls.record(
                record.content_type,
                record.fragment,
                epoch=record.epoch,
                sequence=record.sequence + 50,
            ),
        }
        datagrams_before = len(relay.datagrams_from_client())
        for datagram in injected.values():
            relay.inject(datagram)
        time.sleep(0.5)

        # None of them reaches CoAP: the client neither responds nor drops the connection.
        self.assertEqual(
            len(relay.datagrams_from_client()), datagrams_before,
            "the client responded to an injected datagram\n" + self.describe(),
        )
        self.assertEqual(client.log_lines(r"\[dtls\] DTLS connection failed|closed the DTLS"), [])
        self.assertEqual(len(client.log_lines(r"\[req\] GET /3/0/0")), 1, self.describe())
        self.read(server, "inject-1")
        started = client.log_lines(r"\[dtls\] handshake started")
        self.assertEqual(len(started), 1, "handshakes started\n" + self.describe())

    def test_flood_keeps_the_connection(self):
        server, _, relay, client, _ = self.start_connection("flood-2", HANDSHAKE_ARGS)
        junk = [
            os.urandom(3),
            dtls.record(dtls.APPLICATION_DATA, os.urandom(60), epoch=1, sequence=77),
            dtls.record(dtls.HANDSHAKE, os.urandom(40)),
        ]
        read_result = {}
        reader = threading.Thread(
            target=lambda: read_result.update(response=server.run_command("read flood-2 /3/0/0"))
        )
        started = time.monotonic()
        sent = 0
        while time.monotonic() - started < 2.0 and sent < 500_000:
            relay.inject(junk[sent % len(junk)])
            sent += 1
            if sent == 1000:
                reader.start()
        reader.join(STEP_TIMEOUT_S + 1)

        response = read_result.get("response")
        self.assertIsNotNone(
            response, f"no Read response during {sent} datagrams\n" + self.describe()
        )
        self.assertEqual(response.get("code"), "2.05", str(response))
        self.assert_idle(client)
        self.read(server, "flood-2")

    def test_server_restart_during_sleep_registers_again(self):
        # Queue Mode: an Update every 2 s, offline 0.5 s after each exchange, and an
        # Update that times out after 1.5 s at most.
        queue_args = [
            "--queue-mode", "--queue-timeout", "0.5", "--lifetime", "4",
            "--ack-timeout-ms", "300", "--max-retransmit", "1", *HANDSHAKE_ARGS,
        ]
        variants = {
            "connection ID": [],
            "resumption": ["--no-connection-id"],
            "continued connection": ["--no-connection-id", "--continue-after-sleep"],
        }
        for index, (name, extra_args) in enumerate(variants.items()):
            with self.subTest(variant=name):
                endpoint = f"restart-{index}"
                server, frontend, relay, client, register = self.start_connection(
                    endpoint, [*queue_args, *extra_args]
                )
                offline = client.wait_for_log(r"offline \(Queue Mode\)", STEP_TIMEOUT_S)
                self.assertIsNotNone(offline, "client stayed online\n" + self.describe())
                replacement = self.restart_frontend(server, frontend, relay)

                # The server kept the registration; only the DTLS state is gone. The
                # client needs a new handshake, then its Update or a new Register.
                recovered = server.wait_event(
                    ("register", "update"), 8.0, after=register.index, endpoint=endpoint
                )
                self.assertIsNotNone(recovered, "client did not recover\n" + self.describe())
                # The front end printed the handshake before it forwarded the request,
                # but its events come through another pipe than the server's.
                handshake = replacement.wait_event("dtls_handshake", STEP_TIMEOUT_S)
                self.assertIsNotNone(handshake, "no handshake\n" + self.describe())
                self.assert_only_dtls(relay.datagrams_from_client())
                self.assert_idle(client, 1.0)
                client.stop()

    def test_alert_during_wake_up_retries(self):
        server, _, relay, client, register = self.start_connection(
            "wake-alert-1",
            ["--no-connection-id", "--queue-mode", "--queue-timeout", "0.3", "--lifetime", "4",
             *HANDSHAKE_ARGS],
        )
        offline = client.wait_for_log(r"offline \(Queue Mode\)", STEP_TIMEOUT_S)
        self.assertIsNotNone(offline, "client stayed online\n" + self.describe())

        # The resumption at the wake-up gets a plaintext fatal alert before the server's
        # response, which the relay holds back once.
        held_back = []

        def hold_first_flight(datagram):
            if not held_back:
                held_back.append(datagram)
                return [FATAL_ALERT]
            return [datagram]

        relay.server_filter = hold_first_flight
        failed = client.wait_for_log(r"\[dtls\] DTLS handshake failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "the alert was not delivered\n" + self.describe())
        update = server.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after the failed wake-up\n" + self.describe())
        self.assertEqual(len(server.events("register")), 1, self.describe())

    def test_server_silent_mid_handshake_recovers(self):
        server = self.start_server()
        # The front end gives up its half of the handshake after 2 s. Until then it
        # drops the next attempt's ClientHello, which comes from the same address.
        frontend = self.start_frontend(server.port, ["--handshake-timeout-max", "1000"])
        relay = self.start_relay(frontend.port)
        # The first server datagram (the HelloVerifyRequest) passes, the rest are lost.
        def first_datagram_only(datagram):
            return [datagram] if len(relay.datagrams_to_client()) == 1 else []

        relay.server_filter = first_datagram_only
        client = self.start_coaps_client(
            relay.port, "mid-1", [*HANDSHAKE_ARGS, "--retry-count", "3"]
        )

        timed_out = r"\[dtls\] DTLS handshake failed.*timed out"
        failed = client.wait_for_log(timed_out, 2 * HANDSHAKE_FAILS_AFTER_S)
        self.assertIsNotNone(failed, "the handshake did not time out\n" + self.describe())
        self.assert_idle(client, 0.8)
        relay.server_filter = None
        register = server.wait_event("register", 2 * STEP_TIMEOUT_S, endpoint="mid-1")
        self.assertIsNotNone(
            register, "no Register after the server responded again\n" + self.describe()
        )

    # After the server ends the connection (close_notify here, or a fatal alert), a client
    # outside Queue Mode reconnects at once with an Update, rather than staying unreachable
    # until its next regular Update, half the lifetime later (30 s here).
    def test_close_notify_reconnects(self):
        server, frontend, relay, client, _ = self.start_connection(
            "close-1", ["--lifetime", "60", *HANDSHAKE_ARGS]
        )
        replacement = self.restart_frontend(server, frontend, relay)
        closed = client.wait_for_log(r"the server closed the DTLS connection", STEP_TIMEOUT_S)
        self.assertIsNotNone(closed, "the close_notify was not delivered\n" + self.describe())

        handshake = replacement.wait_event("dtls_handshake", STEP_TIMEOUT_S)
        self.assertIsNotNone(handshake, "no new handshake after close_notify\n" + self.describe())


@unittest.skipUnless(HAVE_FRONTEND, "LWM2M_DTLS_FRONTEND is not set")
class PlaintextRecordTest(RobustnessTestCase):
    """The front end forwards the plaintext of a raw UDP backend over a real connection."""

    # A record longer than the receive buffer is dropped whole. No part of it may come back
    # from the next receive() as a datagram of its own, such as the GET /3/0/1 hidden here
    # in the payload of a GET /3/0/0.
    def test_oversized_record_is_dropped_whole(self):
        backend = self.start_raw_peer()
        frontend = self.start_frontend(backend.port)
        client = self.start_coaps_client(frontend.port, "large-1")
        register = backend.accept_register("1", STEP_TIMEOUT_S)
        self.assertIsNotNone(register, "no Register\n" + self.describe())
        self.assertIsNotNone(client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S))

        hidden = coap.encode(coap.CON, coap.GET, 0x4242, b"\x0b\x0c", coap.path_options("/3/0/1"))
        outer = coap.encode(coap.CON, coap.GET, 0x1111, b"\x0a", coap.path_options("/3/0/0"))
        offset = IN_BUFFER_SIZE + 64 * 64
        outer += bytes([coap.PAYLOAD_MARKER]) + b"A" * (offset - len(outer) - 1)
        backend.send(outer + hidden)

        dropped = client.wait_for_log(r"dropped a datagram longer than", STEP_TIMEOUT_S)
        self.assertIsNotNone(dropped, "the record was not dropped\n" + self.describe())
        response = backend.receive(1.0)
        self.assertIsNone(
            response,
            f"the client responded to part of a dropped record: {response!r}\n"
            + self.describe(),
        )


class CredentialTest(RobustnessTestCase):
    """Pre-shared keys at their limits, and keys that must never reach the log."""

    def start_psk_server(self, identity, key):
        return self.start_server(
            extra_args=["--dtls-port", "0", "--psk", f"{identity}:{key.hex()}"]
        )

    def test_psk_sizes_at_the_limits(self):
        key_sizes = [1, 16, min(MAX_KEY_BYTES, MBEDTLS_MAX_KEY_BYTES)]
        identity_sizes = [1, min(MAX_IDENTITY_BYTES, SERVER_MAX_IDENTITY_BYTES)]
        cases = [(i, k) for i in identity_sizes for k in key_sizes]
        for identity_size, key_size in cases:
            with self.subTest(identity=identity_size, key=key_size):
                identity = "i" * identity_size
                key = bytes(range(1, key_size + 1))
                server = self.start_psk_server(identity, key)
                endpoint = f"psk-{identity_size}-{key_size}"
                client = self.start_coaps_client(
                    server.listening["dtls_port"],
                    endpoint,
                    credentials=["--psk-identity", identity, "--psk-key", key.hex()],
                )
                register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
                self.assertIsNotNone(register, "no Register\n" + self.describe())
                self.assertEqual(len(server.events("dtls_handshake")), 1, self.describe())
                client.stop()
                server.stop()

    def test_unusable_psk_sends_nothing(self):
        cases = {
            "odd number of digits": "0102030",
            "not hexadecimal": "0g",
            "longer than mbedTLS takes": "ab" * (MBEDTLS_MAX_KEY_BYTES + 1),
        }
        for name, key_hex in cases.items():
            with self.subTest(key=name):
                peer = self.start_raw_peer()
                client = self.start_coaps_client(
                    peer.port,
                    "bad-key",
                    credentials=["--psk-identity", IDENTITY, "--psk-key", key_hex],
                )
                status = client.wait_exit(STEP_TIMEOUT_S)
                self.assertIsNotNone(status, "client kept running\n" + self.describe())
                self.assertNotEqual(status, 0, self.describe())
                self.assertIsNone(peer.receive(0.2), "the client sent a datagram")

    def test_log_never_contains_the_key(self):
        server = self.start_psk_server(IDENTITY, PRINTABLE_KEY)
        port = server.listening["dtls_port"]
        good = self.start_tracing_client(
            port,
            "secret-1",
            ["--psk-identity", IDENTITY, "--psk-key", PRINTABLE_KEY.hex().upper(),
             "--queue-mode", "--queue-timeout", "0.3", "--lifetime", "2",
             "--continue-after-sleep"],
        )
        wrong_key = PRINTABLE_KEY[:-1] + b"?"
        wrong = self.start_tracing_client(
            port,
            "secret-2",
            ["--psk-identity", IDENTITY, "--psk-key", wrong_key.hex(), *HANDSHAKE_ARGS],
        )
        update = server.wait_event("update", 2 * STEP_TIMEOUT_S, endpoint="secret-1")
        self.assertIsNotNone(update, "no Update\n" + self.describe())
        failed = wrong.wait_for_log(r"\[dtls\] DTLS handshake failed", 2 * STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "the wrong key was accepted\n" + self.describe())
        good.stop()
        wrong.stop()

        self.assert_no_key_in_log(good, PRINTABLE_KEY)
        self.assert_no_key_in_log(wrong, wrong_key)


if __name__ == "__main__":
    unittest.main()
