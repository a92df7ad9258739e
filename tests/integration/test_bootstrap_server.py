"""The test server as LwM2M Bootstrap-Server (--bootstrap), with a raw peer in the client role.

The peer sends the Bootstrap-Request and responds to each request of the server, so these tests
check the server's wire messages without a bootstrapping client. The plans come from
tools/lwm2m-server/examples/bootstrap.json.
"""

import json
import os
import tempfile
import unittest

import coap_message as coap
import payload_formats as formats
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer

CONFIG_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "..",
    "tools",
    "lwm2m-server",
    "examples",
    "bootstrap.json",
)

ACCEPT = 17
NOT_ACCEPTABLE = coap.make_code(4, 6)
BAD_REQUEST = coap.make_code(4, 0)
METHOD_NOT_ALLOWED = coap.make_code(4, 5)

# Time to wait for a request that must not come. Requests of a plan follow within milliseconds
# on loopback.
NO_REQUEST_WAIT_S = 1.0

# Values of the writes in the plan of "bs-tlv" in bootstrap.json, in plan order.
BS_TLV_VALUES = [
    ("/0/1/0", "coap://127.0.0.1:5683"),
    ("/0/1/1", False),
    ("/0/1/2", 3),
    ("/0/1/5", bytes.fromhex("00ff10")),
    ("/0/1/10", 1),
    ("/1/0/0", 1),
    ("/1/0/1", 300),
    ("/1/0/6", True),
    ("/1/0/7", "U"),
]


def content_format_of(message):
    values = [value for number, value in message.options if number == coap.CONTENT_FORMAT]
    return int.from_bytes(values[0], "big") if values else None


def uri_path_of(message):
    return "/" + "/".join(coap.option_values(message, coap.URI_PATH))


class BootstrapPeer(RawPeer):
    """Raw peer that plays a client bootstrapping from the server at `server_port`."""

    def __init__(self, server_port):
        super().__init__()
        self.client_address = ("127.0.0.1", server_port)

    def request_bootstrap(self, query):
        """Send POST /bs with the Uri-Query options in `query` and return the response."""
        options = [(coap.URI_PATH, "bs")] + [(coap.URI_QUERY, item) for item in query]
        message_id = self.new_message_id()
        self.send(coap.encode(coap.CON, coap.POST, message_id, b"\x01\x02", options))
        datagram = self.receive(STEP_TIMEOUT_S)
        return None if datagram is None else coap.decode(datagram)

    def request_pack(self, query, accept=None):
        """Send GET /bspack with `query` and an optional Accept, and return the response."""
        options = [(coap.URI_PATH, "bspack")] + [(coap.URI_QUERY, item) for item in query]
        if accept is not None:
            options.append((ACCEPT, accept.to_bytes(1 if accept < 256 else 2, "big")))
        message_id = self.new_message_id()
        self.send(coap.encode(coap.CON, coap.GET, message_id, b"\x07\x08", options))
        datagram = self.receive(STEP_TIMEOUT_S)
        return None if datagram is None else coap.decode(datagram)

    def next_request(self):
        """Return the next request of the server, or None after STEP_TIMEOUT_S."""
        datagram = self.receive(STEP_TIMEOUT_S)
        return None if datagram is None else coap.decode(datagram)

    def respond(self, request, code, payload=b"", content_format=None):
        options = []
        if content_format is not None:
            options.append((coap.CONTENT_FORMAT, content_format.to_bytes(2, "big")))
        self.send(
            coap.encode(coap.ACK, code, request.message_id, request.token, options, payload)
        )


