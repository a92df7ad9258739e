"""Encode and decode CoAP messages (RFC 7252, section 3) for tests that act as the peer.

encode() writes exactly the fields it is given and checks none of them, so a test can
build malformed messages too, such as a token of 9 bytes.
"""

import collections

VERSION = 1

CON = 0
NON = 1
ACK = 2
RST = 3

TYPE_NAMES = {CON: "CON", NON: "NON", ACK: "ACK", RST: "RST"}


def make_code(code_class, detail):
    """Pack a code as the header carries it: 3 bits class, 5 bits detail."""
    return (code_class << 5) | detail


EMPTY = 0
GET = 1
POST = 2
PUT = 3
DELETE = 4

CREATED = make_code(2, 1)
DELETED = make_code(2, 2)
CHANGED = make_code(2, 4)
CONTENT = make_code(2, 5)
CONTINUE = make_code(2, 31)
BAD_REQUEST = make_code(4, 0)
BAD_OPTION = make_code(4, 2)
NOT_FOUND = make_code(4, 4)
METHOD_NOT_ALLOWED = make_code(4, 5)

ETAG = 4
LOCATION_PATH = 8
URI_PATH = 11
CONTENT_FORMAT = 12
URI_QUERY = 15
BLOCK2 = 23
BLOCK1 = 27
SIZE2 = 28
SIZE1 = 60
REQUEST_TAG = 292

PAYLOAD_MARKER = 0xFF

Message = collections.namedtuple(
    "Message", ["version", "type", "code", "message_id", "token", "options", "payload"]
)
Message.__doc__ = "Decoded CoAP message. `options` is a list of (number, value bytes) in order."


def code_text(code):
    """Format a code as "c.dd", e.g. "2.05"."""
    return f"{code >> 5}.{code & 0x1F:02d}"


def _split_field(value):
    """Return the 4-bit nibble and the extended bytes for an option delta or length."""
    if value < 13:
        return value, b""
    if value < 269:
        return 13, bytes([value - 13])
    return 14, (value - 269).to_bytes(2, "big")


def encode(message_type, code, message_id, token=b"", options=(), payload=b"", version=VERSION):
    """Encode a message. `options` are (number, value) pairs, and str values become UTF-8.

    Options are sorted by number, keeping the given order among equal numbers. A payload
    marker is written only before a non-empty payload.
    """
    first = (version << 6) | (message_type << 4) | (len(token) & 0x0F)
    data = bytearray([first, code])
    data += message_id.to_bytes(2, "big")
    data += token

    last_number = 0
    for number, value in sorted(options, key=lambda option: option[0]):
        if isinstance(value, str):
            value = value.encode("utf-8")
        delta_nibble, delta_bytes = _split_field(number - last_number)
        length_nibble, length_bytes = _split_field(len(value))
        data.append((delta_nibble << 4) | length_nibble)
        data += delta_bytes + length_bytes + value
        last_number = number

    if payload:
        data.append(PAYLOAD_MARKER)
        data += payload
    return bytes(data)


def _read_field(nibble, data, position):
    """Return the value of a delta or length nibble and the position after its bytes."""
    if nibble < 13:
        return nibble, position
    if nibble == 13 and position + 1 <= len(data):
        return 13 + data[position], position + 1
    if nibble == 14 and position + 2 <= len(data):
        return 269 + int.from_bytes(data[position : position + 2], "big"), position + 2
    raise ValueError(f"invalid option nibble {nibble} at byte {position}")


def decode(data):
    """Decode a datagram into a Message. Raise ValueError if it is not well-formed CoAP."""
    if len(data) < 4:
        raise ValueError(f"datagram of {len(data)} bytes is shorter than the 4-byte header")

    token_length = data[0] & 0x0F
    if token_length > 8 or 4 + token_length > len(data):
        raise ValueError(f"invalid token length {token_length} in {len(data)} bytes")

    options = []
    payload = b""
    number = 0
    position = 4 + token_length
    while position < len(data):
        first = data[position]
        position += 1
        if first == PAYLOAD_MARKER:
            payload = bytes(data[position:])
            if not payload:
                raise ValueError("payload marker without a payload")
            break

        delta, position = _read_field(first >> 4, data, position)
        length, position = _read_field(first & 0x0F, data, position)
        if position + length > len(data):
            raise ValueError(f"option {number + delta} runs past the end of the datagram")
        number += delta
        options.append((number, bytes(data[position : position + length])))
        position += length

    return Message(
        version=data[0] >> 6,
        type=(data[0] >> 4) & 0x03,
        code=data[1],
        message_id=int.from_bytes(data[2:4], "big"),
        token=bytes(data[4 : 4 + token_length]),
        options=options,
        payload=payload,
    )


def option_values(message, number):
    """Return the values of every option `number` in `message`, as text."""
    return [value.decode("utf-8", "replace") for found, value in message.options if found == number]


def encode_uint(value):
    """Encode an unsigned option value in as few bytes as it needs, so 0 has none."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def uint_option(message, number):
    """Return the unsigned value of the first option `number` in `message`, or None."""
    for found, value in message.options:
        if found == number:
            return int.from_bytes(value, "big")
    return None


def block_option(number, more, szx):
    """Return the value of a Block1 or Block2 option (RFC 7959, 2.2): NUM, M and SZX."""
    return encode_uint((number << 4) | (0x08 if more else 0) | szx)


def path_options(path):
    """Return the Uri-Path options for a path such as "/3/0/0"."""
    return [(URI_PATH, segment) for segment in path.split("/") if segment]


def describe(message):
    """Format a message for assertion output, e.g. "ACK 2.05 mid=12 token=0a0b"."""
    kind = TYPE_NAMES.get(message.type, str(message.type))
    return (
        f"{kind} {code_text(message.code)} mid={message.message_id} "
        f"token={message.token.hex()} options={message.options} payload={message.payload!r}"
    )
