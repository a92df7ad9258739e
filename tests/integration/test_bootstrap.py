"""Client Initiated Bootstrap (LwM2M Core 1.1, 6.1 and 5.2.7): the demo client bootstraps from
the test server and then registers with the account it was given.

Every test starts lwm2m-server with --bootstrap and --bootstrap-port, so one process serves the
Bootstrap interface on one port and Register on the other, and a client with --bootstrap and no
--server. The tests drive the Bootstrap-Server with the bootstrap-* commands after the
bootstrap_request event, because a plan file would have to name the register port, which is
known only once the server runs.
"""

import json
import os
import re
import shutil
import signal
import socket
import tempfile
import unittest

import coap_message as coap
import payload_formats as formats
from harness import DEMO_MANUFACTURER, STEP_TIMEOUT_S, ClientProcess, IntegrationTest, RawPeer
from state_file import decode_state

# A client started with --bootstrap alone has the Bootstrap-Server account as Security
# instance 0 (src/core/account.cpp), so the tests write the server account as instance 1.
BOOTSTRAP_INSTANCE = 0
SERVER_ACCOUNT_INSTANCE = 1
SERVER_SSID = 7
LIFETIME_S = 300

# Secret Key (/0/1/5) of the persistence test, in the hex that the server's JSON takes.
SECRET_KEY_HEX = "00ff10"

# Options that make an unanswered confirmable request time out in under a second: an
# ACK_TIMEOUT of 200 ms to 300 ms and one retransmission.
FAST_TIMEOUT_ARGS = ["--ack-timeout-ms", "200", "--max-retransmit", "1"]

STATE_NAME = "state"
SAVED_REGISTERED_PATTERN = rf"\[persist\] saved state '{STATE_NAME}' \(\d+ bytes, registered\)"
SAVED_UNREGISTERED_PATTERN = (
    rf"\[persist\] saved state '{STATE_NAME}' \(\d+ bytes, unregistered\)"
)


