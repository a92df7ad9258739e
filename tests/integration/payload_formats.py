"""Decode and encode the LwM2M content formats for tests that check the client's payloads.

The readers here are written for the tests and share no code with the C++ library, so a
bug in the library's codecs cannot hide behind the same bug in the check. They cover:

- LwM2M TLV (OMA LwM2M Core 1.1), read and write;
- CBOR (RFC 8949) as far as SenML CBOR needs: integers, byte and text strings of definite
  length, arrays, maps, false, true, null and half, single and double floats;
- SenML (RFC 8428) in JSON and CBOR, with base name resolution.

Every reader raises ValueError on input it cannot decode completely.
"""

import base64
import collections
import json
import math
import struct

TEXT_PLAIN = 0
LINK_FORMAT = 40
OCTET_STREAM = 42
CBOR = 60
SENML_JSON = 110
SENML_CBOR = 112
LWM2M_TLV = 11542

# ---------------------------------------------------------------------------------------------
# LwM2M TLV
# ---------------------------------------------------------------------------------------------

# Kinds of TLV, from bits 7-6 of the type byte.
TLV_OBJECT_INSTANCE = 0
TLV_RESOURCE_INSTANCE = 1
TLV_MULTIPLE_RESOURCE = 2
TLV_RESOURCE = 3

# Kinds of TLV that contain other TLVs, and the kinds each may contain.
_TLV_CHILD_KINDS = {
    TLV_OBJECT_INSTANCE: (TLV_RESOURCE, TLV_MULTIPLE_RESOURCE),
    TLV_MULTIPLE_RESOURCE: (TLV_RESOURCE_INSTANCE,),
}

TlvEntry = collections.namedtuple("TlvEntry", ["kind", "identifier", "value", "children"])
TlvEntry.__doc__ = (
    "One TLV: `kind` is a TLV_* constant, `value` the raw bytes, and `children` the nested "
    "entries of an object instance or multiple resource (empty for the others)."
)


def parse_tlv(data):
    """Parse a TLV payload into a list of TlvEntry, descending into nested entries."""
    entries = []
    position = 0
    while position < len(data):
        entry, position = _parse_tlv_entry(data, position)
        entries.append(entry)
    return entries


def _read_big_endian(data, position, size, field):
    if position + size > len(data):
        raise ValueError(f"TLV {field} at byte {position} runs past the end of {len(data)} bytes")
    return int.from_bytes(data[position : position + size], "big"), position + size


def _parse_tlv_entry(data, position):
    start = position
    type_byte = data[position]
    position += 1
    kind = type_byte >> 6

    identifier_size = 2 if type_byte & 0x20 else 1
    identifier, position = _read_big_endian(data, position, identifier_size, "identifier")

    # Bits 4-3 give the size of the length field, and 0 means bits 2-0 hold the length.
    length_size = (type_byte >> 3) & 0x03
    if length_size == 0:
        length = type_byte & 0x07
    else:
        length, position = _read_big_endian(data, position, length_size, "length")

    if position + length > len(data):
        raise ValueError(
            f"TLV at byte {start} has a value of {length} bytes, but only "
            f"{len(data) - position} remain"
        )
    value = bytes(data[position : position + length])
    position += length

    children = []
    if kind in _TLV_CHILD_KINDS:
        children = parse_tlv(value)
        for child in children:
            if child.kind not in _TLV_CHILD_KINDS[kind]:
                raise ValueError(
                    f"TLV of kind {kind} with identifier {identifier} contains a TLV of "
                    f"kind {child.kind}"
                )
    return TlvEntry(kind, identifier, value, children), position


def tlv_values(data, prefix):
    """Parse a TLV payload and return {path: raw value bytes} for every resource value.

    `prefix` is the path above the outermost entries: "/3" when they are object instances,
    "/3/0" when they are resources, "/3/0/11" when they are resource instances.
    """
    values = {}
    _collect_tlv_values(parse_tlv(data), prefix.rstrip("/"), values)
    return values


