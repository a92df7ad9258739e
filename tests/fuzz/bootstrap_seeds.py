#!/usr/bin/python3
"""Writes the seed corpus of bootstrap_fuzzer. Its datagram sequences play a
Bootstrap-Server that deletes, writes the Security and Server objects in TLV
and SenML CBOR, reads, discovers and finishes, followed by the LwM2M
Server's response to the Register. Other sequences break the rules: capacity
overruns, unknown objects, executable resources, unsupported formats,
Block1, wrong methods on /bs, protected instances, NON and duplicate
requests, Observe, a Bootstrap-Finish the client must reject, and a
Bootstrap-Server that falls silent. The layout is the one in the fuzzer's
header comment. Run from the repository root."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client_seeds import (  # noqa: E402
    ACCEPT,
    CON,
    CONTENT_FORMAT,
    DELETE,
    FETCH,
    GET,
    NON,
    POST,
    PUT,
    SENML_CBOR,
    TEXT,
    Server,
    message,
    path,
    uint,
    write_corpus,
)

OUT = "tests/fuzz/corpus/bootstrap"

ACK = 2
CHANGED, CREATED, DELETED = 0x44, 0x41, 0x42
BLOCK1, LOCATION_PATH = 27, 8
LINK_FORMAT, OPAQUE, TLV = 40, 42, 11542

# The client's message IDs: its fake random source returns 0, so the
# Bootstrap-Request is 0 and every token is four zero bytes. The fuzzer
# itself sends the response to that first request. A NON response takes an
# ID too.
CLIENT_TOKEN = bytes(4)

SERVER_URI = "coap://192.0.2.1:5683"
# Longer than the 111 characters a Security instance keeps.
LONG_URI = "coap://" + "h" * 120 + ":5683"

# A clock byte that delivers the datagram in the same step as the next one.
SAME_STEP = 255


# LwM2M TLV: type byte, identifier, length, value. The top two bits of the
# type byte give the kind of entry.
TLV_INSTANCE, TLV_RESOURCE = 0, 3


def tlv(kind, identifier, value):
    head = kind << 6
    ident = identifier.to_bytes(1 if identifier < 256 else 2, "big")
    if identifier >= 256:
        head |= 0x20
    if len(value) < 8:
        head |= len(value)
        length = b""
    elif len(value) < 256:
        head |= 0x08
        length = bytes([len(value)])
    else:
        head |= 0x10
        length = len(value).to_bytes(2, "big")
    return bytes([head]) + ident + length + value


def tlv_int(identifier, value):
    for size in (1, 2, 4, 8):
        if -(1 << (8 * size - 1)) <= value < (1 << (8 * size - 1)):
            return tlv(TLV_RESOURCE, identifier, value.to_bytes(size, "big", signed=True))
    raise ValueError(value)


def tlv_text(identifier, text):
    return tlv(TLV_RESOURCE, identifier, text.encode())


def tlv_bool(identifier, flag):
    return tlv(TLV_RESOURCE, identifier, bytes([1 if flag else 0]))


def security_tlv(uri, ssid, bootstrap=False):
    """The resources of a NoSec Security instance."""
    return tlv_text(0, uri) + tlv_bool(1, bootstrap) + tlv_int(2, 3) + tlv_int(10, ssid)


def server_tlv(ssid, lifetime=300):
    return tlv_int(0, ssid) + tlv_int(1, lifetime) + tlv_bool(6, False) + tlv_text(7, "U")


# CBOR (RFC 8949) as far as SenML needs: small maps, ints, text, booleans.
def cbor_head(major, value):
    if value < 24:
        return bytes([(major << 5) | value])
    if value < 256:
        return bytes([(major << 5) | 24, value])
    return bytes([(major << 5) | 25]) + value.to_bytes(2, "big")


def cbor(item):
    if isinstance(item, bool):
        return b"\xf5" if item else b"\xf4"
    if isinstance(item, int):
        return cbor_head(0, item) if item >= 0 else cbor_head(1, -1 - item)
    if isinstance(item, str):
        return cbor_head(3, len(item.encode())) + item.encode()
    if isinstance(item, bytes):
        return cbor_head(2, len(item)) + item
    if isinstance(item, list):
        return cbor_head(4, len(item)) + b"".join(cbor(entry) for entry in item)
    if isinstance(item, dict):
        return cbor_head(5, len(item)) + b"".join(cbor(k) + cbor(v) for k, v in item.items())
    raise TypeError(item)


# SenML CBOR labels (RFC 8428): bn -2, n 0, v 2, vs 3, vb 4.
BN, N, V, VS, VB = -2, 0, 2, 3, 4


def senml(base, records):
    """A SenML CBOR pack: `records` are (name, label, value) under base name `base`."""
    pack = []
    for index, (name, label, value) in enumerate(records):
        record = {BN: base} if index == 0 else {}
        record[N] = name
        record[label] = value
        pack.append(record)
    return cbor(pack)


def security_senml(base, uri, ssid, bootstrap=False):
    return senml(base, [("0", VS, uri), ("1", VB, bootstrap), ("2", V, 3), ("10", V, ssid)])


def server_senml(base, ssid, lifetime=300):
    return senml(base, [("0", V, ssid), ("1", V, lifetime), ("6", VB, False), ("7", VS, "U")])


def fmt(number):
    return [(CONTENT_FORMAT, uint(number))]


def write(server, target, content_format, payload, **kwargs):
    server.request(PUT, target, options=fmt(content_format), payload=payload, **kwargs)


def finish(server, **kwargs):
    server.request(POST, "/bs", **kwargs)


def answer_register(server, message_ids=(1, 2)):
    """Sends 2.01 for the Register. Its message ID depends on how many NON
    responses went before, so the ACK goes to a few candidate IDs, and the
    client ignores ACKs to the others."""
    for message_id in message_ids:
        server.send(message(ACK, CREATED, message_id, CLIENT_TOKEN,
                            [(LOCATION_PATH, b"rd"), (LOCATION_PATH, b"0")]))


def ack(server, code, message_id, wait_ms=0):
    server.send(message(ACK, code, message_id, CLIENT_TOKEN), wait_ms)


def configure_tlv(server):
    server.request(DELETE, "/")
    write(server, "/0/1", TLV, security_tlv(SERVER_URI, 1))
    write(server, "/1/0", TLV, server_tlv(1))


def delete_write_tlv_finish(server):
    configure_tlv(server)
    server.request(GET, "/1", options=[(ACCEPT, uint(TLV))])
    server.request(GET, "/", options=[(ACCEPT, uint(LINK_FORMAT))])
    server.request(GET, "/0", options=[(ACCEPT, uint(LINK_FORMAT))])
    finish(server)
    answer_register(server)
    server.wait(30000)


def write_objects_tlv(server):
    # Object-level Bootstrap-Writes: Object Instance TLVs around the resources.
    server.request(DELETE, "/0")
    server.request(DELETE, "/1")
    write(server, "/0", TLV, tlv(TLV_INSTANCE, 1, security_tlv(SERVER_URI, 7)))
    write(server, "/1", TLV, tlv(TLV_INSTANCE, 0, server_tlv(7, 120)))
    server.request(GET, "/1/0/1")
    finish(server)
    answer_register(server)


def write_senml_cbor_finish(server):
    server.request(DELETE, "/")
    write(server, "/0/1", SENML_CBOR, security_senml("/0/1/", SERVER_URI, 3))
    write(server, "/1", SENML_CBOR, server_senml("/1/0/", 3))
    server.request(GET, "/1", options=[(ACCEPT, uint(SENML_CBOR))])
    server.request(GET, "/1/0", options=[(ACCEPT, uint(SENML_CBOR))], observe=0, token=b"\x31")
    finish(server)
    answer_register(server)
    server.wait(60000)


def write_resources_text(server):
    # One resource per Bootstrap-Write, as text/plain and opaque.
    write(server, "/0/1/0", TEXT, SERVER_URI.encode())
    write(server, "/0/1/1", TEXT, b"0")
    write(server, "/0/1/2", TEXT, b"3")
    write(server, "/0/1/10", TEXT, b"9")
    write(server, "/0/1/3", OPAQUE, b"identity")
    write(server, "/1/0/0", TEXT, b"9")
    write(server, "/1/0/1", TEXT, b"90")
    write(server, "/1/0/16", TEXT, b"0")
    write(server, "/1/0/17", TEXT, b"1")
    finish(server)
    answer_register(server)


def inconsistent_finish_then_fix(server):
    finish(server)  # no Server instance: 4.06
    write(server, "/1/0", TLV, server_tlv(2))
    write(server, "/0/1", TLV, security_tlv(SERVER_URI, 5))
    finish(server)  # no Security instance with Short Server ID 2: 4.06
    write(server, "/0/1", TLV, security_tlv("coaps://192.0.2.1:5684", 2))
    finish(server)  # coaps:// is not usable: 4.06
    write(server, "/0/1/0", TEXT, SERVER_URI.encode())
    write(server, "/0/1/1", TEXT, b"1")
    finish(server)  # two Bootstrap-Server accounts: 4.06
    write(server, "/0/1/1", TEXT, b"0")
    finish(server)
    answer_register(server)


def capacity_and_bad_targets(server):
    configure_tlv(server)
    # A third Security instance and a second Server instance: 4.13.
    write(server, "/0", TLV, tlv(TLV_INSTANCE, 2, security_tlv(SERVER_URI, 2)) +
          tlv(TLV_INSTANCE, 3, security_tlv(SERVER_URI, 3)))
    write(server, "/1/1", TLV, server_tlv(4))
    write(server, "/0/1/0", TEXT, LONG_URI.encode())
    write(server, "/0/1/5", OPAQUE, bytes(range(40)))
    write(server, "/0/1/3", OPAQUE, bytes(33))
    # Unknown object, executable resource, unknown format, bad values.
    write(server, "/5/0", TLV, tlv_int(1, 1))
    write(server, "/1/0/4", TEXT, b"")
    write(server, "/1/0/8", TLV, tlv_int(8, 1))
    write(server, "/0/1", 9999, b"\x00")
    write(server, "/0/1/2", TEXT, b"seven")
    write(server, "/0/1/10", TEXT, b"70000")
    write(server, "/1/0/0", TEXT, b"65535")
    write(server, "/1/0/7", TEXT, b"Q")
    write(server, "/0/1", TLV, b"")
    write(server, "/0/1/0/1/2", TEXT, b"x")
    write(server, "/", TLV, tlv(TLV_INSTANCE, 1, security_tlv(SERVER_URI, 1)))
    # Block1 beyond the first block: 4.13.
    server.request(PUT, "/0/1", options=fmt(TLV) + [(BLOCK1, uint(0x1A))],
                   payload=security_tlv(SERVER_URI, 1)[:16])
    server.request(PUT, "/0/1", options=fmt(TLV) + [(BLOCK1, uint(0x02))],
                   payload=security_tlv(SERVER_URI, 1))
    finish(server)
    answer_register(server)


def wrong_methods_and_paths(server):
    server.request(GET, "/bs")
    server.request(PUT, "/bs")
    server.request(DELETE, "/bs")
    server.request(POST, "/bs/x")
    server.request(POST, "/bs", options=[(11, b"")])
    server.request(GET, "/65535")
    server.request(GET, "/0")
    server.request(GET, "/0/0/0")
    server.request(GET, "/3/0")
    server.request(GET, "/")
    server.request(GET, "/1/0/1/2/3")
    server.request(GET, "/1/0", options=[(ACCEPT, uint(LINK_FORMAT))])
    server.request(POST, "/1/0/9")
    server.request(POST, "/1")
    server.request(FETCH, "/", options=fmt(SENML_CBOR), payload=senml("/1/0/", [("1", V, 0)]))
    server.request(7, "/", options=fmt(SENML_CBOR), payload=senml("/1/0/", [("1", V, 10)]))
    server.request(DELETE, "/0/0")
    server.request(DELETE, "/3/0")
    server.request(DELETE, "/3")
    server.request(DELETE, "/0/1/0")
    server.request(DELETE, "/9")
    server.request(DELETE, "/1/9")
    configure_tlv(server)
    finish(server)
    answer_register(server)


def non_duplicates_and_observe(server):
    server.request(DELETE, "/", kind=NON, token=b"\x21")
    write(server, "/0/1", TLV, security_tlv(SERVER_URI, 1), kind=NON, token=b"\x22")
    # The same message ID twice: the second gets the cached response.
    duplicate = message(CON, PUT, 0x2000, b"\x23", path("/1/0") + fmt(TLV), server_tlv(1))
    server.send(duplicate)
    server.send(duplicate, wait_ms=500)
    # A different request under the same message ID and token.
    server.send(message(CON, GET, 0x2000, b"\x23", path("/0/1")))
    server.request(GET, "/1/0", token=b"\x24", observe=0)
    server.request(GET, "/1/0/1", token=b"\x25", observe=0, kind=NON)
    server.wait(5000)
    finish(server, kind=NON, token=b"\x26")
    answer_register(server, message_ids=range(1, 6))
    server.wait(10000)


def finish_then_reads(server):
    # Reads that arrive in the same step as an accepted Bootstrap-Finish.
    # NOTE: no Bootstrap-Write or -Delete here: the client still applies
    # them after the Bootstrap-Finish it has accepted, and then fails.
    configure_tlv(server)
    server.request(POST, "/bs", clock=SAME_STEP)
    server.request(GET, "/1/0", clock=SAME_STEP)
    server.request(GET, "/", options=[(ACCEPT, uint(LINK_FORMAT))])
    answer_register(server)
    server.wait(10000)


def silent_server(server):
    # Writes, then no Bootstrap-Finish: the session ends after
    # EXCHANGE_LIFETIME (247 s) and a new Bootstrap-Request follows 60 s later.
    server.request(DELETE, "/")
    write(server, "/0/0/1", TEXT, b"0")
    write(server, "/0/0/10", TEXT, b"1")
    write(server, "/1/0", TLV, server_tlv(1))
    for _ in range(13):
        server.wait(25000)
    ack(server, CHANGED, 1)
    configure_tlv(server)
    finish(server)
    answer_register(server, message_ids=(2, 3))


def rejected_bootstrap_request(server):
    # The session ends without Bootstrap-Finish, the Bootstrap-Server rejects
    # the next Bootstrap-Request with 4.03 and accepts the one after it.
    configure_tlv(server)
    server.wait(250000)
    server.wait(60000)
    ack(server, 0x83, 1)
    server.wait(120000)
    ack(server, CHANGED, 2)
    configure_tlv(server)
    finish(server)
    answer_register(server, message_ids=(3, 4))


def trigger_bootstrap_again(server):
    # Registered, then Bootstrap-Request Trigger (/1/0/9) from the LwM2M
    # Server: De-register, a second Bootstrap-Request, a second configuration.
    configure_tlv(server)
    finish(server)
    answer_register(server, message_ids=(1,))
    server.request(POST, "/1/0/9")
    ack(server, DELETED, 2)
    ack(server, CHANGED, 3)
    server.request(DELETE, "/")
    write(server, "/0/1", SENML_CBOR, security_senml("/0/1/", "coap://192.0.2.3", 4))
    write(server, "/1/0", SENML_CBOR, server_senml("/1/0/", 4))
    finish(server)
    answer_register(server, message_ids=(4,))
    server.wait(40000)


def registration_fails_then_bootstraps(server):
    # The LwM2M Server rejects every Register: after the retries the client
    # bootstraps again (Bootstrap on Registration Failure, /1/0/16).
    configure_tlv(server)
    write(server, "/1/0/17", TEXT, b"1")
    finish(server)
    ack(server, 0x83, 1)
    ack(server, CHANGED, 2, wait_ms=100)
    server.request(DELETE, "/1")
    finish(server)
    configure_tlv(server)
    finish(server)
    answer_register(server, message_ids=(3, 4))


SEEDS = {
    "delete_write_tlv_finish": delete_write_tlv_finish,
    "write_objects_tlv": write_objects_tlv,
    "write_senml_cbor_finish": write_senml_cbor_finish,
    "write_resources_text": write_resources_text,
    "inconsistent_finish_then_fix": inconsistent_finish_then_fix,
    "capacity_and_bad_targets": capacity_and_bad_targets,
    "wrong_methods_and_paths": wrong_methods_and_paths,
    "non_duplicates_and_observe": non_duplicates_and_observe,
    "finish_then_reads": finish_then_reads,
    "silent_server": silent_server,
    "rejected_bootstrap_request": rejected_bootstrap_request,
    "trigger_bootstrap_again": trigger_bootstrap_again,
    "registration_fails_then_bootstraps": registration_fails_then_bootstraps,
}

# The input length modulo 4 picks the configuration (see bootstrap_fuzzer.cpp).
VARIANTS = {"v11": 0, "v12": 1, "v10": 2, "v11_one_attempt": 3}


class BootstrapServer(Server):
    """Server of client_seeds.py whose requests may share a step with the next one.
    A clock byte of 255 means that, so a long wait moves the clock in steps of
    at most 254 ticks."""

    def send(self, datagram, wait_ms=0):
        ticks = wait_ms // 100
        while ticks > SAME_STEP - 1:
            self.records += bytes([SAME_STEP - 1, 0, 0])
            ticks -= SAME_STEP - 1
        self.records += bytes([ticks]) + len(datagram).to_bytes(2, "big") + datagram

    def request(self, code, target, clock=None, **kwargs):
        if clock is None:
            super().request(code, target, **kwargs)
            return
        start = len(self.records)
        super().request(code, target, **kwargs)
        self.records[start] = clock


def main():
    write_corpus(OUT, SEEDS, VARIANTS, BootstrapServer)


if __name__ == "__main__":
    main()
