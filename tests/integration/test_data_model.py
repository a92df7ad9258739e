"""Device Management operations on the demo client's data model, over UDP on loopback.

The test server sends Read, Write, Execute, Create, Delete and Discover to the demo client
(tools/lwm2m-client). The tests decode every payload the client returns, and build every
payload they send, with payload_formats, which shares no code with the client library.
"""

import json
import unittest

import payload_formats as fmt
from harness import DEMO_MANUFACTURER, STEP_TIMEOUT_S, IntegrationTest

# Data (/19/0/0/0) of the demo Binary App Data Container: byte i is i % 251.
APP_DATA = bytes(i % 251 for i in range(5000))

# The demo Sensor Value swings between 18 and 24 °C. The range leaves room for rounding.
TEMPERATURE_MIN = 17.0
TEMPERATURE_MAX = 25.0

# Resources of the demo Temperature object (3303), in ID order.
TEMPERATURE_RESOURCES = (5601, 5602, 5603, 5604, 5605, 5700, 5701, 5750)

# Initial Application Type (/3303/0/5750) of the demo Temperature object.
DEFAULT_APPLICATION_TYPE = "room"

APPLICATION_TYPE = "/3303/0/5750"
APPLICATION_TYPE_ID = 5750

# An ID that no demo object defines.
UNKNOWN_RESOURCE_ID = 9999

# Data types of the resources the tests decode from TLV, by (object ID, resource ID).
TLV_TYPES = {
    (3, 0): "string",
    (3, 1): "string",
    (3, 11): "integer",
    (3, 16): "string",
    (4, 0): "integer",
    (4, 1): "integer",
    (4, 2): "integer",
    (4, 4): "string",
    (3303, 5603): "float",
    (3303, 5604): "float",
    (3303, 5700): "float",
    (3303, 5701): "string",
    (3303, 5750): "string",
    (19, 0): "opaque",
}


def payload_bytes(response):
    """Return the payload of a server response event as bytes."""
    if "payload" in response:
        return response["payload"].encode("utf-8")
    return bytes.fromhex(response.get("payload_hex", ""))


def tlv_prefix(path):
    """Return the path above the outermost TLV entries of a Read response on `path`.

    Object and instance reads carry instances and resources, which name themselves below
    the path. Resource and resource-instance reads carry the target itself.
    """
    segments = path.strip("/").split("/")
    if len(segments) <= 2:
        return path
    return "/" + "/".join(segments[:-1])


def typed_tlv_values(data, prefix):
    """Decode a TLV payload into {path: value}, converted by TLV_TYPES (bytes if not listed)."""
    values = {}
    for path, raw in fmt.tlv_values(data, prefix).items():
        segments = [int(segment) for segment in path.strip("/").split("/")]
        data_type = TLV_TYPES.get((segments[0], segments[2]), "opaque")
        if data_type == "string":
            values[path] = raw.decode("utf-8")
        elif data_type == "integer":
            values[path] = fmt.tlv_integer(raw)
        elif data_type == "float":
            values[path] = fmt.tlv_float(raw)
        else:
            values[path] = raw
    return values


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class DataModelTest(IntegrationTest):
    """Test case with one registered demo client, and helpers to send commands to it."""

    ENDPOINT = "dm"
    CLIENT_ARGS = ()

    def setUp(self):
        super().setUp()
        self.server, self.client, self.register = self.start_pair(self.ENDPOINT, self.CLIENT_ARGS)

    def expect(self, command, code):
        """Send `command` (without the endpoint) and return its response with code `code`."""
        operation, _, arguments = command.partition(" ")
        line = f"{operation} {self.ENDPOINT} {arguments}"
        response = self.server.run_command(line)
        self.assertIsNotNone(response, f"no response to '{line}'\n" + self.describe())
        self.assertEqual(response["event"], "response", f"'{line}' failed: {response}")
        self.assertEqual(
            response["code"], code, f"'{line}' returned {response['code']}: {response}"
        )
        return response

    def decode_values(self, response):
        """Decode a SenML or TLV Read response into {path: value}, failing on any error."""
        data = payload_bytes(response)
        content_format = response["content_format"]
        path = response["path"]
        try:
            if content_format == fmt.SENML_JSON:
                return fmt.senml_values(fmt.decode_senml_json(data))
            if content_format == fmt.SENML_CBOR:
                return fmt.senml_values(fmt.decode_senml_cbor(data))
            if content_format == fmt.LWM2M_TLV:
                return typed_tlv_values(data, tlv_prefix(path))
        except (ValueError, UnicodeDecodeError) as error:
            self.fail(f"invalid {content_format} payload of {path}: {error}\n{data.hex()}")
        self.fail(f"{path} returned Content-Format {content_format}, expected SenML or TLV")

    def read_values(self, path, accept, expected_format):
        """Read `path` with Accept `accept` (None: no Accept) and return its decoded values."""
        command = f"read {path}" if accept is None else f"read {path} --accept {accept}"
        response = self.expect(command, "2.05")
        self.assertEqual(
            response["content_format"],
            expected_format,
            f"'{command}' returned the wrong Content-Format: {response}",
        )
        return self.decode_values(response)

    def read_application_type(self):
        response = self.expect(f"read {APPLICATION_TYPE} --accept {fmt.TEXT_PLAIN}", "2.05")
        return payload_bytes(response).decode("utf-8")


