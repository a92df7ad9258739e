"""The LwM2M server side of bench/cpu/run: a UDP socket on 127.0.0.1 that responds to
Register and De-register and sends one request at a time, each after the response to
the previous one. Every receive has a timeout."""

import os
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import coap_message as coap  # noqa: E402

OBSERVE = 6
ACCEPT = 17
TEXT_PLAIN = 0
LINK_FORMAT = 40
SENML_CBOR = 112
TLV = 11542
LOCATION = ("rd", "5a3f")
# Under callgrind the client runs many times slower than natively.
RECEIVE_TIMEOUT_S = 30.0


class PeerError(RuntimeError):
    pass


def ten_integers_tlv():
    """TLV of resources 0 to 9 of /32770/0, each the 2-byte integer 1000 + ID (type byte
    0xC2: resource with value, 8-bit ID, 2-byte length; LwM2M Core 1.1, 7.4.3)."""
    return b"".join(bytes([0xC2, i]) + (1000 + i).to_bytes(2, "big") for i in range(10))


# The request of each case: (CoAP method, path, options, payload, expected response code).
REQUESTS = {
    "read-device-senml-cbor": (coap.GET, "/3/0", [(ACCEPT, coap.encode_uint(SENML_CBOR))], b"",
                               coap.CONTENT),
    "read-manufacturer-text": (coap.GET, "/3/0/0", [(ACCEPT, coap.encode_uint(TEXT_PLAIN))], b"",
                               coap.CONTENT),
    "discover-device": (coap.GET, "/3", [(ACCEPT, coap.encode_uint(LINK_FORMAT))], b"",
                        coap.CONTENT),
    # The lifetime the client registered with, so the Write triggers no Update.
    "write-lifetime-text": (coap.PUT, "/1/0/1",
                            [(coap.CONTENT_FORMAT, coap.encode_uint(TEXT_PLAIN))], b"86400",
                            coap.CHANGED),
    "write-ten-tlv": (coap.PUT, "/32770/0", [(coap.CONTENT_FORMAT, coap.encode_uint(TLV))],
                      ten_integers_tlv(), coap.CHANGED),
}


class Peer:
    """One LwM2M server session with one client, on a socket bound to 127.0.0.1."""

    def __init__(self, before_request=None):
        """`before_request`, if given, is called before each request is sent."""
        self.before_request = before_request
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.client = None
        self.next_message_id = 0x4000
        self.next_token = 1
        self.notifications = 0
        self.last_response = None
        self.register_bytes = 0

    def close(self):
        self.sock.close()

    def _receive(self, timeout_s):
        """Return the next datagram from the client, decoded; a NON or CON notification
        (a response code with an Observe option) is counted, ACKed if CON, and skipped."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerError(f"nothing received from the client within {timeout_s:.0f} s")
            self.sock.settimeout(remaining)
            try:
                data, address = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            message = coap.decode(data)
            self.client = address
            if message.type in (coap.CON, coap.NON) and message.code >> 5 == 2 and \
                    coap.uint_option(message, OBSERVE) is not None:
                self.notifications += 1
                if message.type == coap.CON:
                    self.sock.sendto(coap.encode(coap.ACK, coap.EMPTY, message.message_id),
                                     address)
                continue
            return message, len(data)

    def serve_register(self):
        """Wait for the Register and respond with 2.01 Created with the Location-Path."""
        message, length = self._receive(RECEIVE_TIMEOUT_S * 2)
        if message.code != coap.POST or coap.option_values(message, coap.URI_PATH) != ["rd"]:
            raise PeerError(f"expected Register, got {coap.describe(message)}")
        self.register_bytes = length
        options = [(coap.LOCATION_PATH, segment) for segment in LOCATION]
        self.sock.sendto(coap.encode(coap.ACK, coap.CREATED, message.message_id, message.token,
                                     options), self.client)

    def serve_deregister(self):
        """Wait for the De-register and respond with 2.02 Deleted."""
        message, _ = self._receive(RECEIVE_TIMEOUT_S)
        if message.code != coap.DELETE or \
                coap.option_values(message, coap.URI_PATH) != list(LOCATION):
            raise PeerError(f"expected De-register, got {coap.describe(message)}")
        self.sock.sendto(coap.encode(coap.ACK, coap.DELETED, message.message_id, message.token),
                         self.client)

    def request(self, method, path, options=(), payload=b"", expected=coap.CONTENT):
        """Send a confirmable request and wait for the piggybacked response."""
        message_id = self.next_message_id
        self.next_message_id = (self.next_message_id + 1) & 0xFFFF
        token = self.next_token.to_bytes(4, "big")
        self.next_token += 1
        request = coap.encode(coap.CON, method, message_id, token,
                              list(options) + coap.path_options(path), payload)
        if self.before_request is not None:
            self.before_request()
        self.sock.sendto(request, self.client)
        response, length = self._receive(RECEIVE_TIMEOUT_S)
        if response.type != coap.ACK or response.message_id != message_id or \
                response.code != expected:
            raise PeerError(f"{path}: expected ACK {coap.code_text(expected)} to message "
                            f"{message_id}, got {coap.describe(response)}")
        self.last_response = (response, length)
        return response

    def send_case_request(self, case):
        method, path, options, payload, expected = REQUESTS[case]
        return self.request(method, path, options, payload, expected)

    def observe_sensors(self, count):
        """Observe resource 0 of instances 0 to `count` - 1 of object 32771, in SenML CBOR."""
        for instance in range(count):
            self.request(coap.GET, f"/32771/{instance}/0",
                         [(OBSERVE, b""), (ACCEPT, coap.encode_uint(SENML_CBOR))])

    def wait_notifications(self, count):
        """Wait until `count` notifications in all have arrived."""
        deadline = time.monotonic() + RECEIVE_TIMEOUT_S
        while self.notifications < count:
            if time.monotonic() > deadline:
                raise PeerError(f"{self.notifications} of {count} notifications arrived")
            try:
                message, _ = self._receive(max(0.01, deadline - time.monotonic()))
            except PeerError:
                continue
            raise PeerError(f"expected a notification, got {coap.describe(message)}")