class BootstrapTest(IntegrationTest):
    def start_bootstrap_server(self, extra_args=(), config_path=CONFIG_PATH):
        server = self.start_server(
            extra_args=["--bootstrap", "--bootstrap-config", config_path] + list(extra_args)
        )
        peer = BootstrapPeer(server.port)
        self.addCleanup(peer.close)
        return server, peer

    def expect_request(self, peer, method, path, context):
        request = peer.next_request()
        self.assertIsNotNone(request, f"no request for {context}\n" + self.describe())
        self.assertEqual(request.type, coap.CON, f"{context}: {coap.describe(request)}")
        self.assertEqual(request.code, method, f"{context}: {coap.describe(request)}")
        self.assertEqual(uri_path_of(request), path, f"{context}: {coap.describe(request)}")
        return request

    def bootstrap(self, server, peer, query):
        response = peer.request_bootstrap(query)
        self.assertIsNotNone(response, "no response to the Bootstrap-Request\n" + self.describe())
        self.assertEqual(response.code, coap.CHANGED, coap.describe(response))
        event = server.wait_event("bootstrap_request", STEP_TIMEOUT_S)
        self.assertIsNotNone(event, "no bootstrap_request event\n" + self.describe())
        return event


class ConfiguredPlanTest(BootstrapTest):
    """Operations from the config file after a Bootstrap-Request."""

    def test_plan_in_tlv(self):
        server, peer = self.start_bootstrap_server()
        event = self.bootstrap(server, peer, ["ep=bs-tlv"])
        self.assertEqual(event["endpoint"], "bs-tlv", f"wrong endpoint: {event}")
        self.assertIsNone(event["pct"], f"unexpected pct: {event}")
        self.assertEqual(event["peer"], "127.0.0.1", f"wrong peer: {event}")
        self.assertEqual(event["port"], peer.port, f"wrong port: {event}")
        self.assertEqual(event["operations"], 4, f"wrong plan: {event}")

        delete = self.expect_request(peer, coap.DELETE, "/", "Bootstrap-Delete")
        peer.respond(delete, coap.DELETED)

        security = self.expect_request(peer, coap.PUT, "/0/1", "write of /0/1")
        self.assertEqual(content_format_of(security), formats.LWM2M_TLV)
        values = formats.tlv_values(security.payload, "/0/1")
        self.assertEqual(
            set(values), {"/0/1/0", "/0/1/1", "/0/1/2", "/0/1/5", "/0/1/10"}, values
        )
        self.assertEqual(values["/0/1/0"], b"coap://127.0.0.1:5683")
        self.assertEqual(values["/0/1/1"], b"\x00")
        self.assertEqual(formats.tlv_integer(values["/0/1/2"]), 3)
        self.assertEqual(values["/0/1/5"], bytes.fromhex("00ff10"))
        self.assertEqual(formats.tlv_integer(values["/0/1/10"]), 1)
        peer.respond(security, coap.CHANGED)

        server_instance = self.expect_request(peer, coap.PUT, "/1/0", "write of /1/0")
        values = formats.tlv_values(server_instance.payload, "/1/0")
        self.assertEqual(formats.tlv_integer(values["/1/0/0"]), 1)
        self.assertEqual(formats.tlv_integer(values["/1/0/1"]), 300)
        self.assertEqual(values["/1/0/6"], b"\x01")
        self.assertEqual(values["/1/0/7"], b"U")
        peer.respond(server_instance, coap.CHANGED)

        finish = self.expect_request(peer, coap.POST, "/bs", "Bootstrap-Finish")
        self.assertEqual(finish.payload, b"", coap.describe(finish))
        peer.respond(finish, coap.CHANGED)

        finished = server.wait_event("bootstrap_finish", STEP_TIMEOUT_S, endpoint="bs-tlv")
        self.assertIsNotNone(finished, "no bootstrap_finish event\n" + self.describe())
        self.assertEqual(finished["code"], "2.04", f"wrong code: {finished}")
        responses = server.events("response", endpoint="bs-tlv")
        self.assertEqual([event["step"] for event in responses], [1, 2, 3, 4], responses)
        self.assertEqual(responses[0]["code"], "2.02", responses[0])

    def test_pct_selects_senml_cbor(self):
        server, peer = self.start_bootstrap_server()
        event = self.bootstrap(server, peer, ["ep=any-name", "pct=112"])
        self.assertEqual(event["pct"], 112, f"wrong pct: {event}")

        write = self.expect_request(peer, coap.PUT, "/1/0", "default plan write")
        self.assertEqual(content_format_of(write), formats.SENML_CBOR)
        values = formats.senml_values(formats.decode_senml_cbor(write.payload))
        expected = {"/1/0/0": 2, "/1/0/1": 60, "/1/0/5": 86400, "/1/0/7": "UQ"}
        self.assertEqual(values, expected)
        peer.respond(write, coap.CHANGED)

        finish = self.expect_request(peer, coap.POST, "/bs", "Bootstrap-Finish")
        peer.respond(finish, NOT_ACCEPTABLE)
        finished = server.wait_event("bootstrap_finish", STEP_TIMEOUT_S, endpoint="any-name")
        self.assertIsNotNone(finished, "no bootstrap_finish event\n" + self.describe())
        self.assertEqual(finished["code"], "4.06", f"wrong code: {finished}")

    def test_object_level_write_in_senml_json(self):
        server, peer = self.start_bootstrap_server()
        self.bootstrap(server, peer, ["ep=bs-object-level", "pct=11542"])

        write = self.expect_request(peer, coap.PUT, "/0", "object-level write")
        # The plan's content_format wins over the client's pct.
        self.assertEqual(content_format_of(write), formats.SENML_JSON)
        values = formats.senml_values(formats.decode_senml_json(write.payload))
        self.assertEqual(values["/0/0/0"], "coap://127.0.0.1:5693")
        self.assertIs(values["/0/0/1"], True)
        self.assertEqual(values["/0/0/11"], 0)
        self.assertEqual(values["/0/1/0"], "coap://127.0.0.1:5683")
        self.assertIs(values["/0/1/1"], False)
        self.assertEqual(values["/0/1/10"], 1)
        self.assertEqual(len(values), 8, values)
        peer.respond(write, coap.CHANGED)

        finish = self.expect_request(peer, coap.POST, "/bs", "Bootstrap-Finish")
        peer.respond(finish, coap.CHANGED)
        finished = server.wait_event("bootstrap_finish", STEP_TIMEOUT_S)
        self.assertIsNotNone(finished, "no bootstrap_finish event\n" + self.describe())

    def test_missing_endpoint_rejected(self):
        server, peer = self.start_bootstrap_server()
        response = peer.request_bootstrap(["pct=112"])
        self.assertIsNotNone(response, "no response\n" + self.describe())
        self.assertEqual(response.code, BAD_REQUEST, coap.describe(response))
        event = server.wait_event("bootstrap_request", STEP_TIMEOUT_S)
        self.assertIsNotNone(event, "no bootstrap_request event\n" + self.describe())
        self.assertIsNone(event["endpoint"], f"unexpected endpoint: {event}")
        self.assertEqual(event["code"], "4.00", f"wrong code: {event}")