def unused_udp_port():
    """Return a UDP port of 127.0.0.1 that was free at the call. Nothing reserves it after."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def split_outside_quotes(text, separator):
    """Split `text` at `separator`, except inside double-quoted strings."""
    return re.findall(rf'(?:[^{separator}"]|"[^"]*")+', text)


def parse_discover(payload):
    """Parse a Bootstrap-Discover payload into its first item and {target: {attribute: value}}.

    Attribute values stay as written, quotes included, and an attribute without a value
    maps to None. Raise ValueError for an item that is not a link or a repeated target.
    """
    items = split_outside_quotes(payload, ",")
    if not items:
        raise ValueError("empty Bootstrap-Discover payload")
    links = {}
    for item in items[1:]:
        match = re.fullmatch(r"<([^>]*)>(.*)", item)
        if match is None:
            raise ValueError(f"item {item!r} is not a link")
        target = match.group(1)
        if target in links:
            raise ValueError(f"link {target} appears twice")
        attributes = {}
        for attribute in split_outside_quotes(match.group(2), ";"):
            name, has_value, value = attribute.partition("=")
            attributes[name] = value if has_value else None
        links[target] = attributes
    return items[0], links


def instances_of(links, object_id):
    """Return the object instance targets of object `object_id` in parsed links, sorted."""
    prefix = f"/{object_id}/"
    return sorted(
        target for target in links if target.startswith(prefix) and target.count("/") == 2
    )


def security_values(uri, ssid=SERVER_SSID, **extra):
    """Return the Security instance values of a NoSec server account."""
    values = {
        "server_uri": uri,
        "bootstrap_server": False,
        "security_mode": 3,
        "short_server_id": ssid,
    }
    values.update(extra)
    return values


def server_values(ssid=SERVER_SSID, **extra):
    values = {"short_server_id": ssid, "lifetime": LIFETIME_S, "binding": "U"}
    values.update(extra)
    return values


class BootstrapClientTest(IntegrationTest):
    """Test case with helpers that play the Bootstrap-Server through the server's commands."""

    def start_bootstrap_server(self, bootstrap_port=0):
        """Start the server on a free register port and return it with its Bootstrap-Server URI."""
        server = self.start_server(
            extra_args=["--bootstrap", "--bootstrap-port", str(bootstrap_port)]
        )
        listening = server.events("listening")[0]
        self.assertNotEqual(listening["bootstrap_port"], server.port, listening)
        return server, f"coap://127.0.0.1:{listening['bootstrap_port']}"

    def start_bootstrapping_client(self, bootstrap_uri, endpoint, extra_args=(), log_level="debug"):
        """Start a client with --bootstrap and no --server, stopped at cleanup."""
        arguments = ["--bootstrap", bootstrap_uri] + list(extra_args)
        client = ClientProcess(None, endpoint, arguments, log_level)
        self.clients.append(client)
        self.addCleanup(client.stop)
        return client

    def wait_bootstrap_request(self, server, endpoint, after=-1, timeout_s=STEP_TIMEOUT_S):
        event = server.wait_event(
            "bootstrap_request", timeout_s, after=after, endpoint=endpoint
        )
        self.assertIsNotNone(
            event,
            f"no Bootstrap-Request from {endpoint} within {timeout_s} s\n" + self.describe(),
        )
        self.assertEqual(event["code"], "2.04", f"Bootstrap-Request rejected: {event}")
        return event

    def wait_register(self, server, endpoint, after=-1):
        event = server.wait_event("register", STEP_TIMEOUT_S, after=after, endpoint=endpoint)
        self.assertIsNotNone(
            event, f"no register event from {endpoint} after bootstrap\n" + self.describe()
        )
        return event

    def request(self, server, command, code):
        """Run one downlink command and return its response event, which must carry `code`."""
        event = server.run_command(command)
        self.assertIsNotNone(event, f"no response to '{command}'\n" + self.describe())
        self.assertEqual(
            event["event"], "response", f"'{command}' failed: {event}\n" + self.describe()
        )
        self.assertEqual(
            event["code"], code, f"wrong code for '{command}': {event}\n" + self.describe()
        )
        return event

    def write_values(self, server, endpoint, path, values, code="2.04"):
        command = f"bootstrap-write {endpoint} {path} " + json.dumps({"values": values})
        return self.request(server, command, code)

    def write_server_account(self, server, endpoint, uri, ssid=SERVER_SSID, **extra):
        path = f"/0/{SERVER_ACCOUNT_INSTANCE}"
        return self.write_values(server, endpoint, path, security_values(uri, ssid, **extra))

    def write_server_instance(self, server, endpoint, ssid=SERVER_SSID, **extra):
        return self.write_values(server, endpoint, "/1/0", server_values(ssid, **extra))

    def discover(self, server, endpoint, path):
        """Send Bootstrap-Discover on `path` and return the parsed payload of its 2.05."""
        event = self.request(server, f"bootstrap-discover {endpoint} {path}", "2.05")
        self.assertEqual(event["content_format"], formats.LINK_FORMAT, event)
        try:
            return parse_discover(event["payload"])
        except ValueError as error:
            self.fail(f"invalid Bootstrap-Discover payload ({error}): {event}")

    def finish(self, server, endpoint, code):
        """Send Bootstrap-Finish and return its response event, which must carry `code`, as
        must the bootstrap_finish event."""
        response = self.request(server, f"bootstrap-finish {endpoint}", code)
        sent = server.events("sent", id=response["id"])
        self.assertEqual(len(sent), 1, sent)
        event = server.wait_event(
            "bootstrap_finish", STEP_TIMEOUT_S, after=sent[0].index, endpoint=endpoint
        )
        self.assertIsNotNone(event, "no bootstrap_finish event\n" + self.describe())
        self.assertEqual(event["code"], code, f"wrong Bootstrap-Finish code: {event}")
        return response

    def configure_and_register(self, server, endpoint, bootstrap_request):
        """Write a server account and a Server instance for `server`, send Bootstrap-Finish,
        and return the register event, which must come from the Bootstrap-Request's port."""
        self.write_server_account(server, endpoint, f"coap://127.0.0.1:{server.port}")
        self.write_server_instance(server, endpoint)
        finished = self.finish(server, endpoint, "2.04")
        register = self.wait_register(server, endpoint, after=finished.index)
        self.assertEqual(
            register["port"],
            bootstrap_request["port"],
            f"Register from another port than the Bootstrap-Request: {register}",
        )
        return register


