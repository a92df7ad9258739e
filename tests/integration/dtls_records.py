"""DTLS 1.2 records and handshake messages as raw bytes, for peers that misbehave on purpose.

Only what the robustness tests send and parse: the record header, the handshake header,
HelloVerifyRequest, a minimal ServerHello and alerts, as DTLS 1.2 (RFC 6347) defines them.
Nothing here encrypts, so every record is an epoch 0 plaintext record unless a test sets
another epoch on purpose.
"""

import os
import struct

CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23

DTLS_1_0 = 0xFEFF
DTLS_1_2 = 0xFEFD

CLIENT_HELLO = 1
SERVER_HELLO = 2
HELLO_VERIFY_REQUEST = 3

ALERT_WARNING = 1
ALERT_FATAL = 2
CLOSE_NOTIFY = 0
HANDSHAKE_FAILURE = 40

RECORD_HEADER_LENGTH = 13
HANDSHAKE_HEADER_LENGTH = 12

# TLS_PSK_WITH_AES_128_CCM_8, the first suite of the client's PSK offer.
TLS_PSK_WITH_AES_128_CCM_8 = 0xC0A8


def record(content_type, fragment, epoch=0, sequence=0, version=DTLS_1_2, length=None):
    """Return one record. `length` overrides the length field, for records that lie about it."""
    if length is None:
        length = len(fragment)
    header = struct.pack(">BHH", content_type, version, epoch)
    header += sequence.to_bytes(6, "big") + struct.pack(">H", length)
    return header + fragment


def handshake(message_type, body, message_seq=0):
    """Return one unfragmented handshake message with its DTLS header."""
    length = len(body).to_bytes(3, "big")
    header = struct.pack(">B", message_type) + length + struct.pack(">H", message_seq)
    return header + (0).to_bytes(3, "big") + length + body


def hello_verify_request(cookie, version=DTLS_1_0):
    """Return a HelloVerifyRequest body. DTLS 1.2 servers send it with version DTLS 1.0."""
    return struct.pack(">HB", version, len(cookie)) + cookie


def server_hello(version=DTLS_1_2, suite=TLS_PSK_WITH_AES_128_CCM_8, session_id=b""):
    """Return a ServerHello body with a random value, no compression and no extensions."""
    body = struct.pack(">H", version) + os.urandom(32)
    body += struct.pack(">B", len(session_id)) + session_id
    return body + struct.pack(">HB", suite, 0)


def alert(level, description):
    return struct.pack(">BB", level, description)


class Record:
    """One parsed record header and its fragment."""

    def __init__(self, content_type, version, epoch, sequence, fragment):
        self.content_type = content_type
        self.version = version
        self.epoch = epoch
        self.sequence = sequence
        self.fragment = fragment

    def handshake_type(self):
        """Return the handshake message type, or None for another content type."""
        if self.content_type != HANDSHAKE or not self.fragment:
            return None
        return self.fragment[0]


def parse_records(datagram):
    """Return the records of a datagram. A truncated last record is left out."""
    records = []
    position = 0
    while position + RECORD_HEADER_LENGTH <= len(datagram):
        content_type, version, epoch = struct.unpack_from(">BHH", datagram, position)
        sequence = int.from_bytes(datagram[position + 5 : position + 11], "big")
        (length,) = struct.unpack_from(">H", datagram, position + 11)
        start = position + RECORD_HEADER_LENGTH
        if start + length > len(datagram):
            break
        fragment = datagram[start : start + length]
        records.append(Record(content_type, version, epoch, sequence, fragment))
        position = start + length
    return records


def is_client_hello(datagram):
    return any(r.handshake_type() == CLIENT_HELLO for r in parse_records(datagram))


def client_hello_cookie(datagram):
    """Return the cookie of the first ClientHello in `datagram`, or None if it has none."""
    for found in parse_records(datagram):
        if found.handshake_type() != CLIENT_HELLO:
            continue
        body = found.fragment[HANDSHAKE_HEADER_LENGTH:]
        # client_version (2), random (32), session_id, then cookie.
        position = 34
        if position >= len(body):
            return None
        position += 1 + body[position]
        if position >= len(body):
            return None
        return body[position + 1 : position + 1 + body[position]]
    return None
