"""Persistence: a client killed with SIGKILL resumes its registration from --state-file.

The tests decode the state file with their own reader (state_file.py), so a
client that writes a damaged file fails them.
"""

import os
import random
import shutil
import signal
import tempfile
import time
import unittest

from harness import STEP_TIMEOUT_S, IntegrationTest, _parse_event
from state_file import HEADER, decode_state

STATE_NAME = "state"
CORRUPT_PATTERN = (
    r"E \[persist\] state 'state' is corrupt \(bad checksum\), "
    r"starting from the factory configuration"
)
SAVED_PATTERN = r"\[persist\] saved state 'state'"

# Kill-and-restart rounds of the crash test, and the seed of their random timing.
CRASH_ROUNDS = 20
CRASH_SEED = 20261204


class PersistenceTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.directory = tempfile.mkdtemp(prefix="lwm2m-persist-")
        self.addCleanup(shutil.rmtree, self.directory)
        self.state_file = os.path.join(self.directory, STATE_NAME)
        self.client_args = ["--state-file", self.state_file, "--lifetime", "60"]

    def kill_client(self, client):
        client.send_signal(signal.SIGKILL)
        self.assertIsNotNone(client.wait_exit(STEP_TIMEOUT_S), "client survived SIGKILL")

    def read_state(self):
        with open(self.state_file, "rb") as stream:
            return stream.read()


class RestartTest(PersistenceTest):
    """One kill and restart: Update from the same port, or Register after damage."""

    def test_restart_sends_update_from_same_port(self):
        server, client, register = self.start_pair("persist", self.client_args)
        self.assertIsNotNone(client.wait_for_log(SAVED_PATTERN, STEP_TIMEOUT_S), self.describe())
        state = decode_state(self.read_state())
        self.assertTrue(state["registered"], state)
        self.assertEqual(state["port"], register["port"], state)
        self.assertEqual(state["location"], register["location"], state)
        self.kill_client(client)

        server_uri = f"coap://127.0.0.1:{server.port}"
        restarted = self.start_client(server_uri, "persist", self.client_args)
        update = server.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after the restart\n" + self.describe())
        self.assertEqual(update["port"], register["port"], f"Update from a new port: {update}")
        self.assertEqual(update["location"], register["location"], update)
        self.assertEqual(server.events("register"), [register], "restart sent a Register")
        self.assertIsNotNone(
            restarted.wait_for_log(r"\[reg\] Update accepted", STEP_TIMEOUT_S), self.describe()
        )

    def test_corrupt_file_registers_again(self):
        server, client, register = self.start_pair("persist", self.client_args)
        self.assertIsNotNone(client.wait_for_log(SAVED_PATTERN, STEP_TIMEOUT_S), self.describe())
        self.kill_client(client)
        blob = bytearray(self.read_state())
        blob[HEADER.size + 2] ^= 0x20
        with open(self.state_file, "wb") as stream:
            stream.write(blob)

        server_uri = f"coap://127.0.0.1:{server.port}"
        restarted = self.start_client(server_uri, "persist", self.client_args)
        self.assertIsNotNone(
            restarted.wait_for_log(CORRUPT_PATTERN, STEP_TIMEOUT_S),
            "no corrupt-state error\n" + self.describe(),
        )
        again = server.wait_event("register", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(again, "no Register after the corrupt state\n" + self.describe())
        self.assertEqual(server.events("update"), [], "client sent an Update on corrupt state")


def registration_event(line):
    """True for a server output line that is an Update or Register event."""
    event = _parse_event(line)
    return event is not None and event.get("event") in ("update", "register")


class CrashTest(PersistenceTest):
    """Kills the client at random moments while the server writes the lifetime."""

    def test_state_file_always_decodes(self):
        rng = random.Random(CRASH_SEED)
        server, client, register = self.start_pair("crash", self.client_args)
        self.assertIsNotNone(client.wait_for_log(SAVED_PATTERN, STEP_TIMEOUT_S), self.describe())
        saved_lifetime = 60

        for round_number in range(CRASH_ROUNDS):
            lifetime = rng.randrange(30, 600)
            server.send_command(f"write crash /1/0/1 {lifetime}")
            time.sleep(rng.uniform(0, 0.05))
            self.kill_client(client)

            # The kill may come before the Write arrives, during it or after the save.
            state = decode_state(self.read_state())
            self.assertIn(
                state["lifetime"], (saved_lifetime, lifetime), f"round {round_number}: {state}"
            )
            saved_lifetime = state["lifetime"]

            mark = len(server.stdout.lines()) - 1
            server_uri = f"coap://127.0.0.1:{server.port}"
            client = self.start_client(server_uri, "crash", self.client_args)
            seen = server.stdout.wait_for(registration_event, STEP_TIMEOUT_S, after=mark)
            self.assertIsNotNone(
                seen, f"round {round_number}: no Update or Register\n" + self.describe()
            )
            # The next write must find the client registered, not still waiting for the response.
            back = client.wait_for_log(r"\[reg\] (Update accepted|registered at)", STEP_TIMEOUT_S)
            self.assertIsNotNone(
                back, f"round {round_number}: client did not come back\n" + self.describe()
            )

if __name__ == "__main__":
    unittest.main()
