"""lwm2m-dtls-frontend in front of the test server, driven by dtls-frontend-probe.

The probe is a DTLS client on mbedTLS. It registers through the front end with a PSK and
Connection ID, moves to a new UDP source port and sends an Update over the same session,
then closes the session, resumes it and sends another Update. LWM2M_DTLS_FRONTEND and
LWM2M_DTLS_PROBE are the paths of the two programs, set by ctest.
"""

import json
import subprocess
import unittest

from harness import (
    STEP_TIMEOUT_S,
    TAIL_LINES,
    IntegrationTest,
    LineCollector,
    program_path,
    stop_process,
)

IDENTITY = "probe"
KEY_HEX = "000102030405060708090a0b0c0d0e0f"

# Upper bound for a whole probe run, a handful of loopback round trips.
PROBE_TIMEOUT_S = 30


def parse_lines(lines):
    """Return the JSON objects among `lines`."""
    parsed = []
    for line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            parsed.append(value)
    return parsed


class FrontendProcess:
    """lwm2m-dtls-frontend on a free port of `listen`, forwarding to `backend_port` of
    `backend_host`. `prefix` goes before the command line, as for ServerProcess.

    Raise RuntimeError if it does not print its "listening" event within STEP_TIMEOUT_S.
    """

    def __init__(
        self, backend_port, extra_args=(), listen="127.0.0.1", backend_host="127.0.0.1", prefix=()
    ):
        arguments = list(prefix) + [
            program_path("LWM2M_DTLS_FRONTEND"),
            "--listen", listen,
            "--port", "0",
            "--backend", f"{backend_host}:{backend_port}",
            "--psk", f"{IDENTITY}:{KEY_HEX}",
        ] + list(extra_args)
        self.process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.stdout = LineCollector(self.process.stdout, f"frontend-{self.process.pid}-stdout")
        self.stderr = LineCollector(self.process.stderr, f"frontend-{self.process.pid}-stderr")

        listening = self.wait_event("listening", STEP_TIMEOUT_S)
        if listening is None:
            self.stop()
            raise RuntimeError(
                f"lwm2m-dtls-frontend printed no listening event within {STEP_TIMEOUT_S} s\n"
                + self.describe()
            )
        self.port = listening["port"]

    def events(self, name):
        """Return the events named `name` so far."""
        return [event for event in parse_lines(self.stdout.lines()) if event.get("event") == name]

    def wait_event(self, name, timeout_s, count=1):
        """Return the `count`-th event named `name`, or None if it does not arrive in time."""
        seen = []

        def matches(line):
            event = parse_lines([line])
            if event and event[0].get("event") == name:
                seen.append(event[0])
            return len(seen) >= count

        if self.stdout.wait_for(matches, timeout_s) is None:
            return None
        return seen[count - 1]

    def describe(self):
        """Format the last events and stderr lines for an assertion message."""
        events = "\n".join(self.stdout.lines()[-TAIL_LINES:])
        stderr_lines = "\n".join(self.stderr.lines()[-TAIL_LINES:])
        return f"--- frontend events ---\n{events}\n--- frontend stderr ---\n{stderr_lines}"

    def stop(self):
        """Stop the front end (SIGTERM, then SIGKILL if needed) and return its exit status."""
        status = stop_process(self.process)
        self.stdout.join(STEP_TIMEOUT_S)
        self.stderr.join(STEP_TIMEOUT_S)
        self.process.stdout.close()
        self.process.stderr.close()
        return status


