"""tools/slip-bridge: SLIP frames from a fake device over TCP or a pseudo-terminal, and a
UDP peer on loopback.

LWM2M_SLIP_BRIDGE is the path of the bridge script, which ctest sets. The SLIP code
here is written apart from the bridge's, so each checks the other.
"""

import json
import os
import select
import socket
import subprocess
import termios
import time
import tty
import unittest

from harness import STEP_TIMEOUT_S, TAIL_LINES, LineCollector, program_path, stop_process

END = 0xC0
ESC = 0xDB
ESC_END = 0xDC
ESC_ESC = 0xDD

# Result codes of an 'o' frame.
OPENED = 0
IN_USE = 1
UNRESOLVED = 2

# Largest frame the bridge accepts from the device, in decoded bytes.
MAX_FRAME_SIZE = 4096

# Bridge time limit for the tests that do not test it. The tests end far sooner.
BRIDGE_MAX_SECONDS = 60


def slip_encode(frame):
    """Return `frame` with END and ESC escaped, between two END bytes."""
    encoded = bytearray([END])
    for byte in frame:
        if byte == END:
            encoded += bytes([ESC, ESC_END])
        elif byte == ESC:
            encoded += bytes([ESC, ESC_ESC])
        else:
            encoded.append(byte)
    encoded.append(END)
    return bytes(encoded)


def slip_decode(data):
    """Return the frame encoded in `data` (the bytes between two END bytes)."""
    frame = bytearray()
    escaped = False
    for byte in data:
        if escaped:
            frame.append({ESC_END: END, ESC_ESC: ESC}[byte])
            escaped = False
        elif byte == ESC:
            escaped = True
        else:
            frame.append(byte)
    return bytes(frame)


def open_frame(sequence, local_port, remote_port, host=b"127.0.0.1"):
    return (
        b"O"
        + bytes([sequence])
        + local_port.to_bytes(2, "big")
        + remote_port.to_bytes(2, "big")
        + host
    )


def parse_event(line):
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


class BridgeProcess:
    """tools/slip-bridge on a free port, with its events collected."""

    def __init__(self, max_seconds=BRIDGE_MAX_SECONDS, serial=None):
        """Start the bridge on a free TCP port, or on the serial port `serial` if given."""
        device = ["--port", "0"] if serial is None else ["--serial", serial]
        arguments = [
            program_path("LWM2M_SLIP_BRIDGE"),
            *device,
            "--max-seconds",
            str(max_seconds),
            "--verbose",
        ]
        self.process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.stdout = LineCollector(self.process.stdout, f"bridge-{self.process.pid}-stdout")
        self.stderr = LineCollector(self.process.stderr, f"bridge-{self.process.pid}-stderr")

        # On a serial port, the bridge is connected at once.
        ready = "listening" if serial is None else "connected"
        event = self.wait_event(ready, STEP_TIMEOUT_S)
        if event is None:
            self.stop()
            raise RuntimeError(
                f"slip-bridge printed no {ready} event within {STEP_TIMEOUT_S} s\n"
                + self.describe()
            )
        self.port = event.get("port")

    def events(self, name, after=-1, before=None):
        """Return the events named `name` between line indexes `after` and `before`."""
        found = []
        for line in self.stdout.lines()[after + 1 : before]:
            event = parse_event(line)
            if event is not None and event.get("event") == name:
                found.append(event)
        return found

    def wait_event(self, name, timeout_s, after=-1):
        """Return the first event named `name` after line index `after`, with its index
        as "index", or None if none arrives within `timeout_s`."""

        def matches(line):
            event = parse_event(line)
            return event is not None and event.get("event") == name

        index = self.stdout.wait_for(matches, timeout_s, after)
        if index is None:
            return None
        event = parse_event(self.stdout.lines()[index])
        event["index"] = index
        return event

    def wait_exit(self, timeout_s):
        """Return the exit status, or None if the bridge still runs after `timeout_s`.

        After the exit, events() has every event the bridge printed.
        """
        try:
            status = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None
        self.stdout.join(timeout_s)
        self.stderr.join(timeout_s)
        return status

    def describe(self):
        """Format the last events and stderr lines for an assertion message."""
        events = "\n".join(self.stdout.lines()[-TAIL_LINES:])
        stderr_lines = "\n".join(self.stderr.lines()[-TAIL_LINES:])
        return f"--- bridge events ---\n{events}\n--- bridge stderr ---\n{stderr_lines}"

    def stop(self):
        status = stop_process(self.process)
        self.stdout.join(STEP_TIMEOUT_S)
        self.stderr.join(STEP_TIMEOUT_S)
        self.process.stdout.close()
        self.process.stderr.close()
        return status