class FactoryBootstrapTest(BootstrapClientTest):
    """A client with no server account bootstraps, then registers."""

    def test_bootstrap_then_register(self):
        server, bootstrap_uri = self.start_bootstrap_server()
        client = self.start_bootstrapping_client(bootstrap_uri, "factory")
        bootstrap_request = self.wait_bootstrap_request(server, "factory")
        self.assertEqual(bootstrap_request["pct"], formats.LWM2M_TLV, bootstrap_request)
        self.assertEqual(
            bootstrap_request["query"], {"ep": "factory", "pct": "11542"}, bootstrap_request
        )
        self.assertEqual(bootstrap_request["peer"], "127.0.0.1", bootstrap_request)

        self.request(server, "bootstrap-delete factory /", "2.02")
        register = self.configure_and_register(server, "factory", bootstrap_request)
        self.assertEqual(register["peer"], "127.0.0.1", register)
        self.assertEqual(register["lifetime"], LIFETIME_S, register)
        self.assertIn("/1/0", register["objects"], register)
        # The Security object is never part of the Register payload.
        security = [path for path in register["objects"] if path.split("/")[1] == "0"]
        self.assertEqual(security, [], register)
        self.assertIsNotNone(
            client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S), self.describe()
        )

        read = self.request(server, "read factory /3/0", "2.05")
        self.assertEqual(read["content_format"], formats.SENML_CBOR, read)
        values = formats.senml_values(
            formats.decode_senml_cbor(bytes.fromhex(read["payload_hex"]))
        )
        self.assertEqual(values["/3/0/0"], DEMO_MANUFACTURER, values)

    def test_lwm2m_10_request_has_no_pct(self):
        server, bootstrap_uri = self.start_bootstrap_server()
        self.start_bootstrapping_client(bootstrap_uri, "v10", ["--lwm2m-version", "1.0"])
        bootstrap_request = self.wait_bootstrap_request(server, "v10")
        self.assertIsNone(bootstrap_request["pct"], bootstrap_request)
        self.assertEqual(bootstrap_request["query"], {"ep": "v10"}, bootstrap_request)

        version, _ = self.discover(server, "v10", "/")
        self.assertEqual(version, 'lwm2m="1.0"')
        register = self.configure_and_register(server, "v10", bootstrap_request)
        self.assertEqual(register["lwm2m"], "1.0", register)


class DiscoverReadTest(BootstrapClientTest):
    """Bootstrap-Discover and Bootstrap-Read while the client bootstraps."""

    def setUp(self):
        super().setUp()
        self.server, self.bootstrap_uri = self.start_bootstrap_server()
        self.start_bootstrapping_client(self.bootstrap_uri, "discover")
        self.bootstrap_request = self.wait_bootstrap_request(self.server, "discover")
        self.server_uri = f"coap://127.0.0.1:{self.server.port}"

    def test_discover_root(self):
        version, links = self.discover(self.server, "discover", "/")
        self.assertEqual(version, 'lwm2m="1.1"')
        self.assertEqual(instances_of(links, 0), ["/0/0"], links)
        bootstrap_account = links["/0/0"]
        self.assertEqual(bootstrap_account, {"uri": f'"{self.bootstrap_uri}"'}, links)
        self.assertEqual(instances_of(links, 1), [], links)
        self.assertIn("/3/0", links)

        self.write_server_account(self.server, "discover", self.server_uri)
        self.write_server_instance(self.server, "discover")
        version, links = self.discover(self.server, "discover", "/")
        self.assertEqual(version, 'lwm2m="1.1"')
        self.assertEqual(instances_of(links, 0), ["/0/0", "/0/1"], links)
        # The Bootstrap-Server account has no Short Server ID to show.
        self.assertEqual(links["/0/0"], bootstrap_account, links)
        expected = {"ssid": str(SERVER_SSID), "uri": f'"{self.server_uri}"'}
        self.assertEqual(links["/0/1"], expected, links)
        self.assertEqual(instances_of(links, 1), ["/1/0"], links)
        self.assertEqual(links["/1/0"], {"ssid": str(SERVER_SSID)}, links)
        self.assertIn("/3/0", links)

    def test_discover_security_object(self):
        self.write_server_account(self.server, "discover", self.server_uri)
        version, links = self.discover(self.server, "discover", "/0")
        self.assertEqual(version, 'lwm2m="1.1"')
        other_objects = [target for target in links if target.split("/")[1] != "0"]
        self.assertEqual(other_objects, [], links)
        self.assertEqual(instances_of(links, 0), ["/0/0", "/0/1"], links)
        self.assertEqual(links["/0/0"], {"uri": f'"{self.bootstrap_uri}"'}, links)
        expected = {"ssid": str(SERVER_SSID), "uri": f'"{self.server_uri}"'}
        self.assertEqual(links["/0/1"], expected, links)

    def test_read_server_object(self):
        self.write_server_instance(self.server, "discover")

        read = self.request(self.server, "bootstrap-read discover /1", "2.05")
        # Without Accept the client reads an object in its default format, SenML CBOR.
        self.assertEqual(read["content_format"], formats.SENML_CBOR, read)
        values = formats.senml_values(
            formats.decode_senml_cbor(bytes.fromhex(read["payload_hex"]))
        )
        self.assertEqual(values["/1/0/0"], SERVER_SSID, values)
        self.assertEqual(values["/1/0/1"], LIFETIME_S, values)
        self.assertEqual(values["/1/0/7"], "U", values)

        command = f"bootstrap-read discover /1 --accept {formats.LWM2M_TLV}"
        read = self.request(self.server, command, "2.05")
        self.assertEqual(read["content_format"], formats.LWM2M_TLV, read)
        values = formats.tlv_values(bytes.fromhex(read["payload_hex"]), "/1")
        self.assertEqual(formats.tlv_integer(values["/1/0/0"]), SERVER_SSID, values)
        self.assertEqual(formats.tlv_integer(values["/1/0/1"]), LIFETIME_S, values)
        self.assertEqual(values["/1/0/7"], b"U", values)

    def test_read_other_objects_rejected(self):
        self.write_server_account(self.server, "discover", self.server_uri)
        for path in ("/0", "/0/1", "/3", "/3/0"):
            with self.subTest(path=path):
                self.request(self.server, f"bootstrap-read discover {path}", "4.05")