def _collect_tlv_values(entries, prefix, values):
    for entry in entries:
        path = f"{prefix}/{entry.identifier}"
        if entry.kind in (TLV_OBJECT_INSTANCE, TLV_MULTIPLE_RESOURCE):
            _collect_tlv_values(entry.children, path, values)
            continue
        if path in values:
            raise ValueError(f"TLV payload contains {path} twice")
        values[path] = entry.value


def tlv_integer(value):
    """Decode a TLV Integer: two's complement, big-endian, in 1, 2, 4 or 8 bytes."""
    if len(value) not in (1, 2, 4, 8):
        raise ValueError(f"TLV integer of {len(value)} bytes, expected 1, 2, 4 or 8")
    return int.from_bytes(value, "big", signed=True)


def tlv_float(value):
    """Decode a TLV Float: IEEE 754 binary32 or binary64, big-endian."""
    if len(value) == 4:
        return struct.unpack(">f", value)[0]
    if len(value) == 8:
        return struct.unpack(">d", value)[0]
    raise ValueError(f"TLV float of {len(value)} bytes, expected 4 or 8")


def encode_tlv(kind, identifier, value):
    """Encode one TLV of `kind` with the value bytes `value`, in the shortest header."""
    if not 0 <= identifier <= 0xFFFF:
        raise ValueError(f"TLV identifier {identifier} is outside 0..65535")
    if len(value) >= 1 << 24:
        raise ValueError(f"TLV value of {len(value)} bytes is longer than 24 bits can state")

    type_byte = kind << 6
    identifier_size = 1
    if identifier > 0xFF:
        type_byte |= 0x20
        identifier_size = 2
    identifier_bytes = identifier.to_bytes(identifier_size, "big")

    length_bytes = b""
    if len(value) < 8:
        type_byte |= len(value)
    else:
        length_size = 3
        if len(value) <= 0xFF:
            length_size = 1
        elif len(value) <= 0xFFFF:
            length_size = 2
        type_byte |= length_size << 3
        length_bytes = len(value).to_bytes(length_size, "big")
    return bytes([type_byte]) + identifier_bytes + length_bytes + bytes(value)


def encode_tlv_integer(value):
    """Encode an integer in the shortest of 1, 2, 4 or 8 bytes, as TLV Integers are."""
    for size in (1, 2, 4, 8):
        if -(1 << (8 * size - 1)) <= value < (1 << (8 * size - 1)):
            return value.to_bytes(size, "big", signed=True)
    raise ValueError(f"integer {value} does not fit in 64 bits")


# ---------------------------------------------------------------------------------------------
# CBOR
# ---------------------------------------------------------------------------------------------

_CBOR_FALSE = 20
_CBOR_TRUE = 21
_CBOR_NULL = 22


def decode_cbor(data):
    """Decode one CBOR data item that fills `data` exactly, into Python values.

    Maps become dicts, byte strings bytes and text strings str. Tags, indefinite lengths,
    undefined and other simple values raise ValueError.
    """
    value, position = _decode_cbor_item(bytes(data), 0, depth=0)
    if position != len(data):
        raise ValueError(f"{len(data) - position} bytes follow the CBOR item at byte {position}")
    return value


# Nesting limit, so a hostile payload cannot exhaust the Python stack.
_CBOR_MAX_DEPTH = 16


def _take(data, position, size):
    if position + size > len(data):
        raise ValueError(
            f"CBOR item at byte {position} needs {size} bytes, but only "
            f"{len(data) - position} remain"
        )
    return data[position : position + size], position + size


def _decode_argument(data, position, additional):
    """Return the argument that `additional` (the low 5 bits) encodes, and the next position."""
    if additional < 24:
        return additional, position
    sizes = {24: 1, 25: 2, 26: 4, 27: 8}
    if additional not in sizes:
        raise ValueError(f"unsupported CBOR additional information {additional} at byte {position}")
    raw, position = _take(data, position, sizes[additional])
    return int.from_bytes(raw, "big"), position


def decode_half_float(raw):
    """Decode an IEEE 754 binary16 value from 2 big-endian bytes (RFC 8949)."""
    half = int.from_bytes(raw, "big")
    sign = -1.0 if half & 0x8000 else 1.0
    exponent = (half >> 10) & 0x1F
    fraction = half & 0x03FF
    if exponent == 0:
        return sign * math.ldexp(fraction, -24)
    if exponent == 0x1F:
        return sign * math.inf if fraction == 0 else math.nan
    return sign * math.ldexp(fraction + 1024, exponent - 25)


