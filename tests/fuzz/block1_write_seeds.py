#!/usr/bin/python3
"""Writes the seed corpus of block1_write_fuzzer: valid Writes and Creates
in TLV, opaque and text/plain, in the input layout that the fuzzer's header
comment describes. Run from the repository root."""

import base64
import os

OUT = "tests/fuzz/corpus/block1_write"

TLV, LEGACY_TLV, OPAQUE, TEXT = 0, 1, 2, 3
PUT_INSTANCE, PUT_RESOURCE, CREATE, POST_INSTANCE = 0, 1, 2, 3
PLAIN, REPEAT, EXPIRE, INTERRUPT = 0, 1, 2, 3

OBJECT_INSTANCE, RESOURCE_INSTANCE, MULTIPLE, RESOURCE = 0x00, 0x40, 0x80, 0xC0


def tlv(kind, identifier, value):
    """One TLV with the shortest Identifier and Length fields."""
    head = kind | (0x20 if identifier > 0xFF else 0)
    length = len(value)
    if length < 8:
        head |= length
        length_bytes = b""
    elif length < 0x100:
        head |= 0x08
        length_bytes = bytes([length])
    elif length < 0x10000:
        head |= 0x10
        length_bytes = length.to_bytes(2, "big")
    else:
        head |= 0x18
        length_bytes = length.to_bytes(3, "big")
    id_bytes = identifier.to_bytes(2 if identifier > 0xFF else 1, "big")
    return bytes([head]) + id_bytes + length_bytes + value


def pattern(length):
    return bytes(i % 251 for i in range(length))


def instance_resources():
    items = tlv(RESOURCE_INSTANCE, 0, b"a" * 10) + tlv(RESOURCE_INSTANCE, 5, b"b" * 120)
    return (tlv(RESOURCE, 0, pattern(700)) + tlv(RESOURCE, 1, b"t" * 50)
            + tlv(RESOURCE, 2, b"\xfe\xd4") + tlv(MULTIPLE, 3, items)
            + tlv(RESOURCE, 5, b"\x01") + tlv(RESOURCE, 6, b"\x3f\xc0\x00\x00")
            + tlv(RESOURCE, 7, b"\x00\x03\x00\x00"))


def seed(name, fmt, target, resource, exponent, payload, second=None, mode=PLAIN, count=0):
    second = exponent if second is None else second
    header = bytes([fmt, target | (resource << 4), exponent | (second << 3) | (mode << 6), count])
    with open(os.path.join(OUT, name), "wb") as out:
        out.write(header + payload)


def main():
    os.makedirs(OUT, exist_ok=True)
    resources = instance_resources()
    for exponent in range(7):
        seed(f"tlv_put_instance_szx{exponent}", TLV, PUT_INSTANCE, 0, exponent, resources)
    seed("tlv_put_instance_shrink", TLV, PUT_INSTANCE, 0, 6, resources, second=1, count=1)
    seed("tlv_wrapped_update", LEGACY_TLV, POST_INSTANCE, 0, 2,
         tlv(OBJECT_INSTANCE, 0, resources))
    seed("tlv_create_instance", TLV, CREATE, 0, 5, tlv(OBJECT_INSTANCE, 7, resources))
    seed("tlv_create_resources", TLV, CREATE, 0, 3, resources, second=0, count=2)
    seed("tlv_put_long_opaque", TLV, PUT_RESOURCE, 0, 1, tlv(RESOURCE, 0, pattern(300)))
    seed("tlv_put_whole_only", TLV, PUT_RESOURCE, 4, 2, tlv(RESOURCE, 4, b"w" * 200))
    seed("tlv_put_multiple", TLV, PUT_RESOURCE, 3, 0,
         tlv(MULTIPLE, 3, tlv(RESOURCE_INSTANCE, 2, b"x" * 140) + tlv(RESOURCE_INSTANCE, 9, b"y")))
    seed("tlv_unknown_resource", TLV, PUT_INSTANCE, 0, 0,
         tlv(RESOURCE, 9, pattern(200)) + tlv(RESOURCE, 1, b"after"))
    seed("tlv_repeat", TLV, PUT_INSTANCE, 0, 4, resources, mode=REPEAT, count=1)
    seed("tlv_expire", TLV, PUT_INSTANCE, 0, 4, resources, mode=EXPIRE, count=1)
    seed("tlv_interrupt", TLV, CREATE, 0, 2, tlv(OBJECT_INSTANCE, 7, resources),
         mode=INTERRUPT, count=3)
    for length, exponent in ((100, 2), (128, 0), (129, 0), (300, 3), (1000, 6)):
        seed(f"opaque_{length}_szx{exponent}", OPAQUE, PUT_RESOURCE, 0, exponent, pattern(length))
    seed("opaque_repeat_first", OPAQUE, PUT_RESOURCE, 0, 4, pattern(900), mode=REPEAT)
    seed("text_string", TEXT, PUT_RESOURCE, 1, 2, b"hello, block-wise world " * 4)
    seed("text_integer", TEXT, PUT_RESOURCE, 2, 0, b"-1234567890123")
    seed("text_float", TEXT, PUT_RESOURCE, 6, 0, b"-12.5e-3000000000000001")
    seed("text_objlnk", TEXT, PUT_RESOURCE, 7, 0, b"3:00000000000000000")
    seed("text_opaque", TEXT, PUT_RESOURCE, 0, 0, base64.b64encode(pattern(40)))
    seed("text_too_long", TEXT, PUT_RESOURCE, 1, 1, b"z" * 200)
    # Inputs that once broke the Block1 Write: a TLV value that the last block
    # cuts short, and an empty Multiple Resource TLV naming a single resource.
    seed("tlv_truncated_value", TLV, PUT_RESOURCE, 0, 4, tlv(RESOURCE, 0, pattern(700))[:300])
    seed("tlv_empty_multiple_on_single", TLV, PUT_INSTANCE, 0, 4,
         tlv(RESOURCE, 0, pattern(300)) + tlv(MULTIPLE, 1, b""))


if __name__ == "__main__":
    main()