class DeleteTest(BootstrapClientTest):
    """Bootstrap-Delete keeps the Bootstrap-Server account and the Device instance."""

    def setUp(self):
        super().setUp()
        self.server, self.bootstrap_uri = self.start_bootstrap_server()
        self.start_bootstrapping_client(self.bootstrap_uri, "delete")
        self.wait_bootstrap_request(self.server, "delete")
        self.server_uri = f"coap://127.0.0.1:{self.server.port}"

    def bootstrap_account_only(self, links):
        self.assertEqual(instances_of(links, 0), [f"/0/{BOOTSTRAP_INSTANCE}"], links)
        account = links[f"/0/{BOOTSTRAP_INSTANCE}"]
        self.assertEqual(account.get("uri"), f'"{self.bootstrap_uri}"', links)

    def test_delete_bootstrap_account_rejected(self):
        self.request(self.server, f"bootstrap-delete delete /0/{BOOTSTRAP_INSTANCE}", "4.00")
        _, links = self.discover(self.server, "delete", "/0")
        self.bootstrap_account_only(links)

    def test_delete_device_instance_rejected(self):
        self.request(self.server, "bootstrap-delete delete /3/0", "4.00")
        _, links = self.discover(self.server, "delete", "/")
        self.assertIn("/3/0", links)

    def test_delete_all(self):
        self.write_server_account(self.server, "delete", self.server_uri)
        self.write_server_instance(self.server, "delete")

        self.request(self.server, "bootstrap-delete delete /", "2.02")
        version, links = self.discover(self.server, "delete", "/")
        self.assertEqual(version, 'lwm2m="1.1"')
        self.bootstrap_account_only(links)
        self.assertEqual(instances_of(links, 1), [], links)
        self.assertIn("/3/0", links)

    def test_delete_security_object(self):
        self.write_server_account(self.server, "delete", self.server_uri)

        self.request(self.server, "bootstrap-delete delete /0", "2.02")
        _, links = self.discover(self.server, "delete", "/0")
        self.bootstrap_account_only(links)


