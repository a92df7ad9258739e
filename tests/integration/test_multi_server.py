"""Two LwM2M Servers at once: a Bootstrap-Server writes two server accounts, and the demo
client registers with both test servers, each from its own local port, and keeps their
requests, observations and registrations apart.
"""

import unittest

from harness import DEMO_MANUFACTURER, STEP_TIMEOUT_S
from test_bootstrap import BootstrapClientTest, security_values, server_values

ENDPOINT = "two-servers"
# Security instance 0 is the Bootstrap-Server account of a client started with --bootstrap.
ACCOUNTS = ((1, 11), (2, 22))  # (Security instance, Short Server ID) of servers A and B


def tlv(kind, identifier, value):
    """One TLV entry (LwM2M Core, 7.4.3) with an 8-bit ID and a value below 256 bytes."""
    if len(value) < 8:
        return bytes([kind << 6 | len(value), identifier]) + value
    return bytes([kind << 6 | 1 << 3, identifier, len(value)]) + value


def acl_instance(object_id, instance_id, rights, owner):
    """TLV of an Access Control instance: `rights` maps Short Server IDs to access bits."""
    entries = b"".join(tlv(1, ssid, bytes([bits])) for ssid, bits in sorted(rights.items()))
    return (
        tlv(3, 0, bytes([object_id]))
        + tlv(3, 1, bytes([instance_id]))
        + tlv(2, 2, entries)
        + tlv(3, 3, bytes([owner]))
    )


READ, WRITE, EXECUTE = 1, 2, 4
SSID_A, SSID_B = ACCOUNTS[0][1], ACCOUNTS[1][1]


class TwoServersTest(BootstrapClientTest):
    # Access Control instances the Bootstrap-Server writes, /2/0 onwards.
    acl = ()

    def setUp(self):
        super().setUp()
        self.bootstrap_server, bootstrap_uri = self.start_bootstrap_server()
        self.server_a = self.start_server()
        self.server_b = self.start_server()
        self.client = self.start_bootstrapping_client(
            bootstrap_uri,
            ENDPOINT,
            ["--temperature-sequence", "20,21,22,23", "--temperature-period-ms", "300"],
        )
        self.wait_bootstrap_request(self.bootstrap_server, ENDPOINT)
        servers = (self.server_a, self.server_b)
        for (security_instance, ssid), server in zip(ACCOUNTS, servers):
            values = security_values(f"coap://127.0.0.1:{server.port}", ssid)
            self.write_values(self.bootstrap_server, ENDPOINT, f"/0/{security_instance}", values)
        for server_instance, (_, ssid) in enumerate(ACCOUNTS):
            self.write_values(
                self.bootstrap_server, ENDPOINT, f"/1/{server_instance}", server_values(ssid)
            )
        for instance, payload in enumerate(self.acl):
            command = f"bootstrap-write {ENDPOINT} /2/{instance} --hex {payload.hex()}"
            self.request(self.bootstrap_server, command, "2.04")
        self.finish(self.bootstrap_server, ENDPOINT, "2.04")
        self.register_a = self.wait_register(self.server_a, ENDPOINT)
        self.register_b = self.wait_register(self.server_b, ENDPOINT)

    def test_each_server_registers_from_its_own_port(self):
        self.assertNotEqual(self.register_a["port"], self.register_b["port"])
        self.assertEqual(self.register_a["lifetime"], self.register_b["lifetime"])
        for server in (self.server_a, self.server_b):
            read = self.request(server, f"read {ENDPOINT} /3/0/0", "2.05")
            self.assertEqual(read["payload"], DEMO_MANUFACTURER, read)

    def test_each_server_sees_its_own_short_server_id(self):
        # Server instance 1 belongs to server B; both servers may read either instance.
        read = self.request(self.server_a, f"read {ENDPOINT} /1/1/0", "2.05")
        self.assertEqual(read["payload"], str(ACCOUNTS[1][1]), read)
        read = self.request(self.server_b, f"read {ENDPOINT} /1/0/0", "2.05")
        self.assertEqual(read["payload"], str(ACCOUNTS[0][1]), read)

    def test_notifications_go_to_the_observer_only(self):
        self.request(self.server_a, f"observe {ENDPOINT} /3303/0/5700", "2.05")
        notify = self.server_a.wait_event("notify", STEP_TIMEOUT_S, endpoint=ENDPOINT)
        self.assertIsNotNone(notify, "server A got no notification\n" + self.describe())
        self.assertEqual(self.server_b.events("notify"), [], "server B got a notification")

    def test_update_trigger_reaches_one_server(self):
        updates_a = len(self.server_a.events("update"))
        self.request(self.server_b, f"execute {ENDPOINT} /1/1/8", "2.04")
        update = self.server_b.wait_event("update", STEP_TIMEOUT_S, endpoint=ENDPOINT)
        self.assertIsNotNone(update, "no Update after the trigger\n" + self.describe())
        self.assertEqual(update["port"], self.register_b["port"], update)
        self.assertEqual(len(self.server_a.events("update")), updates_a, "server A got an Update")

    def test_stop_deregisters_from_both(self):
        self.client.stop()
        for server in (self.server_a, self.server_b):
            deregister = server.wait_event("deregister", STEP_TIMEOUT_S, endpoint=ENDPOINT)
            self.assertIsNotNone(deregister, "no De-register\n" + self.describe())


class AccessControlTest(TwoServersTest):
    """Server A owns the Device instance and may execute its resources; server B may only
    read it. Each server owns its Server instance."""

    acl = (
        acl_instance(3, 0, {SSID_A: READ | WRITE | EXECUTE, SSID_B: READ}, SSID_A),
        acl_instance(1, 0, {}, SSID_A),
        acl_instance(1, 1, {}, SSID_B),
    )

    def test_rights_follow_the_access_control_object(self):
        self.request(self.server_b, f"read {ENDPOINT} /3/0/0", "2.05")
        self.request(self.server_b, f"execute {ENDPOINT} /3/0/12", "4.01")
        self.request(self.server_a, f"execute {ENDPOINT} /3/0/12", "2.04")
        self.request(self.server_b, f"read {ENDPOINT} /1/0/1", "4.01")
        self.request(self.server_b, f"read {ENDPOINT} /1/1/1", "2.05")
        # The temperature sensor has no Access Control instance: no server may read it.
        self.request(self.server_a, f"read {ENDPOINT} /3303/0/5700", "4.01")

    # With access control, the tests of the base class that read or observe objects without
    # an Access Control instance do not apply.
    test_each_server_registers_from_its_own_port = None
    test_each_server_sees_its_own_short_server_id = None
    test_notifications_go_to_the_observer_only = None


if __name__ == "__main__":
    unittest.main()