class HierarchicalReadTest(DataModelTest):
    """Read of the Device, Connectivity Monitoring and Temperature instances in each format."""

    ENDPOINT = "dm-read"

    def read_demo_instances(self, accept, expected_format):
        values = {}
        for path in ("/3/0", "/4/0", "/3303/0"):
            values.update(self.read_values(path, accept, expected_format))
        return values

    def check_demo_values(self, values):
        self.assertEqual(values.get("/3/0/0"), DEMO_MANUFACTURER, f"Manufacturer: {values}")
        self.assertEqual(values.get("/3/0/11/0"), 0, f"Error Code: {values}")
        self.assertIs(type(values.get("/3/0/11/0")), int, f"Error Code type: {values}")
        self.assertEqual(values.get("/3/0/16"), "U", f"Supported Binding: {values}")

        bearers = sorted(path for path in values if path.startswith("/4/0/1/"))
        self.assertEqual(bearers, ["/4/0/1/0", "/4/0/1/1"], f"Available Network Bearer: {values}")
        self.assertEqual(values.get("/4/0/1/0"), 41, f"first bearer: {values}")
        self.assertEqual(values.get("/4/0/1/1"), 42, f"second bearer: {values}")
        self.assertEqual(values.get("/4/0/2"), -60, f"Radio Signal Strength: {values}")

        self.assertEqual(values.get("/3303/0/5701"), "Cel", f"Sensor Units: {values}")
        self.assertEqual(values.get("/3303/0/5603"), -40.0, f"Min Range Value: {values}")
        self.assertEqual(values.get("/3303/0/5604"), 85.0, f"Max Range Value: {values}")
        temperature = values.get("/3303/0/5700")
        self.assertTrue(is_number(temperature), f"Sensor Value is not a number: {values}")
        self.assertGreaterEqual(temperature, TEMPERATURE_MIN, f"Sensor Value: {values}")
        self.assertLessEqual(temperature, TEMPERATURE_MAX, f"Sensor Value: {values}")

    def test_read_senml_json(self):
        self.check_demo_values(self.read_demo_instances(fmt.SENML_JSON, fmt.SENML_JSON))

    def test_read_senml_cbor(self):
        self.check_demo_values(self.read_demo_instances(fmt.SENML_CBOR, fmt.SENML_CBOR))

    def test_read_tlv(self):
        self.check_demo_values(self.read_demo_instances(fmt.LWM2M_TLV, fmt.LWM2M_TLV))

    def test_default_format_senml_cbor(self):
        # An LwM2M 1.1 client returns SenML CBOR for a Read without Accept.
        self.check_demo_values(self.read_demo_instances(None, fmt.SENML_CBOR))

    def test_float_senml_cbor(self):
        values = self.read_values("/3303/0", fmt.SENML_CBOR, fmt.SENML_CBOR)
        self.assertIsInstance(values.get("/3303/0/5700"), float, f"Sensor Value: {values}")