class InconsistentConfigurationTest(BootstrapClientTest):
    """Bootstrap-Finish on a configuration the client cannot use gets 4.06, then a new request."""

    def setUp(self):
        super().setUp()
        self.server, bootstrap_uri = self.start_bootstrap_server()
        self.start_bootstrapping_client(bootstrap_uri, "partial", ["--retry-timer", "1"])
        self.bootstrap_request = self.wait_bootstrap_request(self.server, "partial")
        self.server_uri = f"coap://127.0.0.1:{self.server.port}"

    def reject_finish(self):
        """Send Bootstrap-Finish, expect 4.06 with a diagnostic text, and return the next
        Bootstrap-Request, which must come without any Register."""
        response = self.finish(self.server, "partial", "4.06")
        # The server shows a payload without Content-Format as hex, and one in text/plain as text.
        diagnostic = response.get("payload")
        if diagnostic is None:
            diagnostic = bytes.fromhex(response.get("payload_hex", "")).decode("utf-8", "replace")
        self.assertNotEqual(diagnostic, "", f"4.06 without diagnostic payload: {response}")

        again = self.wait_bootstrap_request(self.server, "partial", after=response.index)
        self.assertEqual(again["port"], self.bootstrap_request["port"], again)
        self.assertEqual(self.server.events("register"), [], self.describe())
        return again

    def test_finish_without_server_instance(self):
        self.write_server_account(self.server, "partial", self.server_uri)
        again = self.reject_finish()

        self.write_server_instance(self.server, "partial")
        finished = self.finish(self.server, "partial", "2.04")
        register = self.wait_register(self.server, "partial", after=finished.index)
        self.assertEqual(register["port"], again["port"], register)

    def test_finish_with_unmatched_ssid(self):
        self.write_server_account(self.server, "partial", self.server_uri)
        self.write_server_instance(self.server, "partial", ssid=SERVER_SSID + 1)
        again = self.reject_finish()

        self.write_server_instance(self.server, "partial")
        finished = self.finish(self.server, "partial", "2.04")
        register = self.wait_register(self.server, "partial", after=finished.index)
        self.assertEqual(register["port"], again["port"], register)

    def test_finish_with_psk_account(self):
        # Security Mode 0 (PSK) goes with coaps:// only; a coap:// URI with it is unusable.
        self.write_server_account(self.server, "partial", self.server_uri, security_mode=0)
        self.write_server_instance(self.server, "partial")
        self.reject_finish()

        self.write_server_account(self.server, "partial", self.server_uri)
        finished = self.finish(self.server, "partial", "2.04")
        self.wait_register(self.server, "partial", after=finished.index)


class ObjectLevelWriteTest(BootstrapClientTest):
    """One Bootstrap-Write on /0 carries the Bootstrap-Server account and the server account."""

    def write_both_accounts(self, content_format):
        server, bootstrap_uri = self.start_bootstrap_server()
        endpoint = f"object-{content_format}"
        self.start_bootstrapping_client(bootstrap_uri, endpoint)
        bootstrap_request = self.wait_bootstrap_request(server, endpoint)
        server_uri = f"coap://127.0.0.1:{server.port}"

        instances = [
            {
                "instance": BOOTSTRAP_INSTANCE,
                "values": {
                    "server_uri": bootstrap_uri,
                    "bootstrap_server": True,
                    "security_mode": 3,
                    "client_hold_off_time": 0,
                },
            },
            {"instance": SERVER_ACCOUNT_INSTANCE, "values": security_values(server_uri)},
        ]
        command = f"bootstrap-write {endpoint} /0 --format {content_format} " + json.dumps(
            {"instances": instances}
        )
        response = self.request(server, command, "2.04")
        sent = server.events("sent", id=response["id"])
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual(sent[0]["content_format"], content_format, sent[0])

        _, links = self.discover(server, endpoint, "/0")
        self.assertEqual(instances_of(links, 0), ["/0/0", "/0/1"], links)
        self.assertEqual(links["/0/0"], {"uri": f'"{bootstrap_uri}"'}, links)
        expected = {"ssid": str(SERVER_SSID), "uri": f'"{server_uri}"'}
        self.assertEqual(links["/0/1"], expected, links)

        self.write_server_instance(server, endpoint)
        finished = self.finish(server, endpoint, "2.04")
        register = self.wait_register(server, endpoint, after=finished.index)
        self.assertEqual(register["port"], bootstrap_request["port"], register)

    def test_tlv(self):
        self.write_both_accounts(formats.LWM2M_TLV)

    def test_senml_cbor(self):
        self.write_both_accounts(formats.SENML_CBOR)

    def test_senml_json(self):
        self.write_both_accounts(formats.SENML_JSON)


