#!/usr/bin/python3
"""Writes the seed corpus of firmware_download_fuzzer. Each seed plays a file
server that responds to the client's Block2 GETs: multi-block downloads with
16 and 1024-byte blocks, an ETag change, 4.04, separate responses with a
duplicated CON, RST, SZX 7, oversized tokens, 5.03 with Max-Age, a NON
response, a response to an old exchange, blocks of the wrong size, a Block2
option of four bytes, a Block1 push (one with an empty last block), reboots
during the download and the update. The layout is the one in the fuzzer's
header comment. Run from the repository root."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client_seeds import (  # noqa: E402
    ACK,
    CON,
    CONTENT_FORMAT,
    NON,
    POST,
    PUT,
    RST,
    TEXT,
    message,
    path,
    uint,
)

OUT = "tests/fuzz/corpus/firmware_download"

EMPTY = 0
CONTENT, NOT_FOUND, SERVICE_UNAVAILABLE = 0x45, 0x84, 0xA3
ETAG, MAX_AGE, BLOCK2, BLOCK1, SIZE2 = 4, 14, 23, 27, 28
OPAQUE = 42

# Control bits of a record (see firmware_download_fuzzer.cpp).
SERVER = 0x01
PATCH_ID = 0x02
PATCH_TOKEN = 0x04
PREVIOUS = 0x08
REBOOT = 0x10
SAME_STEP = 0x20
UPDATE_FINISHED = 0x40

# A piggybacked response: the harness copies the GET's message ID and token.
PIGGYBACKED = PATCH_ID | PATCH_TOKEN

# The client's tokens are LWM2M_TOKEN_LENGTH (4) bytes long. The harness
# replaces these placeholders.
TOKEN = bytes(4)

# Settings byte: the requested block size exponent in bits 0-2.
SAVE_EVERY_BLOCK = 0x40
FINISH_FAILS = 0x08
APPLY_GOES_ON = 0x20
LIMITED_SPACE = 0x80


def package(size, seed=1):
    return bytes((seed + 7 * i) & 0xFF for i in range(size))


def clock_byte(wait_ms):
    """The clock byte that moves the clock by at least `wait_ms`."""
    if wait_ms < 20000:
        return (wait_ms + 99) // 100
    return min(255, 199 + (wait_ms + 9999) // 10000)


class Seed:
    def __init__(self, settings):
        self.data = bytearray([settings])
        self.server_id = 0x4000

    def record(self, datagram, control=0, wait_ms=0):
        self.data += bytes([clock_byte(wait_ms), control])
        self.data += len(datagram).to_bytes(2, "big") + datagram

    def wait(self, wait_ms):
        """Moves the clock with an empty datagram, which the client drops."""
        self.record(b"", 0, wait_ms)

    def block(self, number, more, szx, payload, etag=b"\x11\x22", size2=None, kind=ACK,
              control=PIGGYBACKED, message_id=0, code=CONTENT, options=(), wait_ms=0):
        all_options = [(BLOCK2, uint(number << 4 | (8 if more else 0) | szx))]
        if etag:
            all_options.append((ETAG, etag))
        if size2 is not None:
            all_options.append((SIZE2, uint(size2)))
        all_options += list(options)
        self.record(message(kind, code, message_id, TOKEN, all_options, payload), control,
                    wait_ms)

    def blocks(self, data, szx, first=0, etag=b"\x11\x22"):
        """Responds to one GET per block of `data`, from block `first`."""
        size = 16 << szx
        count = (len(data) + size - 1) // size
        for number in range(first, count):
            self.block(number, number + 1 < count, szx, data[number * size:(number + 1) * size],
                       etag=etag, size2=len(data) if number == 0 else None)

    def response(self, code, options=(), payload=b"", kind=ACK, control=PIGGYBACKED,
                 message_id=0, wait_ms=0):
        # An Empty message has no token (RFC 7252, 4.1).
        token = b"" if code == EMPTY else TOKEN
        self.record(message(kind, code, message_id, token, options, payload), control, wait_ms)

    def server_request(self, code, target, options=(), payload=b"", wait_ms=0):
        self.record(message(CON, code, self.server_id, b"\x70", path(target) + list(options),
                            payload), SERVER, wait_ms)
        self.server_id += 1


def blocks_szx0_then_update():
    seed = Seed(0)
    seed.blocks(package(50), 0)
    seed.server_request(POST, "/5/0/2")
    seed.wait(1000)
    return seed


def blocks_szx6():
    seed = Seed(6)
    seed.blocks(package(2100), 6)
    return seed


def etag_change():
    seed = Seed(2)
    old = package(300, 1)
    new = package(200, 2)
    seed.block(0, True, 2, old[:64], etag=b"\x0a")
    seed.block(1, True, 2, old[64:128], etag=b"\x0a")
    seed.block(2, True, 2, old[128:192], etag=b"\x0b")
    seed.blocks(new, 2, etag=b"\x0b")
    return seed


def not_found_then_whole_body():
    seed = Seed(4)
    seed.response(NOT_FOUND)
    uri = b"coap://192.0.2.9/fw"
    seed.server_request(PUT, "/5/0/1", [(CONTENT_FORMAT, uint(TEXT))], uri)
    # A server without Block2 sends the package whole.
    seed.response(CONTENT, [(ETAG, b"\x01")], package(100))
    return seed


def separate_response_duplicated():
    seed = Seed(1)
    data = package(80)
    seed.response(EMPTY, control=PATCH_ID)
    con = [(BLOCK2, uint(0 << 4 | 8 | 1)), (ETAG, b"\x11\x22"), (SIZE2, uint(80))]
    seed.response(CONTENT, con, data[:32], kind=CON, control=PATCH_TOKEN, message_id=0x7001)
    # The server did not get the ACK: the same CON again, with the token of
    # the exchange it belongs to.
    seed.response(CONTENT, con, data[:32], kind=CON, control=PATCH_TOKEN | PREVIOUS,
                  message_id=0x7001, wait_ms=2000)
    seed.blocks(data, 1, first=1)
    return seed


def reset_then_retry():
    seed = Seed(3)
    seed.response(EMPTY, kind=RST, control=PATCH_ID)
    seed.wait(1000)
    seed.blocks(package(300), 3)
    return seed


def block2_szx7():
    seed = Seed(4)
    seed.block(0, True, 7, package(256))
    seed.wait(1000)
    seed.blocks(package(300), 4)
    return seed


def oversized_tokens():
    seed = Seed(2)
    # Token length 9 (a message format error), then an 8-byte token.
    seed.record(bytes([0x69, CONTENT, 0, 0]) + bytes(9) + b"\xff" + package(64), PATCH_ID)
    seed.record(message(ACK, CONTENT, 0, bytes(8), [(BLOCK2, uint(0x0A))], package(64)), PATCH_ID)
    seed.blocks(package(100), 2)
    return seed


def service_unavailable_max_age():
    seed = Seed(3)
    seed.response(SERVICE_UNAVAILABLE, [(MAX_AGE, uint(30))])
    seed.wait(5000)
    seed.wait(30000)
    seed.blocks(package(200), 3)
    return seed


def non_response():
    seed = Seed(2)
    data = package(100)
    seed.block(0, True, 2, data[:64], kind=NON, control=PATCH_TOKEN, message_id=0x7100, size2=100)
    seed.block(1, False, 2, data[64:], kind=NON, control=PATCH_TOKEN, message_id=0x7101)
    return seed


def old_exchange():
    seed = Seed(2)
    data = package(200)
    seed.block(0, True, 2, data[:64])
    seed.block(0, True, 2, data[:64], control=PIGGYBACKED | PREVIOUS)
    seed.block(1, True, 2, data[:64], kind=CON, control=PATCH_TOKEN | PREVIOUS, message_id=0x7200)
    seed.blocks(data, 2, first=1)
    return seed


def larger_block_than_requested():
    seed = Seed(0)
    data = package(200)
    seed.block(0, True, 2, data[:64], size2=200)
    seed.block(1, True, 2, data[64:128])
    seed.blocks(data, 0, first=8)
    return seed


def wrong_sizes_and_numbers():
    seed = Seed(4)
    data = package(700)
    seed.block(0, True, 4, data[:100])  # M=1 but short
    seed.wait(1000)
    seed.block(1, True, 4, data[256:512])  # not the block requested
    seed.block(0, True, 4, data[:256], size2=10)  # Size2 smaller than the package
    seed.block(1, False, 4, data[256:700])  # last block longer than the block size
    return seed


def block2_four_bytes():
    seed = Seed(6)
    data = package(1500)
    seed.record(message(ACK, CONTENT, 0, TOKEN, [(BLOCK2, b"\x00\x00\x00\x0e")], data[:1024]),
                PIGGYBACKED)
    seed.wait(1000)
    seed.blocks(data, 6)
    return seed


def push_cancel_and_pull_again():
    seed = Seed(0)
    seed.server_request(POST, "/5/0/10")
    data = package(40)
    for number in range(3):
        chunk = data[number * 16:(number + 1) * 16]
        more = 8 if number < 2 else 0
        seed.server_request(PUT, "/5/0/0",
                            [(CONTENT_FORMAT, uint(OPAQUE)), (BLOCK1, uint(number << 4 | more))],
                            chunk)
    seed.server_request(POST, "/5/0/2")
    seed.server_request(PUT, "/5/0/1", [(CONTENT_FORMAT, uint(TEXT))], b"coap://[2001:db8::9]/p")
    seed.blocks(package(20), 0)
    return seed


def reboot_resume():
    seed = Seed(SAVE_EVERY_BLOCK | 1)
    data = package(150)
    seed.block(0, True, 1, data[:32], size2=150)
    seed.block(1, True, 1, data[32:64], control=PIGGYBACKED | REBOOT)
    seed.blocks(data, 1, first=2)
    return seed


def update_reboot_outcome():
    seed = Seed(APPLY_GOES_ON | 2)
    seed.blocks(package(100), 2)
    seed.server_request(POST, "/5/0/2")
    seed.record(b"", REBOOT, 1000)
    seed.server_request(PUT, "/5/0/1", [(CONTENT_FORMAT, uint(TEXT))], b"coap://192.0.2.9/f")
    seed.blocks(package(70), 2)
    seed.server_request(POST, "/5/0/2")
    seed.record(b"", UPDATE_FINISHED, 1000)
    return seed


def space_runs_out():
    seed = Seed(LIMITED_SPACE | 6)
    seed.blocks(package(6000), 6)
    return seed


def finish_fails_then_silence():
    seed = Seed(FINISH_FAILS | 4)
    seed.blocks(package(300), 4)
    seed.server_request(PUT, "/5/0/1", [(CONTENT_FORMAT, uint(TEXT))], b"coap://192.0.2.9/f")
    seed.response(EMPTY, control=PATCH_ID)
    for _ in range(8):
        seed.wait(250000)
    return seed


def push_empty_last_block():
    seed = Seed(0)
    # Block1 Writes of Package: two 16-byte blocks, then a last one without
    # payload. The push is rejected while the pull runs, but the Block1
    # layer keeps the bytes first.
    data = package(32)
    for number in range(3):
        more = 8 if number < 2 else 0
        seed.server_request(PUT, "/5/0/0",
                            [(CONTENT_FORMAT, uint(OPAQUE)), (BLOCK1, uint(number << 4 | more))],
                            data[number * 16:(number + 1) * 16])
    return seed


SEEDS = {
    "blocks_szx0_then_update": blocks_szx0_then_update,
    "blocks_szx6": blocks_szx6,
    "etag_change": etag_change,
    "not_found_then_whole_body": not_found_then_whole_body,
    "separate_response_duplicated": separate_response_duplicated,
    "reset_then_retry": reset_then_retry,
    "block2_szx7": block2_szx7,
    "oversized_tokens": oversized_tokens,
    "service_unavailable_max_age": service_unavailable_max_age,
    "non_response": non_response,
    "old_exchange": old_exchange,
    "larger_block_than_requested": larger_block_than_requested,
    "wrong_sizes_and_numbers": wrong_sizes_and_numbers,
    "block2_four_bytes": block2_four_bytes,
    "push_cancel_and_pull_again": push_cancel_and_pull_again,
    "reboot_resume": reboot_resume,
    "update_reboot_outcome": update_reboot_outcome,
    "space_runs_out": space_runs_out,
    "finish_fails_then_silence": finish_fails_then_silence,
    "push_empty_last_block": push_empty_last_block,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, write in SEEDS.items():
        seed = write()
        with open(os.path.join(OUT, name), "wb") as out:
            out.write(bytes(seed.data))


if __name__ == "__main__":
    main()