class Lwm2m10ReadTest(DataModelTest):
    """Read from a client that registers with LwM2M 1.0, which defaults to TLV."""

    ENDPOINT = "dm-read-10"
    CLIENT_ARGS = ("--lwm2m-version", "1.0")

    def test_default_format_tlv(self):
        self.assertEqual(self.register["lwm2m"], "1.0", f"Register: {self.register}")

        values = self.read_values("/3/0", None, fmt.LWM2M_TLV)
        self.assertEqual(values.get("/3/0/0"), DEMO_MANUFACTURER, f"Manufacturer: {values}")
        self.assertEqual(values.get("/3/0/11/0"), 0, f"Error Code: {values}")
        self.assertEqual(values.get("/3/0/16"), "U", f"Supported Binding: {values}")


class ResourceReadTest(DataModelTest):
    """Read of single resources and resource instances, and Accept values the client rejects."""

    ENDPOINT = "dm-read-resource"

    def test_text_plain(self):
        response = self.expect(f"read /3303/0/5701 --accept {fmt.TEXT_PLAIN}", "2.05")
        self.assertEqual(response["content_format"], fmt.TEXT_PLAIN, f"format: {response}")
        self.assertEqual(payload_bytes(response), b"Cel", f"payload: {response}")

    def test_resource_instance_text_plain(self):
        response = self.expect(f"read /4/0/1/1 --accept {fmt.TEXT_PLAIN}", "2.05")
        self.assertEqual(response["content_format"], fmt.TEXT_PLAIN, f"format: {response}")
        self.assertEqual(payload_bytes(response), b"42", f"payload: {response}")

    def test_tlv(self):
        values = self.read_values("/3303/0/5701", fmt.LWM2M_TLV, fmt.LWM2M_TLV)
        self.assertEqual(values, {"/3303/0/5701": "Cel"})

    def test_multiple_resource_tlv(self):
        values = self.read_values("/4/0/1", fmt.LWM2M_TLV, fmt.LWM2M_TLV)
        self.assertEqual(values, {"/4/0/1/0": 41, "/4/0/1/1": 42})

    def test_senml_json(self):
        values = self.read_values("/3303/0/5701", fmt.SENML_JSON, fmt.SENML_JSON)
        self.assertEqual(values, {"/3303/0/5701": "Cel"})

    def test_senml_cbor(self):
        values = self.read_values("/3303/0/5701", fmt.SENML_CBOR, fmt.SENML_CBOR)
        self.assertEqual(values, {"/3303/0/5701": "Cel"})

    def test_cbor_string(self):
        response = self.expect(f"read /3303/0/5701 --accept {fmt.CBOR}", "2.05")
        self.assertEqual(response["content_format"], fmt.CBOR, f"format: {response}")
        self.assertEqual(fmt.decode_cbor(payload_bytes(response)), "Cel", f"payload: {response}")

    def test_cbor_float(self):
        response = self.expect(f"read /3303/0/5700 --accept {fmt.CBOR}", "2.05")
        self.assertEqual(response["content_format"], fmt.CBOR, f"format: {response}")
        temperature = fmt.decode_cbor(payload_bytes(response))
        self.assertIsInstance(temperature, float, f"payload: {response}")
        self.assertGreaterEqual(temperature, TEMPERATURE_MIN, f"payload: {response}")
        self.assertLessEqual(temperature, TEMPERATURE_MAX, f"payload: {response}")

    def test_unknown_accept(self):
        self.expect("read /3/0 --accept 9999", "4.06")
        self.expect("read /3/0/0 --accept 9999", "4.06")

    def test_instance_text_plain(self):
        # text/plain carries one value, and an instance has several.
        self.expect(f"read /3/0 --accept {fmt.TEXT_PLAIN}", "4.06")

    def test_multiple_resource_text_plain(self):
        self.expect(f"read /4/0/1 --accept {fmt.TEXT_PLAIN}", "4.06")