class FakeDevice:
    """TCP connection to the bridge that sends and receives SLIP frames as the image does."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT_S)
        self._received = bytearray()

    def send_raw(self, data):
        self.socket.sendall(data)

    def send_frame(self, frame):
        self.send_raw(slip_encode(frame))

    def receive_frame(self, timeout_s=STEP_TIMEOUT_S):
        """Return the next non-empty frame, or None if none is complete within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            while END in self._received:
                end = self._received.index(END)
                data = bytes(self._received[:end])
                del self._received[: end + 1]
                if data:
                    return slip_decode(data)

            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            chunk = self.read(remaining)
            if not chunk:
                return None
            self._received += chunk

    def read(self, timeout_s):
        """Return the bytes that arrive within `timeout_s`, or b"" if none do."""
        self.socket.settimeout(timeout_s)
        try:
            return self.socket.recv(65536)
        except socket.timeout:
            return b""

    def open(self, sequence, local_port, remote_port, host=b"127.0.0.1"):
        """Send an 'O' frame and return (result, local port) of the 'o' reply."""
        self.send_frame(open_frame(sequence, local_port, remote_port, host))
        reply = self.receive_frame()
        if reply is None:
            raise AssertionError(f"no 'o' frame for 'O' sequence {sequence}")
        if len(reply) != 5 or reply[0:1] != b"o" or reply[1] != sequence:
            raise AssertionError(f"unexpected frame for 'O' sequence {sequence}: {reply!r}")
        return reply[2], int.from_bytes(reply[3:5], "big")

    def close(self):
        self.socket.close()


class PseudoTerminalDevice(FakeDevice):
    """The device on the controlling side of a pseudo-terminal, whose other side the
    bridge opens as its serial port."""

    def __init__(self):
        self.controller, self._terminal = os.openpty()
        os.set_blocking(self.controller, False)
        # Raw before the bridge opens it, so the terminal echoes nothing back, but
        # with the input flags that change bytes, which the bridge must clear.
        tty.setraw(self._terminal)
        attributes = termios.tcgetattr(self._terminal)
        attributes[0] |= (
            termios.IGNCR | termios.ICRNL | termios.INLCR | termios.ISTRIP
            | termios.IXON | termios.IXOFF
        )
        termios.tcsetattr(self._terminal, termios.TCSANOW, attributes)
        self.path = os.ttyname(self._terminal)
        self._received = bytearray()

    def connected(self):
        """Close the test's copy of the terminal side once the bridge has it open, so
        that close() hangs the terminal up."""
        os.close(self._terminal)
        self._terminal = None

    def send_raw(self, data):
        view = memoryview(data)
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out writing to the terminal: the bridge read "
                    f"{len(data) - len(view)} of {len(data)} bytes"
                )
            select.select([], [self.controller], [], remaining)
            try:
                written = os.write(self.controller, view)
            except BlockingIOError:
                continue
            view = view[written:]

    def read(self, timeout_s):
        readable, _, _ = select.select([self.controller], [], [], timeout_s)
        if not readable:
            return b""
        try:
            return os.read(self.controller, 65536)
        except BlockingIOError:
            return b""
        except OSError:
            return b""  # the bridge closed the terminal side

    def close(self):
        if self.controller is not None:
            os.close(self.controller)
            self.controller = None
        if self._terminal is not None:
            os.close(self._terminal)
            self._terminal = None


