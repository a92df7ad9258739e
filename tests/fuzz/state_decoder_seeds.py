#!/usr/bin/python3
"""Writes the seed corpus of state_decoder_fuzzer: valid persisted client
states in the format of src/persist/state_store.hpp. Run from the
repository root."""

import os
import struct
import zlib

OUT = "tests/fuzz/corpus/state_decoder"


def text(value):
    data = value.encode()
    return bytes([len(data)]) + data


def data(value):
    return struct.pack("<H", len(value)) + value


def account(instance, uri, ssid=0, bootstrap=False, identity=b"", secret=b"", hold_off=0):
    """One Security instance: ID, flags, mode (NoSec), Short Server ID, Client
    Hold Off Time, account timeout, URI, the three keys, Certificate Usage and
    SNI."""
    fields = struct.pack("<HBBHII", instance, 1 if bootstrap else 0, 3, ssid, hold_off, 0)
    return fields + text(uri) + data(identity) + data(b"") + data(secret) + bytes([3]) + text("")


def state(endpoint, accounts, lifetime, binding="U", apn_links=(), versions=(), registered=None,
          server=(0, 1), last_bootstrapped=0, acl=()):
    content = text(endpoint) + struct.pack("<I", 0x5EED)  # factory checksum
    content += bytes([len(accounts)]) + b"".join(accounts)
    content += bytes([len(acl)])
    for instance, object_id, object_instance, owner, entries in acl:
        content += struct.pack("<4HB", instance, object_id, object_instance, owner, len(entries))
        for short_server_id, rights in entries:
            content += struct.pack("<2H", short_server_id, rights)
    if server[0] == 0xFFFF:
        # No Server instance: no session.
        content += bytes([0])
        header = b"LWM2" + struct.pack("<BH", 3, len(content))
        return header + content + struct.pack("<I", zlib.crc32(content))
    content += bytes([1])  # one session
    content += struct.pack("<HH", *server)  # Server instance ID, Short Server ID
    content += struct.pack("<4I", lifetime, 0, 0, 86400)
    content += bytes([0x01])  # flags: Notification Storing
    content += text(binding)
    content += struct.pack("<HHI", 0xFFFF, 0xFFFF, 0)  # APN Link, Initial Registration Delay
    content += struct.pack("<q", last_bootstrapped)
    content += b"U\x00\x00"  # Preferred Transport, Notification Mode, Hash Algorithm
    content += bytes([len(apn_links)])
    for identifier, object_id, instance_id in apn_links:
        content += struct.pack("<3H", identifier, object_id, instance_id)
    content += bytes([len(versions)])
    for identifier, version in versions:
        content += struct.pack("<H", identifier) + text(version)
    content += struct.pack("<BIIB", 5, 60, 86400, 1)  # Communication Retry resources
    if registered is None:
        content += struct.pack("<BH", 0, 0) + text("") + struct.pack("<Iq", 0, 0)
    else:
        port, location, expiry = registered
        content += struct.pack("<BH", 1, port) + text(location)
        content += struct.pack("<Iq", lifetime, expiry)
    header = b"LWM2" + struct.pack("<BH", 3, len(content))
    return header + content + struct.pack("<I", zlib.crc32(content))


SERVER = account(0, "coap://127.0.0.1:5683", ssid=1)

SEEDS = {
    "unregistered": state("dev1", [SERVER], 86400),
    "registered": state(
        "dev1", [SERVER], 60, registered=(40000, "/rd/5a", 1764800000)
    ),
    "multiple_resources": state(
        "sensor-42",
        [account(0, "coap://[::1]:5683", ssid=1)],
        300,
        binding="UQ",
        apn_links=((0, 11, 0), (3, 11, 1)),
        versions=((0, "1.1"), (1, "1.2.1")),
        registered=(5683, "/rd/a/b", 1764800300),
    ),
    "bootstrapped": state(
        "node-7",
        [
            account(1, "coap://127.0.0.1:5693", bootstrap=True, hold_off=5),
            account(4, "coap://127.0.0.1:5683", ssid=9, identity=b"node-7", secret=b"\x00\xff\x10"),
        ],
        120,
        server=(2, 9),
        last_bootstrapped=1764800000,
        acl=((0, 3, 0, 9, ((0, 1), (9, 31))), (1, 3303, 65535, 65535, ((9, 16),))),
        registered=(40001, "/rd/7", 1764800120),
    ),
    "bootstrap_only": state(
        "node-8", [account(0, "coap://127.0.0.1:5693", bootstrap=True)], 0, server=(0xFFFF, 0)
    ),
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as stream:
            stream.write(blob)