class LargeReadTest(DataModelTest):
    """Read of the 5000-byte Data resource, larger than the client's out buffer.

    The client sends the response in Block2 blocks, and the server's libcoap reassembles
    them before it prints the response event.
    """

    ENDPOINT = "dm-read-block2"

    def assert_app_data(self, data, label):
        self.assertEqual(len(data), len(APP_DATA), f"{label}: wrong length")
        mismatch = next((i for i in range(len(data)) if data[i] != APP_DATA[i]), None)
        self.assertIsNone(mismatch, f"{label}: byte {mismatch} is not {mismatch} % 251")

    def test_opaque(self):
        response = self.expect(f"read /19/0/0/0 --accept {fmt.OCTET_STREAM}", "2.05")
        self.assertEqual(response["content_format"], fmt.OCTET_STREAM, f"format: {response}")
        self.assert_app_data(payload_bytes(response), "opaque /19/0/0/0")

        # The out buffer, LWM2M_OUT_BUFFER_SIZE, is 1200 bytes by default, so a payload of
        # 5000 bytes takes more than one response.
        pattern = r"\[req\] GET /19/0/0/0 \(message \d+\) -> 2\.05"
        first = self.client.wait_for_log(pattern, STEP_TIMEOUT_S)
        self.assertIsNotNone(first, "client logged no GET /19/0/0/0\n" + self.describe())
        second = self.client.wait_for_log(pattern, STEP_TIMEOUT_S, after=first.index)
        self.assertIsNotNone(second, "client logged one GET, not Block2\n" + self.describe())

    def test_instance_tlv(self):
        values = self.read_values("/19/0", fmt.LWM2M_TLV, fmt.LWM2M_TLV)
        self.assertEqual(list(values), ["/19/0/0/0"], "TLV of /19/0 has other values")
        self.assert_app_data(values["/19/0/0/0"], "TLV /19/0")

    def test_instance_senml_json(self):
        values = self.read_values("/19/0", fmt.SENML_JSON, fmt.SENML_JSON)
        self.assertEqual(list(values), ["/19/0/0/0"], "SenML JSON of /19/0 has other values")
        self.assert_app_data(values["/19/0/0/0"], "SenML JSON /19/0")


