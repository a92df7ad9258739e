#!/usr/bin/python3
"""Writes the seed corpus of client_fuzzer: datagram sequences that observe
resources (GET with Observe, FETCH with Observe-Composite), write
notification attributes, move the clock past pmin, pmax, epmin and epmax,
acknowledge or reject notifications by message ID, and cancel observations.
The layout is the one in the fuzzer's header comment. Run from the
repository root."""

import os

OUT = "tests/fuzz/corpus/client"

CON, NON, ACK, RST = 0, 1, 2, 3
EMPTY, GET, POST, PUT, DELETE, FETCH = 0, 1, 2, 3, 4, 5

OBSERVE, URI_PATH, CONTENT_FORMAT, URI_QUERY, ACCEPT, BLOCK2 = 6, 11, 12, 15, 17, 23
TEXT, SENML_JSON, SENML_CBOR = 0, 110, 112

# The fuzzer's client takes message IDs from 0 (its fake random source
# returns 0): the Register is 0, and its notifications count up from 1.
CLIENT_IDS = range(1, 7)


def uint(value):
    """A CoAP uint option value: the shortest big-endian form, empty for 0."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def option_nibble(value):
    if value < 13:
        return value, b""
    if value < 269:
        return 13, bytes([value - 13])
    return 14, (value - 269).to_bytes(2, "big")


def message(kind, code, message_id, token=b"", options=(), payload=b""):
    """Encodes a CoAP message (RFC 7252, 3), sorting the options by number."""
    out = bytearray([0x40 | (kind << 4) | len(token), code])
    out += message_id.to_bytes(2, "big") + token
    previous = 0
    for number, value in sorted(options, key=lambda item: item[0]):
        delta, delta_extra = option_nibble(number - previous)
        length, length_extra = option_nibble(len(value))
        out += bytes([(delta << 4) | length]) + delta_extra + length_extra + value
        previous = number
    if payload:
        out += b"\xff" + payload
    return bytes(out)


def path(text):
    return [(URI_PATH, segment.encode()) for segment in text.strip("/").split("/") if segment]


def queries(*items):
    return [(URI_QUERY, item.encode()) for item in items]


class Server:
    """The server's side: message IDs from 0x1000 and one record per datagram."""

    def __init__(self):
        self.next_id = 0x1000
        self.records = bytearray()

    def send(self, datagram, wait_ms=0):
        """Delivers `datagram` after moving the clock by `wait_ms` (100 ms units)."""
        ticks = wait_ms // 100
        while ticks > 255:
            self.records += bytes([255, 0, 0])
            ticks -= 255
        self.records += bytes([ticks]) + len(datagram).to_bytes(2, "big") + datagram

    def wait(self, wait_ms):
        """Moves the clock with an empty datagram, which the client ignores."""
        self.send(b"", wait_ms)

    def request(self, code, target, token=b"\x70", observe=None, options=(), payload=b"",
                kind=CON, wait_ms=0):
        message_id = self.next_id
        self.next_id += 1
        all_options = path(target) + list(options)
        if observe is not None:
            all_options.append((OBSERVE, uint(observe)))
        self.send(message(kind, code, message_id, token, all_options, payload), wait_ms)

    def empty(self, kind, message_id, wait_ms=0):
        self.send(message(kind, EMPTY, message_id), wait_ms)


def cbor_text(text):
    data = text.encode()
    assert len(data) < 24
    return bytes([0x60 | len(data)]) + data


def senml_cbor_paths(*names):
    """A SenML CBOR array of {n: name} records (RFC 8428, 6: n is key 0)."""
    out = bytearray([0x80 | len(names)])
    for name in names:
        out += b"\xa1\x00" + cbor_text(name)
    return bytes(out)


def senml_json_paths(*names):
    return ("[" + ",".join('{"n":"%s"}' % name for name in names) + "]").encode()


def observe_device(server):
    server.request(GET, "/3/0", token=b"\x01", observe=0)
    server.request(PUT, "/3/0", options=queries("pmin=1", "pmax=5"))
    server.wait(5000)
    server.empty(ACK, 1, wait_ms=200)
    server.wait(6000)
    server.empty(RST, 2, wait_ms=100)
    server.request(GET, "/3/0", token=b"\x01", observe=1, wait_ms=1000)


def observe_lifetime_senml_cbor(server):
    server.request(GET, "/1/0/1", token=b"\x02", observe=0, options=[(ACCEPT, uint(SENML_CBOR))])
    server.request(PUT, "/1/0/1", options=[(CONTENT_FORMAT, uint(TEXT))], payload=b"120")
    server.request(PUT, "/1/0/1", options=queries("pmax=3"))
    for message_id in CLIENT_IDS:
        server.empty(ACK, message_id, wait_ms=3100)
    server.empty(RST, 4, wait_ms=3100)


def observe_with_all_attributes(server):
    server.request(PUT, "/1/0/1", options=queries(
        "pmin=1", "pmax=10", "gt=200", "lt=50", "st=10", "epmin=1", "epmax=20"))
    server.request(GET, "/1/0/1", token=b"\x03\x04", observe=0)
    server.request(PUT, "/1/0/1", options=[(CONTENT_FORMAT, uint(TEXT))], payload=b"300",
                   wait_ms=500)
    server.request(PUT, "/1/0/1", options=[(CONTENT_FORMAT, uint(TEXT))], payload=b"20",
                   wait_ms=1500)
    server.wait(20000)
    server.empty(ACK, 1)
    server.wait(25000)
    server.request(PUT, "/1/0/1", options=queries("gt", "lt", "st"))
    server.wait(10000)
    server.request(GET, "/1/0/1", token=b"\x03\x04", observe=1)


