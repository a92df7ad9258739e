"""Shared parts of the benchmark scripts: collecting a tool's output lines and JSON
events, stopping it by pid, and a UDP relay on 127.0.0.1 that stores every datagram
between the clients and one target."""

import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

STOP_TIMEOUT_S = 5.0


@dataclass
class Datagram:
    time: float
    upstream: bool  # sent by the client
    payload: bytes
    client: tuple = None  # the client's (address, port)


class LineReader:
    """Collects the lines of a process's output stream in a thread."""

    def __init__(self, stream):
        self._lines = []
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for raw in stream:
            with self._condition:
                self._lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._condition.notify_all()

    def lines(self):
        with self._condition:
            return list(self._lines)

    def wait_for(self, predicate, timeout_s):
        """Return the first line that satisfies `predicate`, or None after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self._condition:
            while True:
                for line in self._lines:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._condition.wait(remaining)

    def join(self, timeout_s):
        self._thread.join(timeout_s)


def parse_event(line):
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


class Program:
    """A started tool with its stdout and stderr lines collected; stopped by its pid."""

    def __init__(self, arguments, keep_stdin=False):
        self.arguments = arguments
        self.process = subprocess.Popen(
            arguments,
            stdin=subprocess.PIPE if keep_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.stdout = LineReader(self.process.stdout)
        self.stderr = LineReader(self.process.stderr)

    def events(self, name):
        events = (parse_event(line) for line in self.stdout.lines())
        return [event for event in events if event is not None and event.get("event") == name]

    def wait_events(self, name, count, timeout_s):
        """Return the first `count` events named `name`, or None if they do not all arrive."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.events(name)
            if len(found) >= count:
                return found[:count]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                return None
            time.sleep(min(remaining, 0.05))

    def stop(self):
        """Send SIGTERM to the pid, then SIGKILL if it still runs after STOP_TIMEOUT_S."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.stdout.join(STOP_TIMEOUT_S)
        self.stderr.join(STOP_TIMEOUT_S)
        self.process.stdout.close()
        self.process.stderr.close()

    def describe(self):
        tail = self.stdout.lines()[-20:] + self.stderr.lines()[-20:]
        return f"--- {os.path.basename(self.arguments[0])} ---\n" + "\n".join(tail)


class Relay:
    """Forwards UDP datagrams between clients on 127.0.0.1 and one target, and stores each
    datagram. Each client address gets its own socket towards the target, so the target
    receives the datagrams of one client address from one stable address."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.client_addresses = []
        self._upstream = {}  # client address -> socket towards the target
        self._clients = {}  # socket towards the target -> client address
        self._datagrams = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            sockets = [self.listener, *self._clients]
            readable, _, _ = select.select(sockets, [], [], 0.1)
            for sock in readable:
                if sock is self.listener:
                    self._forward_up()
                else:
                    self._forward_down(sock)

    def _forward_up(self):
        payload, address = self.listener.recvfrom(65535)
        upstream = self._upstream.get(address)
        if upstream is None:
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            upstream.bind(("127.0.0.1", 0))
            upstream.connect(self.target)
            self._upstream[address] = upstream
            self._clients[upstream] = address
            self.client_addresses.append(address)
        self._store(True, payload, address)
        try:
            upstream.send(payload)
        except ConnectionRefusedError:
            # An ICMP port unreachable from the target, for an earlier datagram.
            pass

    def _forward_down(self, upstream):
        try:
            payload = upstream.recv(65535)
        except ConnectionRefusedError:
            # An ICMP port unreachable from the target, for an earlier datagram.
            return
        self._store(False, payload, self._clients[upstream])
        self.listener.sendto(payload, self._clients[upstream])

    def _store(self, upstream, payload, client):
        with self._lock:
            self._datagrams.append(Datagram(time.monotonic(), upstream, payload, client))

    def datagrams(self):
        with self._lock:
            return list(self._datagrams)

    def wait_quiet(self, quiet_s, timeout_s):
        """Wait until no datagram has passed for `quiet_s`, for at most `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            datagrams = self.datagrams()
            last = datagrams[-1].time if datagrams else 0.0
            if time.monotonic() - last >= quiet_s:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self._stop.set()
        self._thread.join(STOP_TIMEOUT_S)
        for sock in [self.listener, *self._clients]:
            sock.close()