class WriteTest(DataModelTest):
    """Write (replace and partial update) of Application Type, and Writes the client rejects."""

    ENDPOINT = "dm-write"

    def write_hex(self, path, payload, content_format, code, partial=False):
        flag = " --partial" if partial else ""
        command = f"write {path} --hex {payload.hex()} --format {content_format}{flag}"
        return self.expect(command, code)

    def test_text_plain(self):
        self.write_hex(APPLICATION_TYPE, b"plain-text", fmt.TEXT_PLAIN, "2.04")

        response = self.expect(f"read {APPLICATION_TYPE} --accept {fmt.TEXT_PLAIN}", "2.05")
        self.assertEqual(payload_bytes(response), b"plain-text", f"read back: {response}")

    def test_tlv(self):
        payload = fmt.encode_tlv(fmt.TLV_RESOURCE, APPLICATION_TYPE_ID, b"tlv-text")
        self.write_hex(APPLICATION_TYPE, payload, fmt.LWM2M_TLV, "2.04")

        values = self.read_values(APPLICATION_TYPE, fmt.LWM2M_TLV, fmt.LWM2M_TLV)
        self.assertEqual(values, {APPLICATION_TYPE: "tlv-text"})

    def test_senml_json(self):
        # A base name and a name that together form the path.
        records = [{"bn": "/3303/0/", "n": "5750", "vs": "json-text"}]
        self.write_hex(APPLICATION_TYPE, json.dumps(records).encode(), fmt.SENML_JSON, "2.04")

        values = self.read_values(APPLICATION_TYPE, fmt.SENML_JSON, fmt.SENML_JSON)
        self.assertEqual(values, {APPLICATION_TYPE: "json-text"})

    def test_senml_json_escaped_string(self):
        # json.dumps escapes the quote, backslash, line feed and U+0001, and writes "é" as
        # \u00e9, so the client must decode both two-character and \u escapes.
        text = 'q"b\\s\n\x01é'
        payload = json.dumps([{"n": APPLICATION_TYPE, "vs": text}]).encode()
        self.write_hex(APPLICATION_TYPE, payload, fmt.SENML_JSON, "2.04")

        self.assertEqual(self.read_application_type(), text)
        values = self.read_values(APPLICATION_TYPE, fmt.SENML_JSON, fmt.SENML_JSON)
        self.assertEqual(values, {APPLICATION_TYPE: text})

    def test_senml_cbor(self):
        # Labels 0 (n) and 3 (vs), without a base name.
        payload = fmt.encode_cbor([{0: APPLICATION_TYPE, 3: "cbor-text"}])
        self.write_hex(APPLICATION_TYPE, payload, fmt.SENML_CBOR, "2.04")

        values = self.read_values(APPLICATION_TYPE, fmt.SENML_CBOR, fmt.SENML_CBOR)
        self.assertEqual(values, {APPLICATION_TYPE: "cbor-text"})

    def test_partial_update_tlv(self):
        payload = fmt.encode_tlv(fmt.TLV_RESOURCE, APPLICATION_TYPE_ID, b"partial")
        self.write_hex("/3303/0", payload, fmt.LWM2M_TLV, "2.04", partial=True)

        values = self.read_values("/3303/0", fmt.LWM2M_TLV, fmt.LWM2M_TLV)
        self.assertEqual(values.get(APPLICATION_TYPE), "partial", f"values: {values}")
        self.assertEqual(values.get("/3303/0/5701"), "Cel", f"values: {values}")

    def test_unknown_resource_in_instance_tlv(self):
        # A Write on an instance skips resources the object does not define, and succeeds.
        unknown = fmt.encode_tlv(fmt.TLV_RESOURCE, UNKNOWN_RESOURCE_ID, fmt.encode_tlv_integer(7))
        known = fmt.encode_tlv(fmt.TLV_RESOURCE, APPLICATION_TYPE_ID, b"after-unknown")
        self.write_hex("/3303/0", unknown + known, fmt.LWM2M_TLV, "2.04")

        self.assertEqual(self.read_application_type(), "after-unknown")

    def test_partial_unknown_resource_cbor(self):
        records = [
            {-2: "/3303/0/", 0: str(UNKNOWN_RESOURCE_ID), 2: 1.5},
            {0: str(APPLICATION_TYPE_ID), 3: "cbor-after-unknown"},
        ]
        self.write_hex("/3303/0", fmt.encode_cbor(records), fmt.SENML_CBOR, "2.04", partial=True)

        self.assertEqual(self.read_application_type(), "cbor-after-unknown")

    def test_value_outside_target(self):
        # Sensor Units (5701) in a Write on Application Type (5750).
        payload = json.dumps([{"n": "/3303/0/5701", "vs": "outside"}]).encode()
        self.write_hex(APPLICATION_TYPE, payload, fmt.SENML_JSON, "4.00")

        self.assertEqual(self.read_application_type(), DEFAULT_APPLICATION_TYPE)

    def test_missing_instance(self):
        self.write_hex("/3303/1/5750", b"nowhere", fmt.TEXT_PLAIN, "4.04")

    def test_read_only_resource(self):
        self.write_hex("/3303/0/5700", b"22.5", fmt.TEXT_PLAIN, "4.05")
        self.write_hex("/3/0/0", b"other", fmt.TEXT_PLAIN, "4.05")

    def test_malformed_tlv(self):
        # The header announces 5 bytes of value, and 2 follow.
        payload = bytes([0xE5]) + APPLICATION_TYPE_ID.to_bytes(2, "big") + b"ab"
        self.write_hex(APPLICATION_TYPE, payload, fmt.LWM2M_TLV, "4.00")

        self.assertEqual(self.read_application_type(), DEFAULT_APPLICATION_TYPE)

    def test_malformed_senml_json(self):
        payload = b'[{"n":"/3303/0/5750","vs":'
        self.write_hex(APPLICATION_TYPE, payload, fmt.SENML_JSON, "4.00")

        self.assertEqual(self.read_application_type(), DEFAULT_APPLICATION_TYPE)

    def test_malformed_senml_cbor(self):
        # The last text string is cut 2 bytes short.
        payload = fmt.encode_cbor([{0: APPLICATION_TYPE, 3: "cut-short"}])[:-2]
        self.write_hex(APPLICATION_TYPE, payload, fmt.SENML_CBOR, "4.00")

        self.assertEqual(self.read_application_type(), DEFAULT_APPLICATION_TYPE)

    def test_unsupported_content_format(self):
        self.write_hex(APPLICATION_TYPE, b"text", 9999, "4.15")

        self.assertEqual(self.read_application_type(), DEFAULT_APPLICATION_TYPE)