class DtlsFrontendTest(IntegrationTest):
    """PSK sessions through the front end, with Connection ID and resumption."""

    def setUp(self):
        super().setUp()
        self.frontends = []

    def start_frontend(self, backend_port, extra_args=()):
        frontend = FrontendProcess(backend_port, extra_args)
        self.frontends.append(frontend)
        self.addCleanup(self._stop_frontend, frontend)
        return frontend

    def _stop_frontend(self, frontend):
        if frontend.process.poll() is None:
            frontend.stop()

    def run_probe(self, frontend, psk=f"{IDENTITY}:{KEY_HEX}", endpoint="dtls-probe"):
        """Run the probe to completion and return (exit status, step lines, stderr)."""
        result = subprocess.run(
            [
                program_path("LWM2M_DTLS_PROBE"),
                "--frontend", f"127.0.0.1:{frontend.port}",
                "--psk", psk,
                "--endpoint", endpoint,
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
        )
        steps = parse_lines(result.stdout.decode("utf-8", "replace").splitlines())
        return result.returncode, steps, result.stderr.decode("utf-8", "replace")

    def describe(self):
        parts = [super().describe()] + [frontend.describe() for frontend in self.frontends]
        return "\n".join(parts)

    def test_address_change_and_resumption(self):
        server = self.start_server()
        frontend = self.start_frontend(server.port)

        status, steps, stderr = self.run_probe(frontend)
        context = f"probe steps: {steps}\nprobe stderr: {stderr}\n" + self.describe()
        self.assertEqual(status, 0, "probe failed\n" + context)

        # Both sessions end with the probe's close_notify.
        closed = frontend.wait_event("session_closed", STEP_TIMEOUT_S, count=2)
        self.assertIsNotNone(closed, "sessions not closed\n" + context)

        handshakes = frontend.events("dtls_handshake")
        self.assertEqual(
            [event["resumed"] for event in handshakes], [False, True], "handshakes\n" + context
        )
        self.assertEqual(
            [event["identity"] for event in handshakes], [IDENTITY, IDENTITY], context
        )
        full = handshakes[0]
        self.assertTrue(full["cid"], "no Connection ID in the full handshake\n" + context)

        changes = frontend.events("peer_address_changed")
        self.assertEqual(len(changes), 1, "peer_address_changed events\n" + context)
        self.assertEqual(changes[0]["cid"], full["cid"], context)
        self.assertEqual(changes[0]["old"], full["peer"], context)
        self.assertNotEqual(changes[0]["new"], full["peer"], context)

        # The server's events come through another pipe than the front end's.
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint="dtls-probe")
        self.assertIsNotNone(register, "no Register\n" + context)
        registers = server.events("register", endpoint="dtls-probe")
        self.assertEqual(len(registers), 1, "register events\n" + context)
        updates = server.wait_event("update", STEP_TIMEOUT_S, after=registers[0].index)
        self.assertIsNotNone(updates, "no update after the port change\n" + context)

        # The first Update came over the same DTLS session from a new client port, so it
        # reaches the server from the session's backend socket, unchanged.
        self.assertEqual(updates["port"], registers[0]["port"], context)
        self.assertFalse(updates["moved"], context)

        # The resumed session is a new session with its own backend socket.
        second = server.wait_event(
            "update", STEP_TIMEOUT_S, after=updates.index, endpoint="dtls-probe"
        )
        self.assertIsNotNone(second, "no Update after the resumption\n" + context)
        resumed_updates = server.events("update", endpoint="dtls-probe")
        self.assertEqual(len(resumed_updates), 2, "update events\n" + context)
        self.assertNotEqual(resumed_updates[1]["port"], registers[0]["port"], context)

        self.assertEqual(frontend.stop(), 0, "front end exit status\n" + context)
        self.assertEqual(len(frontend.events("stopped")), 1, context)

    def test_unknown_identity(self):
        server = self.start_server()
        frontend = self.start_frontend(server.port)

        status, steps, stderr = self.run_probe(frontend, psk=f"nobody:{KEY_HEX}")
        context = f"probe steps: {steps}\nprobe stderr: {stderr}\n" + self.describe()
        self.assertEqual(status, 1, "probe succeeded with an unknown identity\n" + context)

        failed = frontend.wait_event("dtls_failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "no dtls_failed event\n" + context)
        self.assertEqual(failed["identity"], "nobody", context)
        self.assertIn("Unknown identity", failed["reason"], context)
        self.assertEqual(frontend.events("dtls_handshake"), [], context)
        self.assertEqual(server.events("register"), [], context)

    def test_wrong_key(self):
        server = self.start_server()
        frontend = self.start_frontend(server.port)

        status, steps, stderr = self.run_probe(frontend, psk=f"{IDENTITY}:ffff")
        context = f"probe steps: {steps}\nprobe stderr: {stderr}\n" + self.describe()
        self.assertEqual(status, 1, "probe succeeded with a wrong key\n" + context)

        failed = frontend.wait_event("dtls_failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "no dtls_failed event\n" + context)
        self.assertIn("MAC", failed["reason"], context)
        self.assertEqual(server.events("register"), [], context)

    def test_no_cid(self):
        server = self.start_server()
        frontend = self.start_frontend(server.port, ["--no-cid"])

        status, steps, stderr = self.run_probe(frontend)
        context = f"probe steps: {steps}\nprobe stderr: {stderr}\n" + self.describe()
        self.assertEqual(status, 1, "probe succeeded without Connection ID\n" + context)
        self.assertIn("did not negotiate a Connection ID", stderr, context)

        handshake = frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S)
        self.assertIsNotNone(handshake, "no dtls_handshake event\n" + context)
        self.assertEqual(handshake["cid"], "", context)


if __name__ == "__main__":
    unittest.main()
