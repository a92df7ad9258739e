"""Process handling for the integration tests: the test server, the demo client, their output,
and a raw UDP peer for tests that must send exact bytes.

The programs come from the environment: LWM2M_SERVER is the path of lwm2m-server and
LWM2M_CLIENT the path of lwm2m-client. ctest sets both. Every wait here has a timeout, and
processes are stopped by pid with SIGTERM, then SIGKILL after STOP_TIMEOUT_S.
"""

import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

import coap_message as coap

# Upper bound for a step that normally takes milliseconds on loopback, such as a Register.
STEP_TIMEOUT_S = 5.0

# Time a stopped process gets to exit after SIGTERM, and again after SIGKILL.
STOP_TIMEOUT_S = 5.0

# Default time a stopped client waits for the De-register response. It is below
# STOP_TIMEOUT_S, so a client whose server does not respond exits before it gets SIGKILL.
CLIENT_DEREGISTER_TIMEOUT_S = 2

# Manufacturer of the demo client: config.device.manufacturer in tools/lwm2m-client/main.cpp.
DEMO_MANUFACTURER = "lwm2m-cpp"

# Lines of output quoted in assertion messages.
TAIL_LINES = 40


def program_path(variable):
    """Return the path of a program from the environment variable `variable`."""
    path = os.environ.get(variable)
    if not path:
        raise RuntimeError(
            f"{variable} is not set: run the tests with ctest, or export {variable} "
            "with the path of the built program"
        )
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{variable}={path} is not an executable file: build it first")
    return path


def stop_process(process, timeout_s=STOP_TIMEOUT_S):
    """Stop `process` by pid: SIGTERM, then SIGKILL if it is still running after `timeout_s`.

    Return its exit status. Raise RuntimeError if it survives SIGKILL for `timeout_s`.
    """
    if process.poll() is not None:
        return process.returncode

    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        pass

    process.kill()
    try:
        return process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"pid {process.pid} did not exit {timeout_s} s after SIGKILL")


def wait_stopped(pid):
    """Wait until `pid` is stopped by a signal, because kill() returns before that.

    Raise AssertionError if it is not stopped within STEP_TIMEOUT_S.
    """
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The state follows the command name, which is in parentheses.
            if stat.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        time.sleep(0.01)
    raise AssertionError(f"pid {pid} did not stop within {STEP_TIMEOUT_S} s")


def socket_descriptors(pid):
    """Return the open file descriptors of `pid` that are sockets, as "fd -> socket:[inode]"."""
    found = []
    directory = f"/proc/{pid}/fd"
    for name in os.listdir(directory):
        try:
            target = os.readlink(os.path.join(directory, name))
        except FileNotFoundError:
            continue  # closed between listdir() and readlink()
        if target.startswith("socket:["):
            found.append(f"{name} -> {target}")
    return found


class LineCollector:
    """Lines of a pipe, read by a background thread and kept in order for waiting and search."""

    def __init__(self, stream, name):
        self._lines = []
        self._closed = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), name=name, daemon=True)
        self._thread.start()

    def _read(self, stream):
        try:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                with self._condition:
                    self._lines.append(line)
                    self._condition.notify_all()
        except (OSError, ValueError):
            pass  # the stream was closed under the thread, which ends the output too
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def lines(self):
        """Return a copy of the lines read so far."""
        with self._condition:
            return list(self._lines)

    def wait_for(self, predicate, timeout_s, after=-1):
        """Return the index of the first line after index `after` for which `predicate` is true.

        Return None if no such line arrives within `timeout_s` or the pipe closes first.
        """
        deadline = time.monotonic() + timeout_s
        index = after + 1
        with self._condition:
            while True:
                while index < len(self._lines):
                    if predicate(self._lines[index]):
                        return index
                    index += 1
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    return None
                self._condition.wait(remaining)

    def join(self, timeout_s):
        """Wait at most `timeout_s` for the reader thread to reach the end of the pipe."""
        self._thread.join(timeout_s)


class Event(dict):
    """One JSON event of the server, with `index`, its line number in the server's stdout."""

    def __init__(self, fields, index):
        super().__init__(fields)
        self.index = index


def _parse_event(line):
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