class ExecuteTest(DataModelTest):
    """Execute without arguments, and with arguments that follow or break `d[='text'],...`."""

    ENDPOINT = "dm-execute"

    def test_reset_min_max(self):
        self.expect("execute /3303/0/5605", "2.04")

    def test_malformed_arguments(self):
        self.expect("execute /1/0/8 bad args", "4.00")

    def test_valid_arguments(self):
        self.expect("execute /1/0/8 0,1='x'", "2.04")

        # Registration Update Trigger makes the client send an Update.
        update = self.server.wait_event("update", STEP_TIMEOUT_S, endpoint=self.ENDPOINT)
        self.assertIsNotNone(update, "no Update after the trigger\n" + self.describe())

    def test_readable_resource(self):
        self.expect("execute /3303/0/5700", "4.05")


class CreateDeleteTest(DataModelTest):
    """Create and Delete on objects whose instances are fixed."""

    ENDPOINT = "dm-create-delete"

    def test_create_temperature_instance(self):
        self.expect("create /3303", "4.05")

    def test_delete_temperature_instance(self):
        self.expect("delete /3303/0", "4.05")

        response = self.expect(f"read /3303/0/5701 --accept {fmt.TEXT_PLAIN}", "2.05")
        self.assertEqual(payload_bytes(response), b"Cel", f"instance changed: {response}")

    def test_delete_device_instance(self):
        self.expect("delete /3/0", "4.05")


class DiscoverTest(DataModelTest):
    """Discover of an object, of a multiple resource, and of the Security object."""

    ENDPOINT = "dm-discover"

    def discover_links(self, path):
        response = self.expect(f"discover {path}", "2.05")
        self.assertEqual(response["content_format"], fmt.LINK_FORMAT, f"format: {response}")
        return payload_bytes(response).decode("utf-8").split(",")

    def test_object(self):
        links = self.discover_links("/3303")

        self.assertEqual(links[0], "</3303>;ver=1.1", f"links: {links}")
        targets = [link.split(";")[0] for link in links]
        self.assertIn("</3303/0>", targets)
        for resource_id in TEMPERATURE_RESOURCES:
            self.assertIn(f"</3303/0/{resource_id}>", targets)
        self.assertEqual(len(targets), 2 + len(TEMPERATURE_RESOURCES), f"links: {links}")

    def test_multiple_resource(self):
        links = self.discover_links("/4/0/1")
        self.assertEqual(links, ["</4/0/1>;dim=2", "</4/0/1/0>", "</4/0/1/1>"])

    def test_security_object(self):
        # Only the LwM2M Bootstrap-Server may access the Security object.
        self.expect("discover /0", "4.01")