class BootstrapCommandTest(BootstrapTest):
    """The bootstrap-* commands on a client whose plan is empty."""

    def setUp(self):
        super().setUp()
        self.server, self.peer = self.start_bootstrap_server()
        self.bootstrap(self.server, self.peer, ["ep=bs-manual", "pct=110"])

    def run_exchange(self, command, method, path, code, payload=b"", content_format=None):
        """Send `command`, respond to its request, and return the request and the response event."""
        command_id = self.server.send_command(command)
        request = self.expect_request(self.peer, method, path, command)
        self.peer.respond(request, code, payload, content_format)
        event = self.server.wait_event("response", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(event, f"no response event for '{command}'\n" + self.describe())
        return request, event

    def test_discover(self):
        links = b"</>;lwm2m=1.1,</0/0>,</1/0>;ssid=1"
        request, event = self.run_exchange(
            "bootstrap-discover bs-manual", coap.GET, "/", coap.CONTENT, links, 40
        )
        accept = [value for number, value in request.options if number == ACCEPT]
        self.assertEqual(accept, [bytes([40])], coap.describe(request))
        self.assertEqual(event["code"], "2.05", f"wrong code: {event}")
        self.assertEqual(event["content_format"], 40, f"wrong format: {event}")
        self.assertEqual(event["payload"], links.decode(), f"wrong payload: {event}")

    def test_read(self):
        payload = bytes.fromhex("c80001")
        _, event = self.run_exchange(
            "bootstrap-read bs-manual /1", coap.GET, "/1", coap.CONTENT, payload, 11542
        )
        self.assertEqual(event["command"], "bootstrap-read", f"wrong command: {event}")
        self.assertEqual(event["payload_hex"], "c80001", f"wrong payload: {event}")

    def test_write_json_in_client_format(self):
        description = {"values": {"short_server_id": 3, "binding": "U", "5": {"hex": "0a0b"}}}
        request, event = self.run_exchange(
            "bootstrap-write bs-manual /1/1 " + json.dumps(description),
            coap.PUT,
            "/1/1",
            coap.CHANGED,
        )
        self.assertEqual(content_format_of(request), formats.SENML_JSON)
        values = formats.senml_values(formats.decode_senml_json(request.payload))
        self.assertEqual(values, {"/1/1/0": 3, "/1/1/5": b"\n\x0b", "/1/1/7": "U"})
        self.assertEqual(event["code"], "2.04", f"wrong code: {event}")

    def test_write_hex(self):
        request, _ = self.run_exchange(
            "bootstrap-write bs-manual /1/0 --hex c1070155", coap.PUT, "/1/0", coap.CHANGED
        )
        self.assertEqual(content_format_of(request), formats.LWM2M_TLV)
        self.assertEqual(request.payload, bytes.fromhex("c1070155"))

    def test_delete_and_finish(self):
        _, deleted = self.run_exchange(
            "bootstrap-delete bs-manual /0", coap.DELETE, "/0", coap.DELETED
        )
        self.assertEqual(deleted["code"], "2.02", f"wrong code: {deleted}")

        _, finished = self.run_exchange("bootstrap-finish bs-manual", coap.POST, "/bs", coap.CHANGED)
        self.assertEqual(finished["command"], "bootstrap-finish", f"wrong command: {finished}")
        event = self.server.wait_event("bootstrap_finish", STEP_TIMEOUT_S, endpoint="bs-manual")
        self.assertIsNotNone(event, "no bootstrap_finish event\n" + self.describe())
        self.assertEqual(event["code"], "2.04", f"wrong code: {event}")

    def test_unknown_endpoint(self):
        command_id = self.server.send_command("bootstrap-read nobody /1")
        event = self.server.wait_event("error", STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(event, "no error event\n" + self.describe())
        self.assertIn("has not sent a Bootstrap-Request", event["message"], event)


class BootstrapPackTest(BootstrapTest):
    """Bootstrap-Pack-Request (GET /bspack, LwM2M 1.2): the plan's writes in one SenML pack."""

    def write_config(self, config):
        """Write `config` to a temporary file, removed at cleanup, and return its path."""
        handle, path = tempfile.mkstemp(prefix="bspack-", suffix=".json")
        with os.fdopen(handle, "w") as file:
            json.dump(config, file)
        self.addCleanup(os.remove, path)
        return path

    def request_pack(self, server, peer, query, accept=None):
        """Send a Bootstrap-Pack-Request and return the response and its event."""
        response = peer.request_pack(query, accept)
        self.assertIsNotNone(response, "no response to GET /bspack\n" + self.describe())
        event = server.wait_event("bootstrap_pack_request", STEP_TIMEOUT_S)
        self.assertIsNotNone(event, "no bootstrap_pack_request event\n" + self.describe())
        return response, event

    def assert_rejected(self, response, event, code, context):
        self.assertEqual(response.type, coap.ACK, f"{context}: {coap.describe(response)}")
        self.assertEqual(response.code, code, f"{context}: {coap.describe(response)}")
        self.assertEqual(response.payload, b"", f"{context}: {coap.describe(response)}")
        self.assertEqual(event["code"], coap.code_text(code), f"{context}: {event}")
        self.assertNotIn("content_format", event, f"{context}: {event}")
        self.assertIn("error", event, f"{context}: {event}")

    def test_pack_in_senml_cbor(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, ["ep=bs-tlv"])
        self.assertEqual(response.type, coap.ACK, coap.describe(response))
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))
        self.assertEqual(content_format_of(response), formats.SENML_CBOR)

        records = formats.decode_senml_cbor(response.payload)
        names = [record.name for record in records]
        self.assertEqual(names, [name for name, _ in BS_TLV_VALUES], "records not in plan order")
        values = formats.senml_values(records)
        for name, expected in BS_TLV_VALUES:
            self.assertEqual(values[name], expected, name)
            self.assertIs(type(values[name]), type(expected), name)
        # Every record carries its full path, with no base name.
        first = formats.decode_cbor(response.payload)[0]
        self.assertEqual(first, {0: "/0/1/0", 3: "coap://127.0.0.1:5683"})

        self.assertEqual(event["endpoint"], "bs-tlv", f"wrong endpoint: {event}")
        self.assertEqual(event["peer"], "127.0.0.1", f"wrong peer: {event}")
        self.assertEqual(event["port"], peer.port, f"wrong port: {event}")
        self.assertEqual(event["query"], {"ep": "bs-tlv"}, f"wrong query: {event}")
        self.assertEqual(event["code"], "2.05", f"wrong code: {event}")
        self.assertEqual(event["content_format"], formats.SENML_CBOR, f"wrong format: {event}")
        self.assertEqual(event["records"], len(BS_TLV_VALUES), f"wrong records: {event}")
        self.assertEqual(event["payload_hex"], response.payload.hex(), f"wrong payload: {event}")

    def test_accept_senml_json(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, ["ep=bs-object-level"], accept=110)
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))
        self.assertEqual(content_format_of(response), formats.SENML_JSON)
        self.assertEqual(event["content_format"], formats.SENML_JSON, f"wrong format: {event}")

        pack = json.loads(response.payload)
        self.assertTrue(all("bn" not in record for record in pack), pack)
        values = formats.senml_values(formats.decode_senml_json(response.payload))
        self.assertEqual(values["/0/0/0"], "coap://127.0.0.1:5693")
        self.assertIs(values["/0/0/1"], True)
        self.assertEqual(values["/0/0/2"], 3)
        self.assertEqual(values["/0/0/11"], 0)
        self.assertEqual(values["/0/1/0"], "coap://127.0.0.1:5683")
        self.assertIs(values["/0/1/1"], False)
        self.assertEqual(values["/0/1/2"], 3)
        self.assertEqual(values["/0/1/10"], 1)
        self.assertEqual(len(values), 8, values)
        self.assertEqual(event["records"], 8, f"wrong records: {event}")

    def test_default_plan_with_accept_cbor(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, ["ep=any-name"], accept=112)
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))
        self.assertEqual(content_format_of(response), formats.SENML_CBOR)
        values = formats.senml_values(formats.decode_senml_cbor(response.payload))
        self.assertEqual(values, {"/1/0/0": 2, "/1/0/1": 60, "/1/0/5": 86400, "/1/0/7": "UQ"})
        self.assertEqual(event["endpoint"], "any-name", f"wrong endpoint: {event}")

    def test_unsupported_accept(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, ["ep=bs-tlv"], accept=40)
        self.assert_rejected(response, event, NOT_ACCEPTABLE, "Accept 40")

    def test_tlv_accept_rejected(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, ["ep=bs-tlv"], accept=11542)
        self.assert_rejected(response, event, NOT_ACCEPTABLE, "Accept 11542")

    def test_missing_endpoint(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, [])
        self.assert_rejected(response, event, BAD_REQUEST, "no ep")
        self.assertIsNone(event["endpoint"], f"unexpected endpoint: {event}")

    def test_unknown_endpoint_without_default(self):
        config = {"endpoints": {"known": {"operations": [{"op": "finish"}]}}}
        server, peer = self.start_bootstrap_server(config_path=self.write_config(config))
        response, event = self.request_pack(server, peer, ["ep=stranger"])
        self.assert_rejected(response, event, coap.NOT_FOUND, "unknown endpoint")
        self.assertEqual(event["endpoint"], "stranger", f"wrong endpoint: {event}")

    def test_plan_without_write(self):
        server, peer = self.start_bootstrap_server()
        response, event = self.request_pack(server, peer, ["ep=bs-manual"])
        self.assert_rejected(response, event, coap.NOT_FOUND, "plan without write")

    def test_pack_disabled(self):
        write = {"op": "write", "path": "/1/0", "values": {"short_server_id": 1}}
        config = {
            "endpoints": {"no-pack": {"pack": False, "operations": [write, {"op": "finish"}]}},
            "default": {"operations": [write]},
        }
        server, peer = self.start_bootstrap_server(config_path=self.write_config(config))
        response, event = self.request_pack(server, peer, ["ep=no-pack"])
        self.assert_rejected(response, event, METHOD_NOT_ALLOWED, "pack: false")

        # The flag applies to one plan, so the default plan still serves packs.
        other = BootstrapPeer(server.port)
        self.addCleanup(other.close)
        response = other.request_pack(["ep=other"])
        self.assertIsNotNone(response, "no response for the default plan\n" + self.describe())
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))

    def test_pack_does_not_start_plan(self):
        server, peer = self.start_bootstrap_server()
        response, _ = self.request_pack(server, peer, ["ep=bs-tlv"])
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))

        datagram = peer.receive(NO_REQUEST_WAIT_S)
        self.assertIsNone(datagram, "request after GET /bspack: " + repr(datagram))
        self.assertEqual(server.events("sent"), [], self.describe())

        # A Bootstrap-Request afterwards still starts the plan.
        self.bootstrap(server, peer, ["ep=bs-tlv"])
        self.expect_request(peer, coap.DELETE, "/", "Bootstrap-Delete after the pack")


