"""Device Management requests from the test server to the demo client."""

import unittest

from harness import DEMO_MANUFACTURER, STEP_TIMEOUT_S, IntegrationTest

TEXT_PLAIN = 0


class RequestTest(IntegrationTest):
    """Read and Execute on the Device and Security objects, without Queue Mode."""

    def setUp(self):
        super().setUp()
        self.server, self.client, _ = self.start_pair("requests")

    def request(self, command):
        response = self.server.run_command(command)
        self.assertIsNotNone(response, f"no response to '{command}'\n" + self.describe())
        self.assertEqual(response["event"], "response", f"'{command}' failed: {response}")
        return response

    def test_read_manufacturer(self):
        response = self.request("read requests /3/0/0")

        self.assertEqual(response["code"], "2.05", f"wrong code: {response}")
        self.assertEqual(response["content_format"], TEXT_PLAIN, f"not text/plain: {response}")
        self.assertEqual(response["payload"], DEMO_MANUFACTURER, f"wrong payload: {response}")

    def test_read_missing_resource(self):
        response = self.request("read requests /3/0/99")
        self.assertEqual(response["code"], "4.04", f"wrong code: {response}")

    def test_execute_readable_resource(self):
        response = self.request("execute requests /3/0/0")
        self.assertEqual(response["code"], "4.05", f"wrong code: {response}")

    def test_read_security_object(self):
        # Only the LwM2M Bootstrap-Server may access the Security object.
        response = self.request("read requests /0/0/0")
        self.assertEqual(response["code"], "4.01", f"wrong code: {response}")

    def test_request_logged(self):
        self.request("read requests /3/0/1")

        logged = self.client.wait_for_log(
            r"\[req\] GET /3/0/1 \(message \d+\) -> 2\.05", STEP_TIMEOUT_S
        )
        self.assertIsNotNone(logged, "client did not log the Read\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
