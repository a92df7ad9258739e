#!/usr/bin/python3
"""Writes the seed corpus of firmware_state_fuzzer: valid state blobs of the
Firmware Update object in the layout of src/fw/firmware_state.hpp, and
Package URIs, valid and not. The fuzzer reads every input both ways. Run
from the repository root."""

import os
import struct
import zlib

OUT = "tests/fuzz/corpus/firmware_state"

IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3
NONE, PUSH, COAP, DOWNLOADER = 0, 1, 2, 3


def blob(state, result=0, source=NONE, size_exponent=6, etag=b"", offset=0,
         changed_s=1700000000, uri=b""):
    """A state blob: "LWFW", format version 1, the fields, the Package URI
    and the CRC-32 of everything before it."""
    assert len(etag) <= 8
    assert len(uri) <= 255
    content = b"LWFW" + bytes([1, state, result, source, size_exponent, len(etag)])
    content += etag.ljust(8, b"\x00")
    content += struct.pack("<Iq", offset, changed_s)
    content += bytes([len(uri)]) + uri
    return content + struct.pack("<I", zlib.crc32(content))


SEEDS = {
    "state_idle": blob(IDLE),
    "state_idle_cancelled": blob(IDLE, result=10),
    "state_downloading_coap": blob(
        DOWNLOADING, source=COAP, size_exponent=4, etag=b"\x11\x22", offset=4096,
        uri=b"coap://192.0.2.9:5690/fw/image.bin?v=2"),
    "state_downloading_push": blob(DOWNLOADING, source=PUSH, offset=512),
    "state_downloaded_full_etag": blob(
        DOWNLOADED, source=COAP, etag=bytes(range(1, 9)), offset=65536,
        uri=b"coaps://[2001:db8::1]:6000/fw"),
    "state_updating": blob(UPDATING, source=DOWNLOADER, uri=b"http://192.0.2.9/fw.bin"),
    "state_longest_uri": blob(DOWNLOADING, source=COAP, uri=b"coap://h/" + b"a" * 246),
    # Damaged: a NUL inside the URI, which the encoder never writes.
    "state_uri_with_nul": blob(IDLE, uri=b"\x00"),
    "uri_address_port_path_query": b"coap://192.0.2.9:5690/fw/image.bin?v=2&x",
    "uri_ipv6_percent": b"coaps://[2001:db8::1]:6000/a/b%20c?x=1&y",
    "uri_name": b"coap://fw.example.com/img",
    "uri_empty_segments": b"coap://h//a/?&",
    "uri_bad_percent": b"coap://h/a%2",
    "uri_fragment": b"coap://h/x#frag",
    "uri_other_scheme": b"http://h/x",
    "uri_port_overflow": b"coap://h:65536/x",
    "uri_many_segments": b"coap://h/" + b"/".join([b"s"] * 20),
    "uri_long_segment": b"coap://h/" + b"%41" * 256,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
