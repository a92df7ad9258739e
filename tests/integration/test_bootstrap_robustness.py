"""Hostile Bootstrap-Server traffic towards the demo client, over real sockets.

A raw UDP peer plays the Bootstrap-Server of `lwm2m-client --bootstrap`. Without --server,
the client starts with no server account. The peer accepts the Bootstrap-Request and then
sends writes with wrong types and oversized values, and writes beyond the client's
capacity. It also sends unknown targets, unsupported formats, Block1, wrong methods on /bs,
a Bootstrap-Finish the client must reject, Deletes of protected instances, NON and
duplicate requests and Observe.
Each test checks the response code and that the client keeps running. A second raw peer
plays the LwM2M Server that the written account names, and receives the Register.

The end of a session without Bootstrap-Finish (EXCHANGE_LIFETIME, 247 s with the default
CoAP parameters and at least 200 s with any) is left to the bootstrap fuzzer, whose clock
is fake. Known client bugs are expected failures.
"""

import os
import signal
import tempfile
import time
import unittest

import coap_message as coap
import payload_formats as fmt
import state_file
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer, wait_stopped

FETCH = 5
OBSERVE = 6
ACCEPT = 17
BLOCK1 = 27

CREATED = coap.CREATED
DELETED = coap.DELETED
CHANGED = coap.CHANGED
CONTENT = coap.CONTENT
BAD_REQUEST = coap.make_code(4, 0)
NOT_FOUND = coap.NOT_FOUND
METHOD_NOT_ALLOWED = coap.make_code(4, 5)
NOT_ACCEPTABLE = coap.make_code(4, 6)
REQUEST_ENTITY_TOO_LARGE = coap.make_code(4, 13)
UNSUPPORTED_CONTENT_FORMAT = coap.make_code(4, 15)

# Response wait for one request on loopback.
RESPONSE_TIMEOUT_S = 3.0

# Bound on the datagrams skipped while waiting for one response.
MAX_SKIPPED_DATAGRAMS = 16

# Capacities of the default build (include/lwm2m/config.hpp): Security instances, the
# LwM2M Server URI (LWM2M_MAX_URI_LENGTH + 15 characters), and keys and identities.
SECURITY_INSTANCES = 3
MAX_URI_CHARACTERS = 111
# LWM2M_SECURITY_IDENTITY_SIZE and LWM2M_SECURITY_KEY_SIZE of the build (ctest passes
# them; empty means the library's default of 32).
MAX_KEY_BYTES = {
    3: int(os.environ.get("LWM2M_SECURITY_IDENTITY_SIZE") or 32),
    4: int(os.environ.get("LWM2M_SECURITY_KEY_SIZE") or 32),
    5: int(os.environ.get("LWM2M_SECURITY_KEY_SIZE") or 32),
}

# Security Mode NoSec (/0/x/2).
NO_SEC = 3


def uint(value):
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def content_format(number):
    return [(coap.CONTENT_FORMAT, uint(number))]


def option_uint(message, number):
    for found, value in message.options:
        if found == number:
            return int.from_bytes(value, "big")
    return None


def tlv_resource(identifier, value):
    if isinstance(value, bool):
        value = bytes([1 if value else 0])
    elif isinstance(value, int):
        value = fmt.encode_tlv_integer(value)
    elif isinstance(value, str):
        value = value.encode()
    return fmt.encode_tlv(fmt.TLV_RESOURCE, identifier, value)


def security_tlv(uri, ssid, bootstrap=False, mode=NO_SEC):
    """The resources of a Security instance in TLV, in Security Mode `mode` (NoSec by default)."""
    return (
        tlv_resource(0, uri)
        + tlv_resource(1, bootstrap)
        + tlv_resource(2, mode)
        + tlv_resource(10, ssid)
    )


def server_tlv(ssid, lifetime=300):
    return (
        tlv_resource(0, ssid)
        + tlv_resource(1, lifetime)
        + tlv_resource(6, False)
        + tlv_resource(7, "U")
    )


def security_senml_cbor(instance, uri, ssid):
    """The same Security instance as security_tlv(), as a SenML CBOR pack."""
    base = f"/0/{instance}/"
    pack = [
        {-2: base, 0: "0", 3: uri},
        {0: "1", 4: False},
        {0: "2", 2: NO_SEC},
        {0: "10", 2: ssid},
    ]
    return fmt.encode_cbor(pack)