class UdpPeer:
    """UDP socket on 127.0.0.1 in the server's role, which echoes datagrams one at a time."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]

    def echo_one(self, timeout_s=STEP_TIMEOUT_S):
        """Receive one datagram, send it back to its sender and return (payload, sender).

        Return (None, None) if none arrives within `timeout_s`.
        """
        self.socket.settimeout(timeout_s)
        try:
            payload, sender = self.socket.recvfrom(65535)
        except socket.timeout:
            return None, None
        self.socket.sendto(payload, sender)
        return payload, sender

    def close(self):
        self.socket.close()


class SlipBridgeTest(unittest.TestCase):
    """The link protocol of ports/mps2-an386/README.md, end to end through the bridge."""

    def setUp(self):
        self.bridge = BridgeProcess()
        self.addCleanup(self.bridge.stop)
        self.peer = UdpPeer()
        self.addCleanup(self.peer.close)
        self.device = FakeDevice(self.bridge.port)
        self.addCleanup(self.device.close)
        connected = self.bridge.wait_event("connected", STEP_TIMEOUT_S)
        self.assertIsNotNone(connected, "no connected event\n" + self.bridge.describe())

    def open_any_port(self, sequence=1):
        result, local_port = self.device.open(sequence, 0, self.peer.port)
        self.assertEqual(result, OPENED, "open of port 0 failed\n" + self.bridge.describe())
        self.assertNotEqual(local_port, 0, "open of port 0 reported local port 0")
        return local_port

    def assert_round_trip(self, payload, local_port):
        """Send `payload` from the device, echo it at the peer and check both directions."""
        self.device.send_frame(b"D" + payload)
        received, sender = self.peer.echo_one()
        self.assertIsNotNone(received, "no datagram at the peer\n" + self.bridge.describe())
        self.assertEqual(received, payload, "datagram changed on its way to the peer")
        self.assertEqual(sender, ("127.0.0.1", local_port), "datagram from the wrong address")

        frame = self.device.receive_frame()
        self.assertIsNotNone(frame, "no 'D' frame for the echo\n" + self.bridge.describe())
        self.assertEqual(frame, b"D" + payload, "echo changed on its way to the device")

    def disconnect_and_check_exit(self):
        self.device.close()
        status = self.bridge.wait_exit(STEP_TIMEOUT_S)
        self.assertEqual(status, 0, "no exit 0 after disconnect\n" + self.bridge.describe())
        disconnected = self.bridge.events("disconnected")
        self.assertEqual(len(disconnected), 1, "no disconnected event\n" + self.bridge.describe())
        return disconnected[0]

    def test_round_trip(self):
        local_port = self.open_any_port()
        open_event = self.bridge.wait_event("open", STEP_TIMEOUT_S)
        self.assertIsNotNone(open_event, "no open event\n" + self.bridge.describe())
        self.assertEqual(open_event["result"], "opened")
        self.assertEqual(open_event["local_port"], local_port)
        self.assertEqual(open_event["requested_port"], 0)
        self.assertEqual(open_event["remote_port"], self.peer.port)
        self.assertEqual(open_event["host"], "127.0.0.1")

        self.assert_round_trip(b"\xc0", local_port)
        self.assert_round_trip(b"\xdb", local_port)
        self.assert_round_trip(b"a\xc0\xdb\xdc\xdd\xc0\xc0b", local_port)
        # The largest frame: a kind byte and 4095 payload bytes, two thirds of them escaped.
        largest = bytes([0xC0, 0xDB, 0x41]) * ((MAX_FRAME_SIZE - 1) // 3)
        self.assertEqual(len(largest), MAX_FRAME_SIZE - 1)
        self.assert_round_trip(largest, local_port)
        self.assert_round_trip(b"", local_port)
        disconnected = self.disconnect_and_check_exit()

        datagrams = self.bridge.events("datagram")
        directions = [event["direction"] for event in datagrams]
        self.assertEqual(directions.count("to_server"), 5, f"datagram events: {datagrams}")
        self.assertEqual(directions.count("to_device"), 5, f"datagram events: {datagrams}")
        self.assertIn(MAX_FRAME_SIZE - 1, [event["bytes"] for event in datagrams])
        self.assertEqual(disconnected["errors"], 0, self.bridge.describe())
        self.assertEqual(self.bridge.events("error"), [], self.bridge.describe())

    def test_reopen_same_port(self):
        local_port = self.open_any_port(sequence=1)
        self.assert_round_trip(b"before close", local_port)

        self.device.send_frame(b"C")
        close_event = self.bridge.wait_event("close", STEP_TIMEOUT_S)
        self.assertIsNotNone(close_event, "no close event\n" + self.bridge.describe())
        self.assertEqual(close_event["local_port"], local_port)

        # The port is free once the bridge has closed its socket.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", local_port))
            except OSError as exc:
                self.fail(f"port {local_port} still in use after 'C': {exc}")
        self.device.send_frame(b"Dafter close")
        error = self.bridge.wait_event("error", STEP_TIMEOUT_S)
        self.assertIsNotNone(error, "no error for a datagram after close")
        self.assertIn("no UDP socket", error["message"])

        result, reopened_port = self.device.open(2, local_port, self.peer.port)
        self.assertEqual(result, OPENED, "reopen failed\n" + self.bridge.describe())
        self.assertEqual(reopened_port, local_port, "reopen bound another port")
        self.assert_round_trip(b"after reopen", local_port)

        disconnected = self.disconnect_and_check_exit()
        self.assertEqual(disconnected["datagrams_dropped"], 1, self.bridge.describe())

    def test_every_byte_value(self):
        local_port = self.open_any_port()
        self.assert_round_trip(bytes(range(256)), local_port)
        self.assert_round_trip(bytes(range(255, -1, -1)), local_port)
        self.disconnect_and_check_exit()

    def test_repeated_open_request(self):
        request = open_frame(5, 0, self.peer.port)
        self.device.send_frame(request)
        self.device.send_frame(request)
        first = self.device.receive_frame()
        second = self.device.receive_frame()
        self.assertIsNotNone(second, "no answer to the repeat\n" + self.bridge.describe())
        self.assertEqual(second, first, "the repeat got another answer")
        local_port = int.from_bytes(first[3:5], "big")
        repeated = self.bridge.wait_event("open_repeated", STEP_TIMEOUT_S)
        self.assertIsNotNone(repeated, "no open_repeated event\n" + self.bridge.describe())
        self.assertEqual(repeated["sequence"], 5)
        self.assert_round_trip(b"one socket", local_port)

        # After a 'C', the same request opens a socket again.
        self.device.send_frame(b"C")
        result, reopened_port = self.device.open(5, 0, self.peer.port)
        self.assertEqual(result, OPENED, self.bridge.describe())
        self.assert_round_trip(b"reopened", reopened_port)
        self.disconnect_and_check_exit()
        self.assertEqual(len(self.bridge.events("open")), 2, self.bridge.describe())
        self.assertEqual(len(self.bridge.events("open_repeated")), 1, self.bridge.describe())

    def test_port_in_use(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
            # With these options on the holder, a bridge that sets either of them too
            # could share the port, so the result also checks that the bridge sets neither.
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            holder.bind(("127.0.0.1", 0))
            held_port = holder.getsockname()[1]

            result, local_port = self.device.open(7, held_port, self.peer.port)
            self.assertEqual(result, IN_USE, "port held by the test\n" + self.bridge.describe())
            self.assertEqual(local_port, 0, "failed open reported a local port")

        open_event = self.bridge.wait_event("open", STEP_TIMEOUT_S)
        self.assertIsNotNone(open_event, "no open event\n" + self.bridge.describe())
        self.assertEqual(open_event["result"], "in_use")
        self.assertEqual(open_event["requested_port"], held_port)
        self.assertEqual(open_event["sequence"], 7)

        # A failed open leaves no socket, so a datagram is dropped.
        self.device.send_frame(b"Dlost")
        error = self.bridge.wait_event("error", STEP_TIMEOUT_S)
        self.assertIsNotNone(error, "no error for a datagram without socket")

        local_port = self.open_any_port(sequence=8)
        self.assert_round_trip(b"after in use", local_port)
        disconnected = self.disconnect_and_check_exit()
        self.assertEqual(disconnected["datagrams_dropped"], 1, self.bridge.describe())

    def test_unresolved_host(self):
        for sequence, host in ((1, b""), (2, b"\xff\xfe"), (3, b"local\x00host")):
            result, local_port = self.device.open(sequence, 0, self.peer.port, host)
            self.assertEqual(result, UNRESOLVED, f"host {host!r}\n" + self.bridge.describe())
            self.assertEqual(local_port, 0, f"host {host!r} reported a local port")

        self.disconnect_and_check_exit()
        results = [event["result"] for event in self.bridge.events("open")]
        self.assertEqual(results, ["unresolved"] * 3, self.bridge.describe())

    def test_malformed_frames(self):
        end = bytes([END])
        esc = bytes([ESC])
        # Each entry is one frame the bridge drops with an error event.
        malformed = [
            end + b"D" + esc + b"A" + end,  # ESC before an ordinary byte
            end + b"Dx" + esc + end,  # ESC before END
            slip_encode(b"D" + bytes(MAX_FRAME_SIZE)),  # one byte too long
            slip_encode(b"X123"),  # unknown kind
            slip_encode(b"o\x01\x00\x00\x00"),  # a kind of the other direction
            slip_encode(b"O\x01\x00\x00\x00"),  # 'O' without its remote port
            slip_encode(b"Cx"),  # 'C' with bytes after its kind
            slip_encode(b"Dno socket"),  # a datagram with no socket open
        ]
        start = len(self.bridge.stdout.lines()) - 1
        # Empty frames come first and are skipped without an error.
        self.device.send_raw(end * 3 + b"".join(malformed))

        local_port = self.open_any_port()
        open_event = self.bridge.wait_event("open", STEP_TIMEOUT_S, after=start)
        self.assertIsNotNone(open_event, "no open event\n" + self.bridge.describe())
        errors = self.bridge.events("error", after=start, before=open_event["index"])
        messages = "\n".join(event["message"] for event in errors)
        self.assertEqual(len(errors), len(malformed), f"error events:\n{messages}")
        self.assertIn("ESC followed by 0x41", errors[0]["message"])
        self.assertIn("ESC followed by END", errors[1]["message"])
        self.assertIn(f"longer than {MAX_FRAME_SIZE}", errors[2]["message"])
        self.assertIn("unknown frame kind 0x58", errors[3]["message"])
        self.assertIn("unknown frame kind 0x6F", errors[4]["message"])
        self.assertIn("'O' frame", errors[5]["message"])
        self.assertIn("'C' frame", errors[6]["message"])
        self.assertIn("no UDP socket", errors[7]["message"])

        # The bridge still works after the dropped frames.
        self.assert_round_trip(b"still working \xc0\xdb", local_port)
        disconnected = self.disconnect_and_check_exit()
        self.assertEqual(disconnected["errors"], len(malformed), self.bridge.describe())
        self.assertEqual(disconnected["datagrams_dropped"], 1, self.bridge.describe())

    def test_refused_peer(self):
        # A port with no socket: datagrams to it draw ICMP port unreachable.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:
            closed.bind(("127.0.0.1", 0))
            closed_port = closed.getsockname()[1]
        result, _ = self.device.open(1, 0, closed_port)
        self.assertEqual(result, OPENED, self.bridge.describe())
        for _ in range(3):
            self.device.send_frame(b"Dnobody listens")
        to_server = self.bridge.wait_event("datagram", STEP_TIMEOUT_S)
        self.assertIsNotNone(to_server, "first datagram not sent\n" + self.bridge.describe())

        # The refusals end neither the bridge nor its link.
        local_port = self.open_any_port(sequence=2)
        self.assert_round_trip(b"after refusal", local_port)
        self.disconnect_and_check_exit()

    def test_one_connection_only(self):
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.bridge.port), timeout=STEP_TIMEOUT_S)
        local_port = self.open_any_port()
        self.assert_round_trip(b"first connection", local_port)
        self.disconnect_and_check_exit()


class SlipBridgeSerialTest(SlipBridgeTest):
    """The same protocol with --serial, on a pseudo-terminal in place of a board's port."""

    def setUp(self):
        self.device = PseudoTerminalDevice()
        self.addCleanup(self.device.close)
        self.bridge = BridgeProcess(serial=self.device.path)
        self.addCleanup(self.bridge.stop)
        self.device.connected()
        self.peer = UdpPeer()
        self.addCleanup(self.peer.close)
        connected = self.bridge.events("connected")
        self.assertEqual(connected[0]["device"], self.device.path, self.bridge.describe())
        self.assertEqual(connected[0]["baud"], 115200, self.bridge.describe())

    def test_one_connection_only(self):
        self.skipTest("a serial port has no second connection")


class SlipBridgeTimeLimitTest(unittest.TestCase):
    """--max-seconds ends the bridge with status 3, with and without a device."""

    def run_until_limit(self, connect):
        bridge = BridgeProcess(max_seconds=1)
        self.addCleanup(bridge.stop)
        if connect:
            device = FakeDevice(bridge.port)
            self.addCleanup(device.close)
            connected = bridge.wait_event("connected", STEP_TIMEOUT_S)
            self.assertIsNotNone(connected, "no connected event\n" + bridge.describe())

        status = bridge.wait_exit(STEP_TIMEOUT_S)
        self.assertEqual(status, 3, "bridge did not exit 3\n" + bridge.describe())
        errors = bridge.events("error")
        self.assertEqual(len(errors), 1, bridge.describe())
        self.assertIn("time limit", errors[0]["message"])
        self.assertEqual(len(bridge.events("connected")), 1 if connect else 0)

    def test_limit_without_device(self):
        self.run_until_limit(connect=False)

    def test_limit_with_idle_device(self):
        self.run_until_limit(connect=True)


if __name__ == "__main__":
    unittest.main()