class BuiltinObjectsTest(DataModelTest):
    """Server object 1.2 and the Device resources the demo provides, on an LwM2M 1.2 client."""

    ENDPOINT = "dm-builtin"
    CLIENT_ARGS = ("--lwm2m-version", "1.2")

    def test_register_announces_server_12(self):
        self.assertEqual(self.register["query"].get("lwm2m"), "1.2", f"Register: {self.register}")
        self.assertTrue(
            self.register["links"].startswith("</1>;ver=1.2,</1/0>,"),
            f"Server object version in {self.register}",
        )

    def test_read_server_instance(self):
        values = self.read_values("/1/0", fmt.SENML_JSON, fmt.SENML_JSON)

        self.assertEqual(values.get("/1/0/1"), 60, f"Lifetime: {values}")
        self.assertEqual(values.get("/1/0/10"), "65535:65535", f"APN Link: {values}")
        self.assertEqual(values.get("/1/0/14"), 0, f"Initial Registration Delay: {values}")
        self.assertIs(values.get("/1/0/15"), False, f"Registration Failure Block: {values}")
        self.assertIs(values.get("/1/0/16"), True, f"Bootstrap on Failure: {values}")
        self.assertIs(values.get("/1/0/21"), False, f"Trigger: {values}")
        self.assertEqual(values.get("/1/0/22"), "U", f"Preferred Transport: {values}")
        self.assertEqual(values.get("/1/0/26"), 0, f"Default Notification Mode: {values}")
        self.assertEqual(values.get("/1/0/27"), 0, f"Profile ID Hash Algorithm: {values}")
        # No DTLS alert, bootstrap or registration order exists, so these are absent.
        for absent in ("/1/0/11", "/1/0/12", "/1/0/13"):
            self.assertNotIn(absent, values, f"{absent} present: {values}")

    def test_read_device_instance(self):
        values = self.read_values("/3/0", fmt.SENML_CBOR, fmt.SENML_CBOR)

        self.assertEqual(values.get("/3/0/6/0"), 1, f"Available Power Sources: {values}")
        self.assertEqual(values.get("/3/0/7/0"), 3700, f"Power Source Voltage: {values}")
        self.assertEqual(values.get("/3/0/8/0"), 120, f"Power Source Current: {values}")
        self.assertEqual(values.get("/3/0/9"), 87, f"Battery Level: {values}")
        self.assertEqual(values.get("/3/0/10"), 48, f"Memory Free: {values}")
        self.assertEqual(values.get("/3/0/20"), 0, f"Battery Status: {values}")
        self.assertEqual(values.get("/3/0/21"), 64, f"Memory Total: {values}")
        self.assertFalse(
            any(path.startswith("/3/0/22") for path in values),
            f"ExtDevInfo is not provided by the demo: {values}",
        )

    def test_bootstrap_request_trigger(self):
        # No Bootstrap-Server account exists, so the Execute is not allowed.
        self.expect("execute /1/0/9", "4.05")

        self.assertEqual(self.read_values("/1/0/26", fmt.SENML_JSON, fmt.SENML_JSON)["/1/0/26"], 0)

    def test_write_default_notification_mode(self):
        write = "write /1/0/26 --hex {} --format " + str(fmt.TEXT_PLAIN)
        self.expect(write.format(b"2".hex()), "4.00")
        self.expect(write.format(b"1".hex()), "2.04")

        response = self.expect(f"read /1/0/26 --accept {fmt.TEXT_PLAIN}", "2.05")
        self.assertEqual(payload_bytes(response), b"1", f"read back: {response}")