class PersistenceTest(BootstrapClientTest):
    """--state-file keeps the bootstrapped accounts from Bootstrap-Finish on."""

    def setUp(self):
        super().setUp()
        directory = tempfile.mkdtemp(prefix="lwm2m-bootstrap-")
        self.addCleanup(shutil.rmtree, directory)
        self.state_file = os.path.join(directory, STATE_NAME)
        self.server, self.bootstrap_uri = self.start_bootstrap_server()
        self.server_uri = f"coap://127.0.0.1:{self.server.port}"

    def start_persistent_client(self):
        # Trace is the most verbose level, so the secret key check reads every log line.
        return self.start_bootstrapping_client(
            self.bootstrap_uri, "persist", ["--state-file", self.state_file], log_level="trace"
        )

    def kill_client(self, client):
        client.send_signal(signal.SIGKILL)
        self.assertIsNotNone(client.wait_exit(STEP_TIMEOUT_S), "client survived SIGKILL")

    def read_state(self):
        with open(self.state_file, "rb") as stream:
            return decode_state(stream.read())

    def assert_secret_key_not_logged(self, client):
        # Hex in either case, with or without separators, base64, and the raw bytes as
        # LineCollector decodes them (0xff is not UTF-8).
        forms = re.compile(r"(?i)00[\s:.,-]?ff[\s:.,-]?10|AP8Q|\x00\ufffd\x10")
        leaked = [line for line in client.log.lines() if forms.search(line)]
        self.assertEqual(leaked, [], "the secret key appears in the client log")

    def test_restart_resumes_without_bootstrap(self):
        client = self.start_persistent_client()
        bootstrap_request = self.wait_bootstrap_request(self.server, "persist")
        self.write_server_account(
            self.server, "persist", self.server_uri, secret_key=SECRET_KEY_HEX
        )
        self.write_server_instance(self.server, "persist")
        finished = self.finish(self.server, "persist", "2.04")
        register = self.wait_register(self.server, "persist", after=finished.index)
        self.assertIsNotNone(
            client.wait_for_log(SAVED_REGISTERED_PATTERN, STEP_TIMEOUT_S),
            "no state saved after Register\n" + self.describe(),
        )
        self.kill_client(client)

        state = self.read_state()
        accounts = {account["bootstrap"]: account for account in state["accounts"]}
        self.assertEqual(len(state["accounts"]), 2, state)
        self.assertEqual(set(accounts), {False, True}, state)
        self.assertEqual(accounts[True]["uri"], self.bootstrap_uri, state)
        self.assertEqual(accounts[False]["uri"], self.server_uri, state)
        self.assertEqual(accounts[False]["ssid"], SERVER_SSID, state)
        self.assertEqual(accounts[False]["secret_key"], bytes.fromhex(SECRET_KEY_HEX), state)
        self.assertEqual(state["server"]["ssid"], SERVER_SSID, state)
        self.assertTrue(state["registered"], state)
        self.assertEqual(state["port"], register["port"], state)
        self.assertEqual(state["location"], register["location"], state)

        restarted = self.start_persistent_client()
        update = self.server.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after the restart\n" + self.describe())
        self.assertEqual(update["port"], bootstrap_request["port"], update)
        self.assertEqual(update["location"], register["location"], update)
        self.assertIsNotNone(
            restarted.wait_for_log(r"\[reg\] Update accepted", STEP_TIMEOUT_S), self.describe()
        )
        self.assertEqual(self.server.events("bootstrap_request"), [bootstrap_request])
        self.assertEqual(self.server.events("register"), [register])

        # stop() reads each log to its end, so the check covers every line.
        for process in (client, restarted):
            process.stop()
            self.assert_secret_key_not_logged(process)

    def receive_register(self, peer):
        """Return the next datagram of `peer` decoded, which must be a Register of "persist"."""
        datagram = peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no Register at the server account\n" + self.describe())
        message = coap.decode(datagram)
        self.assertEqual(message.code, coap.POST, coap.describe(message))
        self.assertEqual(coap.option_values(message, coap.URI_PATH), ["rd"])
        self.assertIn("ep=persist", coap.option_values(message, coap.URI_QUERY))
        return message

    def test_kill_after_finish_registers(self):
        # The server account is a raw peer that never responds, so the client is killed
        # after Bootstrap-Finish while its Register waits for a response.
        silent = RawPeer()
        self.addCleanup(silent.close)
        silent_uri = f"coap://127.0.0.1:{silent.port}"
        client = self.start_persistent_client()
        bootstrap_request = self.wait_bootstrap_request(self.server, "persist")
        self.write_server_account(self.server, "persist", silent_uri)
        self.write_server_instance(self.server, "persist")
        self.finish(self.server, "persist", "2.04")
        self.receive_register(silent)
        self.assertIsNotNone(
            client.wait_for_log(SAVED_UNREGISTERED_PATTERN, STEP_TIMEOUT_S),
            "no state saved at Bootstrap-Finish\n" + self.describe(),
        )
        self.kill_client(client)

        state = self.read_state()
        servers = [account for account in state["accounts"] if not account["bootstrap"]]
        self.assertEqual([account["uri"] for account in servers], [silent_uri], state)
        self.assertEqual(servers[0]["ssid"], SERVER_SSID, state)
        self.assertFalse(state["registered"], state)

        # The restarted client may use another local port.
        silent.client_address = None
        self.start_persistent_client()
        self.receive_register(silent)
        self.assertEqual(self.server.events("bootstrap_request"), [bootstrap_request])

    def test_kill_before_finish_bootstraps_again(self):
        client = self.start_persistent_client()
        bootstrap_request = self.wait_bootstrap_request(self.server, "persist")
        self.write_server_account(self.server, "persist", self.server_uri)
        self.write_server_instance(self.server, "persist")
        self.kill_client(client)

        # The client saves accounts at Bootstrap-Finish only, so none of the writes is kept.
        if os.path.exists(self.state_file):
            state = self.read_state()
            servers = [account for account in state["accounts"] if not account["bootstrap"]]
            self.assertEqual(servers, [], state)
            self.assertIsNone(state["server"], state)

        self.start_persistent_client()
        self.wait_bootstrap_request(self.server, "persist", after=bootstrap_request.index)
        self.assertEqual(self.server.events(("register", "update")), [], self.describe())