def _decode_cbor_item(data, position, depth):
    if depth > _CBOR_MAX_DEPTH:
        raise ValueError(f"CBOR nesting deeper than {_CBOR_MAX_DEPTH} at byte {position}")
    head, position = _take(data, position, 1)
    major = head[0] >> 5
    additional = head[0] & 0x1F

    if major == 7:
        return _decode_simple_or_float(data, position, additional)
    if additional == 31:
        raise ValueError(f"indefinite-length CBOR item at byte {position - 1} is not supported")
    argument, position = _decode_argument(data, position, additional)

    if major == 0:
        return argument, position
    if major == 1:
        return -1 - argument, position
    if major == 2:
        raw, position = _take(data, position, argument)
        return bytes(raw), position
    if major == 3:
        raw, position = _take(data, position, argument)
        try:
            return raw.decode("utf-8"), position
        except UnicodeDecodeError as error:
            raise ValueError(f"CBOR text string before byte {position} is not UTF-8: {error}")
    if major == 4:
        items = []
        for _ in range(argument):
            item, position = _decode_cbor_item(data, position, depth + 1)
            items.append(item)
        return items, position
    if major == 5:
        result = {}
        for _ in range(argument):
            key_position = position
            key, position = _decode_cbor_item(data, position, depth + 1)
            if not isinstance(key, (int, str)):
                raise ValueError(f"CBOR map key at byte {key_position} is neither int nor text")
            if key in result:
                raise ValueError(f"CBOR map repeats key {key!r} at byte {key_position}")
            result[key], position = _decode_cbor_item(data, position, depth + 1)
        return result, position
    raise ValueError(f"CBOR tag at byte {position} is not supported")


def _decode_simple_or_float(data, position, additional):
    if additional == _CBOR_FALSE:
        return False, position
    if additional == _CBOR_TRUE:
        return True, position
    if additional == _CBOR_NULL:
        return None, position
    if additional == 25:
        raw, position = _take(data, position, 2)
        return decode_half_float(raw), position
    if additional == 26:
        raw, position = _take(data, position, 4)
        return struct.unpack(">f", raw)[0], position
    if additional == 27:
        raw, position = _take(data, position, 8)
        return struct.unpack(">d", raw)[0], position
    raise ValueError(f"unsupported CBOR simple value {additional} at byte {position - 1}")


def _encode_head(major, argument):
    if argument < 24:
        return bytes([(major << 5) | argument])
    for additional, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([(major << 5) | additional]) + argument.to_bytes(size, "big")
    raise ValueError(f"CBOR argument {argument} does not fit in 64 bits")


def encode_cbor(value):
    """Encode int, float (as binary64), bool, None, str, bytes, list and dict as CBOR.

    Dict entries keep their insertion order.
    """
    if value is False:
        return bytes([0xE0 | _CBOR_FALSE])
    if value is True:
        return bytes([0xE0 | _CBOR_TRUE])
    if value is None:
        return bytes([0xE0 | _CBOR_NULL])
    if isinstance(value, int):
        return _encode_head(0, value) if value >= 0 else _encode_head(1, -1 - value)
    if isinstance(value, float):
        return bytes([0xFB]) + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _encode_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _encode_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _encode_head(4, len(value)) + b"".join(encode_cbor(item) for item in value)
    if isinstance(value, dict):
        encoded = _encode_head(5, len(value))
        for key, item in value.items():
            encoded += encode_cbor(key) + encode_cbor(item)
        return encoded
    raise ValueError(f"cannot encode {type(value).__name__} as CBOR")


# ---------------------------------------------------------------------------------------------
# SenML
# ---------------------------------------------------------------------------------------------

# SenML CBOR labels (RFC 8428) and the JSON labels that they replace.
SENML_CBOR_LABELS = {
    -3: "bt",
    -2: "bn",
    -1: "bver",
    0: "n",
    1: "u",
    2: "v",
    3: "vs",
    4: "vb",
    5: "s",
    6: "t",
    7: "ut",
    8: "vd",
}