class BootstrapRobustnessTest(IntegrationTest):
    """A raw Bootstrap-Server peer sends the demo client malformed and misplaced requests."""

    def setUp(self):
        super().setUp()
        self.bootstrap_peer = RawPeer()
        self.addCleanup(self.bootstrap_peer.close)
        self.server_peer = RawPeer()
        self.addCleanup(self.server_peer.close)
        self.server_uri = f"coap://127.0.0.1:{self.server_peer.port}"
        self.token_counter = 0
        self.state_directory = tempfile.TemporaryDirectory(prefix="lwm2m-bs-robust-")
        self.addCleanup(self.state_directory.cleanup)
        self.state_path = os.path.join(self.state_directory.name, "state")

    # -- the client and the two peers --------------------------------------------------------

    def start_bootstrap_client(self, extra_args=()):
        """Start the client with --bootstrap and accept its Bootstrap-Request with 2.04."""
        self.endpoint = f"bs-robust-{self._testMethodName}"[:60]
        arguments = ["--bootstrap", f"coap://127.0.0.1:{self.bootstrap_peer.port}"]
        arguments += ["--state-file", self.state_path] + list(extra_args)
        self.client = self.start_client(None, self.endpoint, arguments)
        # Runs before client.stop (cleanups run last in, first out), so that a registered
        # client gets a response to its De-register and exits at once.
        self.addCleanup(self.respond_to_deregister)

        request = self.receive(self.bootstrap_peer, "Bootstrap-Request")
        self.assertEqual(request.type, coap.CON, coap.describe(request))
        self.assertEqual(request.code, coap.POST, coap.describe(request))
        self.assertEqual(coap.option_values(request, coap.URI_PATH), ["bs"])
        queries = coap.option_values(request, coap.URI_QUERY)
        self.assertIn(f"ep={self.endpoint}", queries)
        self.assertIn("pct=11542", queries)
        self.bootstrap_peer.send(
            coap.encode(coap.ACK, CHANGED, request.message_id, request.token)
        )
        accepted = self.client.wait_for_log(r"Bootstrap-Request accepted", STEP_TIMEOUT_S)
        self.assertIsNotNone(accepted, "client did not log the 2.04\n" + self.describe())

    def respond_to_deregister(self):
        if not self.client.is_running():
            return
        self.client.send_signal(signal.SIGTERM)
        for _ in range(MAX_SKIPPED_DATAGRAMS):
            datagram = self.server_peer.receive(1.0)
            if datagram is None:
                return
            message = coap.decode(datagram)
            if message.type == coap.CON and message.code == coap.DELETE:
                self.server_peer.send(
                    coap.encode(coap.ACK, DELETED, message.message_id, message.token)
                )
                return

    def receive(self, peer, context, timeout_s=STEP_TIMEOUT_S):
        datagram = peer.receive(timeout_s)
        self.assertIsNotNone(datagram, f"no {context} within {timeout_s} s\n" + self.describe())
        return coap.decode(datagram)

    def new_token(self):
        self.token_counter += 1
        return self.token_counter.to_bytes(2, "big")

    def send_request(self, code, path, options=(), payload=b"", kind=coap.CON, token=None):
        """Send a request from the Bootstrap-Server peer; return its message ID and token."""
        message_id = self.bootstrap_peer.new_message_id()
        token = self.new_token() if token is None else token
        all_options = coap.path_options(path) + list(options)
        self.bootstrap_peer.send(coap.encode(kind, code, message_id, token, all_options, payload))
        return message_id, token

    def wait_response(self, message_id, token, kind=coap.CON):
        """Return the response to the request with `message_id` and `token`, as raw bytes."""
        for _ in range(MAX_SKIPPED_DATAGRAMS):
            datagram = self.bootstrap_peer.receive(RESPONSE_TIMEOUT_S)
            self.assertIsNotNone(
                datagram,
                f"no response to message {message_id} within {RESPONSE_TIMEOUT_S} s\n"
                + self.describe(),
            )
            message = coap.decode(datagram)
            if message.token != token:
                continue
            if kind == coap.CON and message.type == coap.ACK and message.message_id == message_id:
                return datagram
            if kind == coap.NON and message.type == coap.NON:
                return datagram
        self.fail(f"no response to message {message_id} among the datagrams\n" + self.describe())

    def request(self, code, path, options=(), payload=b"", kind=coap.CON):
        """Send a request and return the decoded response."""
        message_id, token = self.send_request(code, path, options, payload, kind)
        return coap.decode(self.wait_response(message_id, token, kind))

    def write(self, path, number, payload, options=()):
        return self.request(coap.PUT, path, content_format(number) + list(options), payload)

    def assert_code(self, response, expected, context):
        self.assertEqual(
            coap.code_text(response.code),
            coap.code_text(expected),
            f"{context}: {coap.describe(response)}\n" + self.describe(),
        )

    def assert_running(self):
        self.assertTrue(self.client.is_running(), "the client exited\n" + self.describe())

    def discover(self, path="/"):
        """Return the Bootstrap-Discover payload of `path` as text."""
        response = self.request(coap.GET, path, [(ACCEPT, uint(fmt.LINK_FORMAT))])
        self.assert_code(response, CONTENT, f"Bootstrap-Discover {path}")
        self.assertEqual(option_uint(response, coap.CONTENT_FORMAT), fmt.LINK_FORMAT)
        return response.payload.decode()

    def configure_account(self, ssid=1):
        """Write a usable Security instance /0/1 and Server instance /1/0."""
        response = self.write("/0/1", fmt.LWM2M_TLV, security_tlv(self.server_uri, ssid))
        self.assert_code(response, CHANGED, "Bootstrap-Write /0/1")
        response = self.write("/1/0", fmt.LWM2M_TLV, server_tlv(ssid))
        self.assert_code(response, CHANGED, "Bootstrap-Write /1/0")

    def expect_register(self):
        register = self.receive(self.server_peer, "Register at the LwM2M Server peer")
        self.assertEqual(register.code, coap.POST, coap.describe(register))
        self.assertEqual(coap.option_values(register, coap.URI_PATH), ["rd"])
        self.assertIn(f"ep={self.endpoint}", coap.option_values(register, coap.URI_QUERY))
        location = [(coap.LOCATION_PATH, "rd"), (coap.LOCATION_PATH, "bs")]
        self.server_peer.send(
            coap.encode(coap.ACK, CREATED, register.message_id, register.token, location)
        )
        registered = self.client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client logged no registration\n" + self.describe())

    def expect_silence(self, peer, seconds):
        datagram = peer.receive(seconds)
        self.assertIsNone(
            datagram,
            f"unexpected datagram {datagram and coap.describe(coap.decode(datagram))}\n"
            + self.describe(),
        )

    # -- the tests ---------------------------------------------------------------------------

    def test_wrong_types_rejected(self):
        self.start_bootstrap_client()
        cases = [
            ("/0/1/2", fmt.TEXT_PLAIN, b"seven"),
            ("/0/1/10", fmt.TEXT_PLAIN, b"70000"),
            ("/0/1/1", fmt.TEXT_PLAIN, b"maybe"),
            ("/1/0/1", fmt.TEXT_PLAIN, b"-5"),
            ("/1/0/0", fmt.TEXT_PLAIN, b"65535"),
            ("/1/0/7", fmt.TEXT_PLAIN, b"Q"),
            # A Boolean of two bytes, and an Integer of three.
            ("/0/1", fmt.LWM2M_TLV, fmt.encode_tlv(fmt.TLV_RESOURCE, 1, b"\x00\x01")),
            ("/0/1", fmt.LWM2M_TLV, fmt.encode_tlv(fmt.TLV_RESOURCE, 10, b"\x00\x00\x01")),
            # A text value for the Integer Short Server ID.
            ("/0/1", fmt.SENML_CBOR, fmt.encode_cbor([{-2: "/0/1/", 0: "10", 3: "one"}])),
            ("/0/1", fmt.SENML_CBOR, b"\x81\xa1"),
        ]
        for path, number, payload in cases:
            with self.subTest(path=path, payload=payload):
                response = self.write(path, number, payload)
                self.assert_code(response, BAD_REQUEST, f"Bootstrap-Write {path}")
        self.assert_running()
        # Every failed write was rolled back: no instance was left behind.
        self.assertEqual(self.discover("/0").count("</0/"), 1)
        self.assertNotIn("</1/0>", self.discover("/1"))

    def test_uri_longer_than_kept_rejected(self):
        self.start_bootstrap_client()
        longest = "coap://" + "h" * (MAX_URI_CHARACTERS - len("coap://:5683")) + ":5683"
        self.assertEqual(len(longest), MAX_URI_CHARACTERS)

        response = self.write("/0/1/0", fmt.TEXT_PLAIN, longest.encode())
        self.assert_code(response, CHANGED, f"URI of {len(longest)} characters")
        response = self.write("/0/1/0", fmt.TEXT_PLAIN, (longest + "0").encode())
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "URI one character longer")
        response = self.write(
            "/0/1", fmt.SENML_CBOR, security_senml_cbor(1, "coap://" + "x" * 300, 2)
        )
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "URI of 307 characters")
        self.assert_running()
        self.assertIn(f';uri="{longest}"', self.discover("/0"))

    def test_keys_longer_than_kept_rejected(self):
        self.start_bootstrap_client()
        self.configure_account()
        for resource in (3, 4, 5):
            with self.subTest(resource=resource):
                path = f"/0/1/{resource}"
                size = MAX_KEY_BYTES[resource]
                response = self.write(path, fmt.OCTET_STREAM, bytes(i % 256 for i in range(size)))
                self.assert_code(response, CHANGED, f"{size} bytes to {path}")
                response = self.write(path, fmt.OCTET_STREAM, bytes(size + 1))
                self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, f"{size + 1} bytes to {path}")
        self.assert_running()

    def test_security_instance_beyond_capacity_rejected(self):
        self.start_bootstrap_client()
        # /0/0 is the Bootstrap-Server account, so SECURITY_INSTANCES new ones overflow.
        instances = b"".join(
            fmt.encode_tlv(fmt.TLV_OBJECT_INSTANCE, i, security_tlv(self.server_uri, i))
            for i in range(1, SECURITY_INSTANCES + 1)
        )
        response = self.write("/0", fmt.LWM2M_TLV, instances)
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "too many new Security instances")
        self.assertEqual(self.discover("/0").count("</0/"), 1, "the failed write left an instance")

        self.configure_account()
        response = self.write("/0/2", fmt.LWM2M_TLV, security_tlv(self.server_uri, 2))
        self.assert_code(response, CHANGED, "the last free Security instance")
        self.assertEqual(self.discover("/0").count("</0/"), SECURITY_INSTANCES)
        response = self.write("/0/7", fmt.LWM2M_TLV, security_tlv(self.server_uri, 7))
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "Security instance beyond capacity")
        response = self.write("/0/8/0", fmt.TEXT_PLAIN, self.server_uri.encode())
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "one value of a new instance")
        self.assert_running()
        self.assertEqual(self.discover("/0").count("</0/"), SECURITY_INSTANCES)

    def test_server_instance_beyond_capacity_rejected(self):
        self.start_bootstrap_client()
        self.configure_account()
        response = self.write("/1/1", fmt.LWM2M_TLV, server_tlv(2))
        self.assert_code(response, CHANGED, "second Server instance")
        response = self.write("/1/2", fmt.LWM2M_TLV, server_tlv(3))
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "third Server instance")
        response = self.write(
            "/1",
            fmt.LWM2M_TLV,
            b"".join(
                fmt.encode_tlv(fmt.TLV_OBJECT_INSTANCE, i, server_tlv(i + 1)) for i in range(4)
            ),
        )
        self.assert_code(response, REQUEST_ENTITY_TOO_LARGE, "object write with four instances")
        self.assert_running()
        links = self.discover("/1")
        self.assertIn("</1/0>;ssid=1", links)
        self.assertIn("</1/1>;ssid=2", links)
        self.assertNotIn("</1/2>", links)

    def test_unknown_objects_not_found(self):
        self.start_bootstrap_client()
        cases = [
            (coap.PUT, "/5/0", fmt.LWM2M_TLV, tlv_resource(1, 1)),
            (coap.PUT, "/9999", fmt.LWM2M_TLV, tlv_resource(1, 1)),
            (coap.PUT, "/65534/0/0", fmt.TEXT_PLAIN, b"1"),
            (coap.DELETE, "/9", None, b""),
        ]
        for code, path, number, payload in cases:
            with self.subTest(code=code, path=path):
                options = [] if number is None else content_format(number)
                response = self.request(code, path, options, payload)
                self.assert_code(response, NOT_FOUND, f"{coap.code_text(code)} {path}")
        response = self.request(coap.GET, "/5", [(ACCEPT, uint(fmt.LINK_FORMAT))])
        self.assert_code(response, NOT_FOUND, "Bootstrap-Discover /5")
        self.assert_running()

    def test_executable_resources_not_written(self):
        self.start_bootstrap_client()
        self.configure_account()
        cases = [
            ("/1/0/4", fmt.TEXT_PLAIN, b""),
            ("/1/0/8", fmt.TEXT_PLAIN, b"1"),
            ("/1/0/9", fmt.LWM2M_TLV, tlv_resource(9, 1)),
            ("/3/0/4", fmt.TEXT_PLAIN, b""),
            # An instance write that carries an executable resource among writable ones.
            ("/1/0", fmt.LWM2M_TLV, server_tlv(1) + tlv_resource(8, 1)),
        ]
        for path, number, payload in cases:
            with self.subTest(path=path):
                response = self.write(path, number, payload)
                self.assert_code(response, METHOD_NOT_ALLOWED, f"Bootstrap-Write {path}")
        self.assert_running()

    def test_empty_payloads_rejected(self):
        self.start_bootstrap_client()
        cases = [
            ("/0/1", fmt.LWM2M_TLV),
            ("/0/1", fmt.SENML_CBOR),
            ("/1/0", fmt.SENML_JSON),
            ("/1/0/1", fmt.TEXT_PLAIN),
            ("/0/1/10", None),
        ]
        for path, number in cases:
            with self.subTest(path=path, content_format=number):
                options = [] if number is None else content_format(number)
                response = self.request(coap.PUT, path, options)
                self.assert_code(response, BAD_REQUEST, f"empty Bootstrap-Write {path}")
        self.assert_running()
        self.assertEqual(self.discover("/0").count("</0/"), 1)

    def test_unsupported_content_formats(self):
        self.start_bootstrap_client()
        for number in (40, 50, 9999, 65535):
            with self.subTest(content_format=number):
                response = self.write("/0/1", number, security_tlv(self.server_uri, 1))
                self.assert_code(response, UNSUPPORTED_CONTENT_FORMAT, f"Content-Format {number}")
        # Content-Format is a uint of 0 to 2 bytes (RFC 7252), so 3 bytes are invalid.
        response = self.request(
            coap.PUT, "/0/1", [(coap.CONTENT_FORMAT, b"\x01\x00\x00")], b"x"
        )
        self.assert_code(response, BAD_REQUEST, "Content-Format of 3 bytes")
        self.assert_running()

    def test_block1_write_applied_block_by_block(self):
        self.start_bootstrap_client()
        payload = security_tlv(self.server_uri, 1)
        blocks = [payload[offset : offset + 32] for offset in range(0, len(payload), 32)]
        for number, block in enumerate(blocks):
            more = number + 1 < len(blocks)
            with self.subTest(number=number, more=more):
                value = (number << 4) | (0x08 if more else 0) | 1
                options = content_format(fmt.LWM2M_TLV) + [(BLOCK1, uint(value))]
                response = self.request(coap.PUT, "/0/1", options, block)
                expected = coap.make_code(2, 31) if more else CHANGED
                self.assert_code(response, expected, f"Block1 {number}")
        self.assertIn("</0/1>;ssid=1", self.discover("/0"))
        # A block out of order is rejected and leaves the instance as it was.
        options = content_format(fmt.LWM2M_TLV) + [(BLOCK1, uint((5 << 4) | 0x08 | 1))]
        response = self.request(coap.PUT, "/0/2", options, payload[:32])
        self.assert_code(response, coap.make_code(4, 8), "Block1 5 without block 0")
        self.assertNotIn("</0/2>", self.discover("/0"))
        self.assert_running()

    def test_finish_with_wrong_methods(self):
        self.start_bootstrap_client()
        self.configure_account()
        for code in (coap.GET, coap.PUT, coap.DELETE, FETCH):
            with self.subTest(method=code):
                response = self.request(code, "/bs")
                self.assert_code(response, METHOD_NOT_ALLOWED, f"{code} /bs")
        self.assert_running()
        self.expect_silence(self.server_peer, 0.5)

    def test_inconsistent_finish_rejected(self):
        self.start_bootstrap_client()
        # No Server instance, then one without a Security instance of its Short Server ID,
        # then an account in a (D)TLS mode, then two Bootstrap-Server accounts.
        steps = [
            lambda: None,
            lambda: self.write("/1/0", fmt.LWM2M_TLV, server_tlv(2)),
            lambda: self.write("/0/1", fmt.LWM2M_TLV, security_tlv(self.server_uri, 2, mode=0)),
            lambda: self.write("/0/1", fmt.LWM2M_TLV, security_tlv(self.server_uri, 2, True)),
        ]
        for index, prepare in enumerate(steps):
            with self.subTest(step=index):
                prepared = prepare()
                if prepared is not None:
                    self.assert_code(prepared, CHANGED, f"write before Finish {index}")
                response = self.request(coap.POST, "/bs")
                self.assert_code(response, NOT_ACCEPTABLE, f"Bootstrap-Finish {index}")
                self.assertNotEqual(response.payload, b"", "4.06 without a diagnostic payload")
        self.assert_running()
        self.expect_silence(self.server_peer, 0.5)

        # The Bootstrap-Server fixes the configuration, and the client registers with it.
        self.configure_account(ssid=2)
        response = self.request(coap.POST, "/bs")
        self.assert_code(response, CHANGED, "Bootstrap-Finish after the fix")
        self.expect_register()

    def test_protected_instances_not_deleted(self):
        self.start_bootstrap_client()
        for path in ("/0/0", "/3/0"):
            with self.subTest(path=path):
                response = self.request(coap.DELETE, path)
                self.assert_code(response, BAD_REQUEST, f"Bootstrap-Delete {path}")
        response = self.request(coap.DELETE, "/")
        self.assert_code(response, DELETED, "Bootstrap-Delete /")
        response = self.request(coap.DELETE, "/0")
        self.assert_code(response, DELETED, "Bootstrap-Delete /0")
        self.assert_running()
        links = self.discover()
        self.assertIn(f'</0/0>;uri="coap://127.0.0.1:{self.bootstrap_peer.port}"', links)
        self.assertIn("</3/0>", links)

    def test_odd_paths_not_found(self):
        self.start_bootstrap_client()
        cases = [
            (coap.POST, "/bs/x"),
            (coap.POST, "/x/bs"),
            (coap.GET, "/65535"),
            (coap.PUT, "/65535"),
            (coap.DELETE, "/0/65535"),
            (coap.GET, "/1/0/1/2/3"),
            (coap.GET, "/-1"),
            (coap.DELETE, "/0x1"),
        ]
        for code, path in cases:
            with self.subTest(code=code, path=path):
                response = self.request(code, path)
                self.assert_code(response, NOT_FOUND, f"{code} {path}")
        self.assert_running()

    def test_security_object_never_read(self):
        self.start_bootstrap_client()
        self.configure_account()
        response = self.write("/0/1/5", fmt.OCTET_STREAM, b"secret-key")
        self.assert_code(response, CHANGED, "Bootstrap-Write of the Secret Key")
        for path in ("/0", "/0/1", "/0/1/5", "/0/0/0"):
            with self.subTest(path=path):
                response = self.request(coap.GET, path)
                self.assert_code(response, METHOD_NOT_ALLOWED, f"Bootstrap-Read {path}")
                self.assertNotIn(b"secret-key", response.payload)
        self.assertNotIn("secret-key", self.discover())
        self.assert_running()

    def test_non_requests_answered_with_non(self):
        self.start_bootstrap_client()
        requests = [
            (coap.PUT, "/0/1", security_tlv(self.server_uri, 1), CHANGED),
            (coap.PUT, "/1/0", server_tlv(1), CHANGED),
            (coap.PUT, "/5/0", tlv_resource(1, 1), NOT_FOUND),
        ]
        for code, path, payload, expected in requests:
            with self.subTest(path=path):
                response = self.request(
                    code, path, content_format(fmt.LWM2M_TLV), payload, kind=coap.NON
                )
                self.assertEqual(response.type, coap.NON, coap.describe(response))
                self.assert_code(response, expected, f"NON {path}")
        response = self.request(coap.POST, "/bs", kind=coap.NON)
        self.assertEqual(response.type, coap.NON, coap.describe(response))
        self.assert_code(response, CHANGED, "NON Bootstrap-Finish")
        self.expect_register()

    def test_duplicates_get_the_cached_response(self):
        self.start_bootstrap_client()
        message_id, token = self.send_request(
            coap.PUT, "/0/1", content_format(fmt.LWM2M_TLV), security_tlv(self.server_uri, 1)
        )
        first = self.wait_response(message_id, token)
        self.assert_code(coap.decode(first), CHANGED, "Bootstrap-Write /0/1")

        # A Bootstrap-Delete, a new write of /0/1, then the Delete again with its message ID.
        # The duplicate gets the cached 2.02 and deletes nothing.
        delete_id, delete_token = self.send_request(coap.DELETE, "/0")
        delete_response = self.wait_response(delete_id, delete_token)
        self.assert_code(coap.decode(delete_response), DELETED, "Bootstrap-Delete /0")
        self.configure_account()
        delete_options = coap.path_options("/0")
        delete = coap.encode(coap.CON, coap.DELETE, delete_id, delete_token, delete_options)
        for attempt in range(3):
            with self.subTest(attempt=attempt):
                self.bootstrap_peer.send(delete)
                self.assertEqual(self.wait_response(delete_id, delete_token), delete_response)
        self.assertIn("</0/1>", self.discover("/0"))
        self.assert_running()

    def test_observe_not_established(self):
        self.start_bootstrap_client()
        self.configure_account()
        token = b"\x0b\x5e"
        message_id, _ = self.send_request(
            coap.GET, "/1/0", [(OBSERVE, b""), (ACCEPT, uint(fmt.SENML_CBOR))], token=token
        )
        response = coap.decode(self.wait_response(message_id, token))
        self.assert_code(response, CONTENT, "Bootstrap-Read /1/0 with Observe")
        # A response without Observe means no observation was made (RFC 7641).
        self.assertIsNone(option_uint(response, OBSERVE), coap.describe(response))
        values = fmt.senml_values(fmt.decode_senml_cbor(response.payload))
        self.assertEqual(values["/1/0/0"], 1, values)

        response = self.write("/1/0/1", fmt.TEXT_PLAIN, b"120")
        self.assert_code(response, CHANGED, "write of the observed lifetime")
        response = self.request(coap.GET, "/3/0", [(OBSERVE, b"")])
        self.assert_code(response, METHOD_NOT_ALLOWED, "Observe of /3/0")
        self.expect_silence(self.bootstrap_peer, 2.0)
        self.assert_running()

    def test_silent_bootstrap_server(self):
        self.start_bootstrap_client()
        self.configure_account()
        # The client waits EXCHANGE_LIFETIME for more requests: no Register and no new
        # Bootstrap-Request meanwhile.
        self.expect_silence(self.bootstrap_peer, 5.0)
        self.expect_silence(self.server_peer, 0.1)
        self.assert_running()
        self.assertIn("</1/0>;ssid=1", self.discover())

    def test_valid_configuration_after_errors(self):
        self.start_bootstrap_client()
        self.write("/0/1/2", fmt.TEXT_PLAIN, b"seven")
        self.write("/0", fmt.LWM2M_TLV, b"\xff")
        self.request(coap.POST, "/bs")
        self.request(coap.DELETE, "/0/0")
        self.request(coap.GET, "/bs")
        response = self.request(coap.DELETE, "/")
        self.assert_code(response, DELETED, "Bootstrap-Delete /")
        self.configure_account()
        response = self.request(coap.POST, "/bs")
        self.assert_code(response, CHANGED, "Bootstrap-Finish")
        self.expect_register()
        self.assert_running()

    # -- bugs found by the bootstrap fuzzer and fixed --------------------------------------

    def test_requests_after_finish_not_applied(self):
        # A Bootstrap-Delete reaches the client in the same step as an accepted
        # Bootstrap-Finish. The client still applies it, then finds no account and stops
        # (kFailed) without a log line, and the demo client exits.
        self.start_bootstrap_client()
        self.configure_account()
        self.client.send_signal(signal.SIGSTOP)
        try:
            wait_stopped(self.client.pid)
            finish_id, finish_token = self.send_request(coap.POST, "/bs")
            delete_id, delete_token = self.send_request(coap.DELETE, "/")
            # Both datagrams wait in the socket buffer until the client runs again.
            time.sleep(0.2)
        finally:
            self.client.send_signal(signal.SIGCONT)
        finish = coap.decode(self.wait_response(finish_id, finish_token))
        self.assert_code(finish, CHANGED, "Bootstrap-Finish")

        # The Delete may get an error or no response, but it must not take effect.
        datagram = self.bootstrap_peer.receive(RESPONSE_TIMEOUT_S)
        if datagram is not None:
            delete = coap.decode(datagram)
            self.assertEqual(delete.message_id, delete_id, coap.describe(delete))
            self.assertNotEqual(
                coap.code_text(delete.code),
                coap.code_text(DELETED),
                "a Bootstrap-Delete after the accepted Bootstrap-Finish was applied\n"
                + self.describe(),
            )
        self.expect_register()

    def test_finish_before_request_response(self):
        # The Bootstrap-Server configures the client and sends Bootstrap-Finish but never
        # responds to the Bootstrap-Request. The client keeps retransmitting it, and when it
        # times out with no attempt left, the client gives up despite its 2.04 to the Finish.
        self.endpoint = "bs-robust-finish-first"
        arguments = ["--bootstrap", f"coap://127.0.0.1:{self.bootstrap_peer.port}"]
        arguments += ["--retry-count", "1", "--sequence-retry-count", "1"]
        arguments += ["--ack-timeout-ms", "1000", "--max-retransmit", "1"]
        self.client = self.start_client(None, self.endpoint, arguments)
        self.addCleanup(self.respond_to_deregister)
        request = self.receive(self.bootstrap_peer, "Bootstrap-Request")
        self.assertEqual(coap.option_values(request, coap.URI_PATH), ["bs"])

        self.configure_account()
        response = self.request(coap.POST, "/bs")
        self.assert_code(response, CHANGED, "Bootstrap-Finish")
        self.expect_register()

    def test_last_rejected_finish_answered(self):
        # With no Bootstrap-Request attempt left, the client gives up while it handles the
        # Bootstrap-Finish, closes its socket, and the 4.06 is never sent.
        self.start_bootstrap_client(["--retry-count", "1", "--sequence-retry-count", "1"])
        response = self.request(coap.POST, "/bs")
        self.assert_code(response, NOT_ACCEPTABLE, "Bootstrap-Finish without a Server instance")

    def test_rejected_session_not_saved(self):
        # A session ends with a rejected Bootstrap-Finish and no attempt left. The client
        # saves what the session wrote, here the Bootstrap-Server account turned into a
        # server account, so after a restart it has no usable account at all.
        self.start_bootstrap_client(["--retry-count", "1", "--sequence-retry-count", "1"])
        response = self.write("/0/0/1", fmt.TEXT_PLAIN, b"0")
        self.assert_code(response, CHANGED, "write of /0/0/1")
        self.send_request(coap.POST, "/bs")
        self.assertIsNotNone(self.client.wait_exit(STEP_TIMEOUT_S), "client did not give up")

        if os.path.exists(self.state_path):
            with open(self.state_path, "rb") as state:
                saved = state_file.decode_state(state.read())
            bootstrap_accounts = [account for account in saved["accounts"] if account["bootstrap"]]
            self.assertEqual(len(bootstrap_accounts), 1, f"saved accounts: {saved['accounts']}")

        arguments = ["--bootstrap", f"coap://127.0.0.1:{self.bootstrap_peer.port}"]
        restarted = self.start_client(
            None, self.endpoint, arguments + ["--state-file", self.state_path]
        )
        request = self.bootstrap_peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(
            request, "the restarted client sent no Bootstrap-Request\n" + restarted.describe()
        )


if __name__ == "__main__":
    unittest.main()