class TriggerTest(BootstrapClientTest):
    """Execute on Bootstrap-Request Trigger (/1/0/9) de-registers and bootstraps again."""

    def test_execute_trigger(self):
        server, bootstrap_uri = self.start_bootstrap_server()
        client = self.start_bootstrapping_client(bootstrap_uri, "trigger")
        bootstrap_request = self.wait_bootstrap_request(server, "trigger")
        register = self.configure_and_register(server, "trigger", bootstrap_request)
        self.assertIsNotNone(
            client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S), self.describe()
        )

        executed = self.request(server, "execute trigger /1/0/9", "2.04")
        deregister = server.wait_event(
            "deregister", STEP_TIMEOUT_S, after=register.index, endpoint="trigger"
        )
        self.assertIsNotNone(deregister, "no De-register after the trigger\n" + self.describe())
        self.assertEqual(deregister["location"], register["location"], deregister)
        again = self.wait_bootstrap_request(server, "trigger", after=executed.index)
        self.assertGreater(again.index, deregister.index, "Bootstrap-Request before De-register")
        self.assertEqual(again["port"], register["port"], again)

        # The accounts are still in place, so Bootstrap-Finish alone leads to a new Register.
        finished = self.finish(server, "trigger", "2.04")
        self.wait_register(server, "trigger", after=finished.index)


class RegistrationFailureTest(BootstrapClientTest):
    """A server account that never responds leads back to the Bootstrap-Server."""

    CLIENT_ARGS = [
        "--retry-count",
        "1",
        "--retry-timer",
        "1",
        "--sequence-retry-count",
        "1",
    ] + FAST_TIMEOUT_ARGS

    def setUp(self):
        super().setUp()
        self.server, bootstrap_uri = self.start_bootstrap_server()
        self.client = self.start_bootstrapping_client(
            bootstrap_uri, "unreachable", self.CLIENT_ARGS
        )
        self.bootstrap_request = self.wait_bootstrap_request(self.server, "unreachable")
        self.dead_uri = f"coap://127.0.0.1:{unused_udp_port()}"

    def test_failed_register_bootstraps_again(self):
        self.write_server_account(self.server, "unreachable", self.dead_uri)
        self.write_server_instance(self.server, "unreachable")
        finished = self.finish(self.server, "unreachable", "2.04")

        again = self.wait_bootstrap_request(self.server, "unreachable", after=finished.index)
        self.assertEqual(again["port"], self.bootstrap_request["port"], again)
        self.assertEqual(self.server.events("register"), [], self.describe())

        # A working account written in the new session is used.
        self.configure_and_register(self.server, "unreachable", again)

    def test_no_bootstrap_when_resource_16_false(self):
        self.write_server_account(self.server, "unreachable", self.dead_uri)
        # Bootstrap on Registration Failure (/1/0/16) false: the client gives up instead.
        self.write_server_instance(self.server, "unreachable", **{"16": False})
        self.finish(self.server, "unreachable", "2.04")

        status = self.client.wait_exit(STEP_TIMEOUT_S)
        self.assertEqual(status, 1, "client did not give up\n" + self.describe())
        self.assertEqual(
            self.server.events("bootstrap_request"), [self.bootstrap_request], self.describe()
        )