# Value fields of a record. "vlo" is the LwM2M Objlnk value (OMA LwM2M Core 1.1).
_SENML_VALUE_FIELDS = ("v", "vs", "vb", "vd", "vlo")

SenmlRecord = collections.namedtuple("SenmlRecord", ["name", "field", "value"])
SenmlRecord.__doc__ = (
    "One resolved SenML record: the full name (base name + name), the value field it "
    'used ("v", "vs", "vb", "vd" or "vlo"), and its value, with "vd" already decoded to bytes.'
)


def resolve_senml(records, data_is_text):
    """Resolve SenML records given as dicts with JSON labels into a list of SenmlRecord.

    A base name applies to its record and every later one until the next base name
    (RFC 8428). `data_is_text` is True for SenML JSON, whose "vd" values are
    base64url text without padding (RFC 8428), and False for SenML CBOR, whose
    "vd" values are byte strings.
    """
    if not isinstance(records, list):
        raise ValueError(f"SenML pack is a {type(records).__name__}, expected an array")
    base_name = ""
    resolved = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValueError(f"SenML record {index} is a {type(record).__name__}, expected a map")
        if "bn" in record:
            base_name = _expect_type(record["bn"], str, "bn", index)
        name = base_name + _expect_type(record.get("n", ""), str, "n", index)

        fields = [field for field in _SENML_VALUE_FIELDS if field in record]
        if len(fields) != 1:
            raise ValueError(
                f"SenML record {index} ({name}) has value fields {fields}, expected one"
            )
        field = fields[0]
        value = _senml_value(field, record[field], data_is_text, index)
        resolved.append(SenmlRecord(name, field, value))
    return resolved


def _expect_type(value, expected, label, index):
    # bool is a subclass of int, but a SenML boolean is never a number.
    if isinstance(value, bool) and expected is not bool:
        raise ValueError(f'SenML record {index}: "{label}" is a boolean')
    if not isinstance(value, expected):
        raise ValueError(f'SenML record {index}: "{label}" has the invalid value {value!r}')
    return value


def _senml_value(field, value, data_is_text, index):
    if field == "v":
        return _expect_type(value, (int, float), field, index)
    if field == "vb":
        return _expect_type(value, bool, field, index)
    if field in ("vs", "vlo"):
        return _expect_type(value, str, field, index)
    if not data_is_text:
        return _expect_type(value, bytes, field, index)
    return decode_base64url(_expect_type(value, str, field, index))


def decode_base64url(text):
    """Decode base64url text without padding (RFC 4648), strictly."""
    if "=" in text or "+" in text or "/" in text:
        raise ValueError(
            f"base64url text contains padding or a standard-alphabet character: {text!r}"
        )
    if len(text) % 4 == 1:
        raise ValueError(f"base64url text of {len(text)} characters has an invalid length")
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except ValueError as error:
        raise ValueError(f"invalid base64url text {text!r}: {error}")


def decode_senml_json(text):
    """Decode a SenML JSON payload (bytes or str) into a list of SenmlRecord."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid SenML JSON: {error}")
    return resolve_senml(records, data_is_text=True)


def decode_senml_cbor(data):
    """Decode a SenML CBOR payload into a list of SenmlRecord."""
    records = decode_cbor(data)
    if not isinstance(records, list):
        raise ValueError(f"SenML CBOR pack is a {type(records).__name__}, expected an array")
    labelled = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValueError(f"SenML CBOR record {index} is not a map")
        fields = {}
        for key, value in record.items():
            # RFC 8428 labels are integers. LwM2M adds text labels, such as "vlo".
            if isinstance(key, int) and key not in SENML_CBOR_LABELS:
                raise ValueError(f"SenML CBOR record {index} has an unknown label {key}")
            fields[SENML_CBOR_LABELS.get(key, key)] = value
        labelled.append(fields)
    return resolve_senml(labelled, data_is_text=False)


def senml_values(records):
    """Return {name: value} for resolved records. Raise ValueError if a name repeats."""
    values = {}
    for record in records:
        if record.name in values:
            raise ValueError(f"SenML pack contains {record.name} twice")
        values[record.name] = record.value
    return values
