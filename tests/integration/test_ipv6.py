"""The demo client over IPv6 loopback."""

import socket
import unittest

from harness import DEMO_MANUFACTURER, STEP_TIMEOUT_S, IntegrationTest


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@unittest.skipUnless(ipv6_loopback_available(), "no IPv6 loopback address ::1 on this host")
class Ipv6Test(IntegrationTest):
    """Register and Read with the server listening on ::1 only."""

    def test_register_and_read(self):
        server = self.start_server(listen=["::1"])
        client = self.start_client(f"coap://[::1]:{server.port}", "ipv6")

        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint="ipv6")
        self.assertIsNotNone(register, "no register event over IPv6\n" + self.describe())
        self.assertEqual(register["peer"], "::1", f"Register not from ::1: {register}")

        response = server.run_command("read ipv6 /3/0/0")
        self.assertIsNotNone(response, "no response to the Read\n" + self.describe())
        self.assertEqual(response.get("code"), "2.05", f"wrong code: {response}")
        self.assertEqual(response.get("payload"), DEMO_MANUFACTURER, f"wrong payload: {response}")
        self.assertEqual(response.get("peer"), "::1", f"response not from ::1: {response}")

        accepted = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(accepted, "client did not log the registration\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