class BootstrapPortTest(BootstrapTest):
    """--bootstrap-port: Bootstrap interface on its own port, Register on --port."""

    def test_interfaces_split_by_port(self):
        server = self.start_server(extra_args=["--bootstrap", "--bootstrap-port", "0"])
        listening = server.events("listening")[0]
        bootstrap_port = listening["bootstrap_port"]
        self.assertNotEqual(bootstrap_port, server.port, f"one port for both: {listening}")

        on_main_port = BootstrapPeer(server.port)
        self.addCleanup(on_main_port.close)
        response = on_main_port.request_bootstrap(["ep=split"])
        self.assertIsNotNone(response, "no response on --port\n" + self.describe())
        self.assertEqual(response.code, coap.NOT_FOUND, coap.describe(response))

        register = coap.encode(
            coap.CON,
            coap.POST,
            on_main_port.new_message_id(),
            b"\x05",
            [(coap.URI_PATH, "rd"), (coap.URI_QUERY, "ep=split"), (coap.URI_QUERY, "lt=60")],
            b"</1/0>",
        )
        on_main_port.send(register)
        datagram = on_main_port.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no response to Register\n" + self.describe())
        self.assertEqual(coap.decode(datagram).code, coap.CREATED)

        on_bootstrap_port = BootstrapPeer(bootstrap_port)
        self.addCleanup(on_bootstrap_port.close)
        response = on_bootstrap_port.request_bootstrap(["ep=split"])
        self.assertIsNotNone(response, "no response on the bootstrap port\n" + self.describe())
        self.assertEqual(response.code, coap.CHANGED, coap.describe(response))


if __name__ == "__main__":
    unittest.main()