class ServerProcess:
    """lwm2m-server listening on the given addresses, with its events parsed.

    `port` 0 picks a free port; a fixed one lets a test restart a server where it was.
    `prefix` goes before the command line, such as `ip netns exec NAME` to run the server
    in a network namespace. Raise RuntimeError if the server does not print its "listening"
    event within STEP_TIMEOUT_S.
    """

    def __init__(self, listen=("127.0.0.1",), extra_args=(), prefix=(), port=0):
        arguments = list(prefix) + [program_path("LWM2M_SERVER"), "--port", str(port)]
        for address in listen:
            arguments += ["--listen", address]
        arguments += list(extra_args)

        self.process = subprocess.Popen(
            arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.stdout = LineCollector(self.process.stdout, f"server-{self.process.pid}-stdout")
        self.stderr = LineCollector(self.process.stderr, f"server-{self.process.pid}-stderr")
        self._next_command_id = 1

        listening = self.wait_event("listening", STEP_TIMEOUT_S)
        if listening is None:
            self.stop()
            raise RuntimeError(
                f"lwm2m-server printed no listening event within {STEP_TIMEOUT_S} s\n"
                + self.describe()
            )
        self.port = listening["port"]
        # The whole event, for the ports that only some tests open (dtls_port, ...).
        self.listening = listening

    def events(self, name=None, **fields):
        """Return the events so far, optionally only those named `name` with the given fields.

        Here and in wait_event(), `name` is one event name or a tuple of names.
        """
        found = []
        for index, line in enumerate(self.stdout.lines()):
            event = _parse_event(line)
            if event is not None and _event_matches(event, name, fields):
                found.append(Event(event, index))
        return found

    def wait_event(self, name, timeout_s, after=-1, **fields):
        """Return the first event named `name` with the given fields after line index `after`.

        Return None if none arrives within `timeout_s`.
        """

        def matches(line):
            event = _parse_event(line)
            return event is not None and _event_matches(event, name, fields)

        index = self.stdout.wait_for(matches, timeout_s, after)
        if index is None:
            return None
        return Event(json.loads(self.stdout.lines()[index]), index)

    def send_command(self, line):
        """Write one command line to the server and return the id its events will carry.

        The server numbers its command lines from 1 in input order, skipping blank lines and
        `#` comments, so `line` must be a command.
        """
        command_id = self._next_command_id
        self._next_command_id += 1
        self.process.stdin.write(line.encode("utf-8") + b"\n")
        self.process.stdin.flush()
        return command_id

    def run_command(self, line, timeout_s=STEP_TIMEOUT_S):
        """Send a downlink command and return its "response", "timeout" or "error" event.

        Return None if none of them arrives within `timeout_s`.
        """
        command_id = self.send_command(line)

        def finishes_command(line):
            event = _parse_event(line)
            return (
                event is not None
                and event.get("id") == command_id
                and event.get("event") in ("response", "timeout", "error")
            )

        index = self.stdout.wait_for(finishes_command, timeout_s)
        if index is None:
            return None
        return Event(json.loads(self.stdout.lines()[index]), index)

    def describe(self):
        """Format the last events and stderr lines for an assertion message."""
        events = "\n".join(self.stdout.lines()[-TAIL_LINES:])
        stderr_lines = "\n".join(self.stderr.lines()[-TAIL_LINES:])
        return f"--- server events ---\n{events}\n--- server stderr ---\n{stderr_lines}"

    def stop(self):
        """Stop the server and return its exit status."""
        status = stop_process(self.process)
        self.process.stdin.close()
        self.stdout.join(STOP_TIMEOUT_S)
        self.stderr.join(STOP_TIMEOUT_S)
        self.process.stdout.close()
        self.process.stderr.close()
        return status


def _event_matches(event, name, fields):
    names = (name,) if isinstance(name, str) else name
    if names is not None and event.get("event") not in names:
        return False
    return all(event.get(key) == value for key, value in fields.items())


class LogLine:
    """One client log line that matched a pattern: its index, its text and the match."""

    def __init__(self, index, text, match):
        self.index = index
        self.text = text
        self.match = match


class ClientProcess:
    """lwm2m-client talking to `server_uri` (None for none), with its stderr log collected
    line by line. `prefix` goes before the command line, as for ServerProcess."""

    def __init__(self, server_uri, endpoint, extra_args=(), log_level="debug", prefix=()):
        arguments = list(prefix) + [program_path("LWM2M_CLIENT"), "--endpoint", endpoint]
        # None: no factory server account, for a client that bootstraps (--bootstrap).
        if server_uri is not None:
            arguments += ["--server", server_uri]
        arguments += ["--log-level", log_level]
        # The client rejects an option given twice, so the default goes in only when the
        # test sets no other.
        if "--deregister-timeout" not in extra_args:
            arguments += ["--deregister-timeout", str(CLIENT_DEREGISTER_TIMEOUT_S)]
        arguments += list(extra_args)

        self.endpoint = endpoint
        self.process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.pid = self.process.pid
        self.log = LineCollector(self.process.stderr, f"client-{self.pid}-stderr")

    def wait_for_log(self, pattern, timeout_s, after=-1):
        """Return the first log line after index `after` that matches the regex `pattern`.

        Return None if none arrives within `timeout_s` or the client exits first.
        """
        regex = re.compile(pattern)
        index = self.log.wait_for(lambda line: regex.search(line) is not None, timeout_s, after)
        if index is None:
            return None
        text = self.log.lines()[index]
        return LogLine(index, text, regex.search(text))

    def log_lines(self, pattern):
        """Return the log lines so far that match the regex `pattern`."""
        regex = re.compile(pattern)
        return [line for line in self.log.lines() if regex.search(line)]

    def socket_descriptors(self):
        """Return the client's open sockets, as listed by socket_descriptors()."""
        return socket_descriptors(self.pid)

    def is_running(self):
        return self.process.poll() is None

    def send_signal(self, number):
        self.process.send_signal(number)

    def wait_exit(self, timeout_s):
        """Return the exit status, or None if the client still runs after `timeout_s`.

        Once the client has exited, its whole log has been read too.
        """
        try:
            status = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None
        self.log.join(STOP_TIMEOUT_S)
        return status

    def describe(self):
        """Format the last log lines for an assertion message."""
        return "--- client log ---\n" + "\n".join(self.log.lines()[-TAIL_LINES:])

    def stop(self):
        """Stop the client and return its exit status."""
        status = stop_process(self.process)
        self.log.join(STOP_TIMEOUT_S)
        self.process.stderr.close()
        return status


class RawPeer:
    """UDP socket on 127.0.0.1 that exchanges raw datagrams with one client."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.client_address = None
        self._next_message_id = random.randrange(0x10000)

    def close(self):
        self.socket.close()

    def accept_register(self, location, timeout_s):
        """Wait for a Register and respond to it with 2.01 and Location-Path "rd/<location>".

        Return the decoded Register, or None if no datagram came within `timeout_s`.
        """
        datagram = self.receive(timeout_s)
        if datagram is None:
            return None
        request = coap.decode(datagram)
        location_path = [(coap.LOCATION_PATH, "rd"), (coap.LOCATION_PATH, location)]
        self.send(
            coap.encode(coap.ACK, coap.CREATED, request.message_id, request.token, location_path)
        )
        return request

    def new_message_id(self):
        message_id = self._next_message_id
        self._next_message_id = (self._next_message_id + 1) & 0xFFFF
        return message_id

    def receive(self, timeout_s):
        """Return the next datagram from the client, or None after `timeout_s`.

        Before the first datagram any sender counts as the client, and after it datagrams
        from other addresses are skipped.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.socket.settimeout(remaining)
            try:
                data, address = self.socket.recvfrom(65535)
            except socket.timeout:
                return None
            if self.client_address is None:
                self.client_address = address
            if address == self.client_address:
                return data

    def send(self, datagram):
        self.socket.sendto(datagram, self.client_address)


class IntegrationTest(unittest.TestCase):
    """Test case that starts the server and clients and stops them, client first, at cleanup."""

    def setUp(self):
        self.servers = []
        self.clients = []

    def start_server(self, listen=("127.0.0.1",), extra_args=(), prefix=(), port=0):
        server = ServerProcess(listen, extra_args, prefix, port)
        self.servers.append(server)
        self.addCleanup(server.stop)
        return server

    def start_client(self, server_uri, endpoint, extra_args=(), prefix=()):
        client = ClientProcess(server_uri, endpoint, extra_args, prefix=prefix)
        self.clients.append(client)
        self.addCleanup(client.stop)
        return client

    def start_pair(self, endpoint, client_args=()):
        """Start a server on 127.0.0.1 and a client, and return them with the register event.

        Fail the test unless the server and the client both show the registration within
        STEP_TIMEOUT_S.
        """
        server = self.start_server()
        client = self.start_client(f"coap://127.0.0.1:{server.port}", endpoint, client_args)
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(
            register,
            f"no register event from {endpoint} within {STEP_TIMEOUT_S} s\n" + self.describe(),
        )

        # The server logs the event before the client has the response, and a test that
        # signals the client in between would meet a Register still in flight.
        registered = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(
            registered, f"{endpoint} did not log its registration\n" + self.describe()
        )
        return server, client, register

    def describe(self):
        """Format the output of every server and client of this test for an assertion message."""
        parts = [server.describe() for server in self.servers]
        parts += [client.describe() for client in self.clients]
        return "\n".join(parts)