class RequestRetryTest(BootstrapClientTest):
    """Bootstrap-Requests are repeated until the Bootstrap-Server listens."""

    def test_request_repeated_until_server_listens(self):
        bootstrap_port = unused_udp_port()
        client = self.start_bootstrapping_client(
            f"coap://127.0.0.1:{bootstrap_port}",
            "late",
            ["--retry-timer", "1"] + FAST_TIMEOUT_ARGS,
        )
        failed = client.wait_for_log(r"\[bs\] bootstrap attempt failed", STEP_TIMEOUT_S)
        self.assertIsNotNone(failed, "first Bootstrap-Request did not fail\n" + self.describe())

        server, bootstrap_uri = self.start_bootstrap_server(bootstrap_port)
        self.assertEqual(bootstrap_uri, f"coap://127.0.0.1:{bootstrap_port}")
        bootstrap_request = self.wait_bootstrap_request(server, "late")
        repeated = client.wait_for_log(
            r"\[bs\] Bootstrap-Request as 'late'", STEP_TIMEOUT_S, after=failed.index
        )
        self.assertIsNotNone(repeated, "no repeated Bootstrap-Request logged\n" + self.describe())

        self.configure_and_register(server, "late", bootstrap_request)


if __name__ == "__main__":
    unittest.main()


class BootstrapPackClientTest(BootstrapClientTest):
    """LwM2M 1.2: the client asks for a Bootstrap-Pack (GET /bspack) first, and falls back to
    the Bootstrap-Request when the Bootstrap-Server refuses it. The registration server runs
    first, so that the plan file can name its port."""

    def start_servers(self, endpoint, pack=True):
        registration = self.start_server()
        plan = {
            "operations": [
                {
                    "op": "write",
                    "path": f"/0/{SERVER_ACCOUNT_INSTANCE}",
                    "values": security_values(f"coap://127.0.0.1:{registration.port}"),
                },
                {"op": "write", "path": "/1/0", "values": server_values()},
                {"op": "finish"},
            ]
        }
        if not pack:
            plan["pack"] = False
        directory = tempfile.mkdtemp(prefix="lwm2m-pack-")
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "plan.json")
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({"endpoints": {endpoint: plan}}, stream)
        bootstrap = self.start_server(extra_args=["--bootstrap", "--bootstrap-config", path])
        return registration, bootstrap

    def test_pack_configures_the_client(self):
        registration, bootstrap = self.start_servers("pack-client")
        self.start_bootstrapping_client(
            f"coap://127.0.0.1:{bootstrap.port}", "pack-client", ["--lwm2m-version", "1.2"]
        )
        pack = bootstrap.wait_event("bootstrap_pack_request", STEP_TIMEOUT_S)
        self.assertIsNotNone(pack, "no Bootstrap-Pack-Request\n" + self.describe())
        self.assertEqual(pack["code"], "2.05", pack)
        register = self.wait_register(registration, "pack-client")
        self.assertEqual(register["lifetime"], LIFETIME_S, register)
        self.assertEqual(register["port"], pack["port"], "Register from another port")
        self.assertEqual(bootstrap.events("bootstrap_request"), [], "a Bootstrap-Request too")

    def test_refused_pack_falls_back_to_request(self):
        registration, bootstrap = self.start_servers("no-pack", pack=False)
        self.start_bootstrapping_client(
            f"coap://127.0.0.1:{bootstrap.port}", "no-pack", ["--lwm2m-version", "1.2"]
        )
        pack = bootstrap.wait_event("bootstrap_pack_request", STEP_TIMEOUT_S)
        self.assertIsNotNone(pack, "no Bootstrap-Pack-Request\n" + self.describe())
        self.assertEqual(pack["code"], "4.05", pack)
        self.wait_bootstrap_request(bootstrap, "no-pack")
        self.wait_register(registration, "no-pack")