class PayloadFormatsTest(unittest.TestCase):
    """The test decoders themselves, on vectors written out by hand."""

    def test_cbor_integers(self):
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("17")), 23)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("1818")), 24)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("1903e8")), 1000)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("20")), -1)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("3863")), -100)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("3a000f423f")), -1000000)

    def test_cbor_floats(self):
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("f93c00")), 1.0)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("f9c400")), -4.0)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("f97bff")), 65504.0)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("f90001")), 2.0**-24)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("fa47c35000")), 100000.0)
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("fb3ff199999999999a")), 1.1)

    def test_cbor_containers(self):
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("6449455446")), "IETF")
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("4401020304")), b"\x01\x02\x03\x04")
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("83f4f5f6")), [False, True, None])
        self.assertEqual(fmt.decode_cbor(bytes.fromhex("a2012102a0")), {1: -2, 2: {}})

    def test_cbor_rejects_truncated(self):
        with self.assertRaises(ValueError):
            fmt.decode_cbor(bytes.fromhex("64494554"))
        with self.assertRaises(ValueError):
            fmt.decode_cbor(bytes.fromhex("8301"))

    def test_cbor_round_trip(self):
        value = [{-2: "/3/0/", 0: "1", 2: -1.5, 8: b"\x00\xff", 4: True}]
        self.assertEqual(fmt.decode_cbor(fmt.encode_cbor(value)), value)

    def test_senml_base_name(self):
        text = '[{"bn":"/3/0/","n":"0","vs":"a"},{"n":"11/0","v":0},{"bn":"/4/0/","n":"2","v":-6}]'
        values = fmt.senml_values(fmt.decode_senml_json(text))
        self.assertEqual(values, {"/3/0/0": "a", "/3/0/11/0": 0, "/4/0/2": -6})

    def test_senml_json_data_value(self):
        values = fmt.senml_values(fmt.decode_senml_json('[{"n":"/19/0/0/0","vd":"AP8-_w"}]'))
        self.assertEqual(values, {"/19/0/0/0": b"\x00\xff\x3e\xff"})

    def test_senml_cbor_labels(self):
        # Label 4 is "vb", which must hold a boolean.
        with self.assertRaises(ValueError):
            fmt.decode_senml_cbor(fmt.encode_cbor([{0: "/3/0/1", 4: b"\xff"}]))

        payload = fmt.encode_cbor([{-2: "/3/0/", 0: "1", 4: False}, {0: "2", 8: b"\x01"}])
        values = fmt.senml_values(fmt.decode_senml_cbor(payload))
        self.assertEqual(values, {"/3/0/1": False, "/3/0/2": b"\x01"})

    def test_tlv_nested(self):
        # Resource 0 "abc" with an 8-bit length field, then multiple resource 11 with
        # instances 0 and 1.
        payload = bytes.fromhex("c80003616263860b410000410101")
        values = fmt.tlv_values(payload, "/3/0")
        self.assertEqual(values, {"/3/0/0": b"abc", "/3/0/11/0": b"\x00", "/3/0/11/1": b"\x01"})

    def test_tlv_object_instance(self):
        # Object instance 0 of 7 bytes: resource 1 = ff, resource 2 = 01 02.
        values = fmt.tlv_values(bytes.fromhex("0700c101ffc2020102"), "/4")
        self.assertEqual(values, {"/4/0/1": b"\xff", "/4/0/2": b"\x01\x02"})

    def test_tlv_rejects_invalid(self):
        # A value cut short, then a multiple resource that contains resources.
        with self.assertRaises(ValueError):
            fmt.tlv_values(bytes.fromhex("e5167661"), "/3303/0")
        with self.assertRaises(ValueError):
            fmt.tlv_values(bytes.fromhex("860bc10000c10100"), "/3/0")

    def test_tlv_encode(self):
        self.assertEqual(fmt.encode_tlv(fmt.TLV_RESOURCE, 1, b"ab").hex(), "c2016162")
        self.assertEqual(fmt.encode_tlv(fmt.TLV_RESOURCE, 5750, b"x" * 8).hex()[:8], "e8167608")
        self.assertEqual(fmt.encode_tlv_integer(-60).hex(), "c4")
        self.assertEqual(fmt.encode_tlv_integer(300).hex(), "012c")
        self.assertEqual(fmt.tlv_integer(bytes.fromhex("ffc4")), -60)
        self.assertEqual(fmt.tlv_float(bytes.fromhex("41a80000")), 21.0)


if __name__ == "__main__":
    unittest.main()
