"""DTLS credentials from the Bootstrap-Server, kept across a restart.

A factory client that knows only its Bootstrap-Server gets a coaps:// server account with
a pre-shared key (Security Mode 0, Public Key or Identity, Secret Key) in a Bootstrap-Pack.
It registers over DTLS and is killed. Restarted with its state file, it sends an Update
over a new DTLS connection with the saved credentials. The key never appears in its log.

The server account is lwm2m-dtls-frontend before a test server: the restarted client
starts its handshake from the port of the killed one, and libcoap 4.3.1 drops a
ClientHello from the address of a session it still has (RFC 6347, 4.2.8 asks servers to
accept it), where the front end replaces the old session.
"""

import json
import os
import shutil
import signal
import tempfile
import unittest

from harness import STEP_TIMEOUT_S, ClientProcess, IntegrationTest
from state_file import decode_state
from test_dtls_frontend import IDENTITY, KEY_HEX, FrontendProcess

SERVER_SSID = 7
LIFETIME_S = 300
STATE_NAME = "state"
SAVED_REGISTERED_PATTERN = rf"\[persist\] saved state '{STATE_NAME}' \(\d+ bytes, registered\)"


class DtlsBootstrapTest(IntegrationTest):
    def describe(self):
        frontend = getattr(self, "frontend", None)
        return super().describe() + ("\n" + frontend.describe() if frontend else "")

    def setUp(self):
        super().setUp()
        self.state_directory = tempfile.mkdtemp(prefix="lwm2m-dtls-bs-")
        self.addCleanup(shutil.rmtree, self.state_directory)

    def start_servers(self, endpoint):
        registration = self.start_server()
        self.frontend = FrontendProcess(registration.port)
        self.addCleanup(self.frontend.stop)
        server_uri = f"coaps://127.0.0.1:{self.frontend.port}"
        plan = {
            "operations": [
                {
                    "op": "write",
                    "path": "/0/1",
                    "values": {
                        "server_uri": server_uri,
                        "bootstrap_server": False,
                        "security_mode": 0,
                        "public_key_or_identity": IDENTITY.encode().hex(),
                        "secret_key": KEY_HEX,
                        "short_server_id": SERVER_SSID,
                    },
                },
                {
                    "op": "write",
                    "path": "/1/0",
                    "values": {"short_server_id": SERVER_SSID, "lifetime": LIFETIME_S, "binding": "U"},
                },
                {"op": "finish"},
            ]
        }
        path = os.path.join(self.state_directory, "plan.json")
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({"endpoints": {endpoint: plan}}, stream)
        bootstrap = self.start_server(
            extra_args=["--bootstrap", "--bootstrap-port", "0", "--bootstrap-config", path]
        )
        bootstrap_uri = f"coap://127.0.0.1:{bootstrap.listening['bootstrap_port']}"
        return registration, bootstrap, server_uri, bootstrap_uri

    def start_persistent_client(self, bootstrap_uri, endpoint):
        arguments = [
            "--bootstrap",
            bootstrap_uri,
            "--state-file",
            os.path.join(self.state_directory, STATE_NAME),
            "--lwm2m-version",
            "1.2",
        ]
        client = ClientProcess(None, endpoint, arguments, log_level="trace")
        self.clients.append(client)
        self.addCleanup(client.stop)
        return client

    def assert_key_not_logged(self, client):
        text = "\n".join(client.log.lines()).lower()
        self.assertNotIn(KEY_HEX, text, "the pre-shared key is in the log")
        spaced = " ".join(KEY_HEX[i : i + 2] for i in range(0, len(KEY_HEX), 2))
        self.assertNotIn(spaced, text, "the pre-shared key is in the log")

    def test_bootstrapped_psk_account_survives_restart(self):
        registration, bootstrap, server_uri, bootstrap_uri = self.start_servers("dtls-bs")
        client = self.start_persistent_client(bootstrap_uri, "dtls-bs")
        register = registration.wait_event("register", 2 * STEP_TIMEOUT_S, endpoint="dtls-bs")
        self.assertIsNotNone(register, "no Register over DTLS\n" + self.describe())
        # The front end's events come through another pipe than the server's.
        self.frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S)
        handshakes = self.frontend.events("dtls_handshake")
        self.assertEqual(len(handshakes), 1, self.describe())
        self.assertEqual(handshakes[0]["identity"], IDENTITY, handshakes)
        self.assertIsNotNone(
            client.wait_for_log(SAVED_REGISTERED_PATTERN, STEP_TIMEOUT_S),
            "no state saved after Register\n" + self.describe(),
        )
        client.send_signal(signal.SIGKILL)
        self.assertTrue(client.wait_exit(STEP_TIMEOUT_S), self.describe())

        with open(os.path.join(self.state_directory, STATE_NAME), "rb") as stream:
            state = decode_state(stream.read())
        accounts = {account["bootstrap"]: account for account in state["accounts"]}
        self.assertEqual(accounts[False]["uri"], server_uri, state)
        self.assertEqual(accounts[False]["identity"], IDENTITY.encode(), state)
        self.assertEqual(accounts[False]["secret_key"], bytes.fromhex(KEY_HEX), state)

        restarted = self.start_persistent_client(bootstrap_uri, "dtls-bs")
        update = registration.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after the restart\n" + self.describe())
        self.assertEqual(update["location"], register["location"], update)
        self.assertEqual(len(registration.events("register")), 1, self.describe())
        self.assertIsNotNone(bootstrap.wait_event("bootstrap_pack_request", STEP_TIMEOUT_S))
        self.assertEqual(len(bootstrap.events("bootstrap_pack_request")), 1, self.describe())
        self.assertIsNotNone(
            self.frontend.wait_event("dtls_handshake", STEP_TIMEOUT_S, count=2), self.describe()
        )

        for process in (client, restarted):
            process.stop()
            self.assert_key_not_logged(process)


if __name__ == "__main__":
    unittest.main()
