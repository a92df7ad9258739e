"""An independent reader of the client's state file, the format of
src/persist/state_store.hpp, so that a client writing a damaged file fails
the tests that read it."""

import struct
import zlib

MAGIC = b"LWM2"
FORMAT_VERSION = 3
HEADER = struct.Struct("<4sBH")


def decode_state(blob):
    """Return the fields the tests check from a state file:
    {"accounts": [{"id", "uri", "bootstrap", "ssid", "identity", "secret_key"}],
     "sessions": [{"server": {"id", "ssid", "last_bootstrapped"}, "lifetime", "registered",
     "port", "location"}], and the fields of the first session at the top level ("server"
     None, "registered" False when there is none)}.

    Raise ValueError for a blob that a correct client never writes.
    """
    if len(blob) < HEADER.size:
        raise ValueError(f"{len(blob)} bytes, shorter than the header")
    magic, version, length = HEADER.unpack_from(blob)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"magic {magic!r}, version {version}")
    if len(blob) != HEADER.size + length + 4:
        raise ValueError(f"{len(blob)} bytes for a content length of {length}")
    content = blob[HEADER.size : HEADER.size + length]
    (crc,) = struct.unpack_from("<I", blob, HEADER.size + length)
    if crc != zlib.crc32(content):
        raise ValueError("bad checksum")

    position = 0

    def take(size):
        nonlocal position
        if position + size > len(content):
            raise ValueError("content truncated")
        field = content[position : position + size]
        position += size
        return field

    def data():
        (size,) = struct.unpack("<H", take(2))
        return take(size)

    def text():
        return take(take(1)[0]).decode()

    text()  # endpoint name
    take(4)  # checksum of the factory accounts
    accounts = []
    for _ in range(take(1)[0]):
        instance, flags, _mode, ssid, _hold_off, _timeout = struct.unpack("<HBBHII", take(14))
        uri = text()
        identity = data()
        data()  # Server Public Key
        secret_key = data()
        take(1)  # Certificate Usage
        text()  # SNI
        accounts.append(
            {
                "id": instance,
                "uri": uri,
                "bootstrap": flags & 1 == 1,
                "ssid": ssid,
                "identity": identity,
                "secret_key": secret_key,
            }
        )
    for _ in range(take(1)[0]):
        take(8)  # Access Control instance: ID, Object ID, Object Instance ID, Owner
        take(4 * take(1)[0])  # ACL entries
    sessions = []
    for _ in range(take(1)[0]):
        server_id, server_ssid = struct.unpack("<HH", take(4))
        lifetime, _pmin, _pmax, _disable_timeout = struct.unpack("<4I", take(16))
        take(1)  # flags
        text()  # binding
        take(4 + 4)  # APN Link, Initial Registration Delay
        (last_bootstrapped,) = struct.unpack("<q", take(8))
        take(3)  # Preferred Transport, Default Notification Mode, Profile ID Hash Algorithm
        for _ in range(take(1)[0]):
            take(6)  # Alternate APN Links
        for _ in range(take(1)[0]):
            take(2)
            text()  # Supported Server Versions
        take(10)  # Communication Retry resources 17 to 20
        registered = take(1)[0]
        (port,) = struct.unpack("<H", take(2))
        location = text()
        take(4 + 8)  # registered lifetime and expiry
        sessions.append(
            {
                "server": {
                    "id": server_id,
                    "ssid": server_ssid,
                    "last_bootstrapped": last_bootstrapped,
                },
                "lifetime": lifetime,
                "registered": registered == 1,
                "port": port,
                "location": location,
            }
        )
    if position != len(content):
        raise ValueError("trailing bytes")
    first = sessions[0] if sessions else {}
    return {
        "accounts": accounts,
        "sessions": sessions,
        "server": first.get("server"),
        "lifetime": first.get("lifetime", 0),
        "registered": first.get("registered", False),
        "port": first.get("port", 0),
        "location": first.get("location", ""),
    }