def observe_composite(server, cbor):
    content = SENML_CBOR if cbor else SENML_JSON
    paths = ("/3/0/13", "/1/0/1", "/3/0/0")
    payload = senml_cbor_paths(*paths) if cbor else senml_json_paths(*paths)
    options = [(CONTENT_FORMAT, uint(content)), (ACCEPT, uint(content))]
    server.request(PUT, "/1/0/3", options=[(CONTENT_FORMAT, uint(TEXT))], payload=b"2")
    server.request(FETCH, "/", token=b"\x05", observe=0, options=options, payload=payload)
    server.request(FETCH, "/", token=b"\x06", observe=0, options=options, payload=payload)
    server.wait(2100)
    server.empty(RST, 1, wait_ms=2100)
    server.wait(4000)
    server.request(FETCH, "/", token=b"\x05", observe=1, options=options, payload=payload)
    server.request(FETCH, "/", token=b"\x07", observe=0, options=options, payload=payload)


def confirmable_notifications(server):
    # Default Notification Mode CON (LwM2M 1.2), then no ACK until the
    # retransmissions run out, a CoAP ping probe and its RST.
    server.request(PUT, "/1/0/26", options=[(CONTENT_FORMAT, uint(TEXT))], payload=b"1")
    server.request(PUT, "/3/0/13", options=queries("pmax=2", "con=1", "hqmax=3"))
    server.request(GET, "/3/0/13", token=b"\x08", observe=0)
    server.request(GET, "/1/0/1", token=b"\x09", observe=0, options=[(ACCEPT, uint(SENML_JSON))])
    for _ in range(8):
        server.wait(16000)
    for message_id in CLIENT_IDS:
        server.empty(RST, message_id, wait_ms=100)
    server.wait(3000)
    for message_id in CLIENT_IDS:
        server.empty(ACK, message_id + 4, wait_ms=2000)


def queue_mode_sleep(server):
    server.request(PUT, "/3/0/13", options=queries("pmin=1", "pmax=8"))
    server.request(GET, "/3/0/13", token=b"\x0a", observe=0)
    server.wait(6000)
    server.wait(9000)
    server.request(GET, "/3/0/13", token=b"\x0a", observe=0, kind=NON)
    server.empty(ACK, 2, wait_ms=9000)
    server.request(GET, "/3/0/13", token=b"\x0a", observe=1, kind=NON, wait_ms=1000)


def observe_then_block2(server):
    server.request(GET, "/3/0", token=b"\x0b", observe=0, options=[(BLOCK2, uint(0x01))])
    server.request(GET, "/3/0", token=b"\x0b", options=[(BLOCK2, uint(0x11))])
    server.request(GET, "/3/0", token=b"\x0c", options=[(BLOCK2, uint(0x21))])
    server.request(PUT, "/3/0", options=queries("pmax=1"))
    server.wait(1100)
    server.request(DELETE, "/3/0", wait_ms=100)
    server.wait(1100)


def invalid_attributes(server):
    server.request(PUT, "/1/0/1", options=queries("gt=5", "lt=9"))
    server.request(PUT, "/1/0/1", options=queries("epmin=9", "epmax=3"))
    server.request(PUT, "/1/0/1", options=queries("st=-1"))
    server.request(PUT, "/3/0/0", options=queries("gt=1"))
    server.request(PUT, "/1/0/1", options=queries("pmin=4294967296"))
    server.request(GET, "/1/0/1", token=b"\x0d", observe=0, options=queries("pmin=1", "edge=1"))
    server.request(GET, "/1/0/1", token=b"\x0d", observe=2)
    server.request(GET, "/", token=b"\x0d", observe=0)


SEEDS = {
    "observe_device": observe_device,
    "observe_lifetime_senml_cbor": observe_lifetime_senml_cbor,
    "observe_with_all_attributes": observe_with_all_attributes,
    "observe_composite_cbor": lambda server: observe_composite(server, True),
    "observe_composite_json": lambda server: observe_composite(server, False),
    "confirmable_notifications": confirmable_notifications,
    "queue_mode_sleep": queue_mode_sleep,
    "observe_then_block2": observe_then_block2,
    "invalid_attributes": invalid_attributes,
}

# The input length modulo 4 picks the configuration (see client_fuzzer.cpp).
VARIANTS = {"v11": 1, "v11_queue": 0, "v12": 3, "v12_queue": 2}


def write_corpus(out_dir, seeds, variants, make_server):
    """Write each seed of `seeds` once per variant into `out_dir`, the variant
    chosen by the input length modulo 4."""
    os.makedirs(out_dir, exist_ok=True)
    for name, write in seeds.items():
        server = make_server()
        write(server)
        records = bytes(server.records)
        for suffix, remainder in variants.items():
            # Up to 3 trailing zero bytes set the remainder: fewer than 3 are
            # ignored, and 3 are an empty datagram without a clock move.
            padding = (remainder - len(records)) % 4
            with open(os.path.join(out_dir, f"{name}_{suffix}"), "wb") as out:
                out.write(records + bytes(padding))


def main():
    write_corpus(OUT, SEEDS, VARIANTS, Server)


if __name__ == "__main__":
    main()
