"""Send (POST /dp): the demo client with --send-period reports its temperature to the server."""

import time
import unittest

from harness import STEP_TIMEOUT_S, IntegrationTest

SEND_PERIOD_S = 1
# The demo temperature swings between 18 and 24 degrees Celsius.
MIN_TEMPERATURE = 18.0
MAX_TEMPERATURE = 24.0
# The client and the server run on one machine, so their clocks agree closely.
MAX_CLOCK_SKEW_S = 30
SENDS = 2

OFFLINE_PATTERN = r"\[conn\] offline \(Queue Mode\), socket closed, last local port (\d+)"
WAKE_UP_PATTERN = r"\[conn\] (bound to last local port|cannot reuse local port)"


class SendTest(IntegrationTest):
    """Periodic Sends in SenML CBOR and SenML JSON, decoded by the server."""

    def check_send_event(self, event, endpoint, content_format):
        self.assertEqual(event["endpoint"], endpoint, f"wrong endpoint: {event}")
        self.assertEqual(event["content_format"], content_format, f"wrong format: {event}")
        self.assertEqual(event["code"], "2.04", f"Send not accepted: {event}")
        values = event["values"]
        self.assertEqual(len(values), 1, f"expected one record: {event}")
        self.assertEqual(values[0]["name"], "/3303/0/5700", f"wrong path: {event}")
        temperature = values[0]["value"]
        self.assertGreaterEqual(temperature, MIN_TEMPERATURE, f"implausible value: {event}")
        self.assertLessEqual(temperature, MAX_TEMPERATURE, f"implausible value: {event}")
        skew = abs(values[0]["time"] - time.time())
        self.assertLess(skew, MAX_CLOCK_SKEW_S, f"timestamp {skew:.0f} s off: {event}")

    def run_periodic_sends(self, endpoint, client_args, content_format):
        server, client, register = self.start_pair(
            endpoint, ["--send-period", str(SEND_PERIOD_S)] + client_args
        )
        after = register.index
        for number in range(1, SENDS + 1):
            event = server.wait_event(
                "send", SEND_PERIOD_S + STEP_TIMEOUT_S, after=after, endpoint=endpoint
            )
            self.assertIsNotNone(event, f"no Send {number}\n" + self.describe())
            self.check_send_event(event, endpoint, content_format)
            self.assertEqual(event["port"], register["port"], f"Send from a new port: {event}")
            after = event.index
        answered = client.wait_for_log(r"Send of /3303/0/5700 answered with 2\.04", STEP_TIMEOUT_S)
        self.assertIsNotNone(answered, "client did not log the 2.04\n" + self.describe())

    def test_senml_cbor(self):
        self.run_periodic_sends("send-cbor", [], 112)

    def test_senml_json(self):
        self.run_periodic_sends("send-json", ["--send-format", "json"], 110)


class SendQueueModeTest(IntegrationTest):
    """A Send wakes a sleeping Queue Mode client, from the port of its Register."""

    def test_send_wakes_client(self):
        period_s = 2
        server, client, register = self.start_pair(
            "send-queue",
            ["--queue-mode", "--queue-timeout", "0.5", "--lifetime", "120"]
            + ["--send-period", str(period_s)],
        )
        offline = client.wait_for_log(OFFLINE_PATTERN, period_s + STEP_TIMEOUT_S)
        self.assertIsNotNone(offline, "client did not go offline\n" + self.describe())
        self.assertEqual(int(offline.match[1]), register["port"], f"wrong port: {offline.text}")

        woke = client.wait_for_log(WAKE_UP_PATTERN, period_s + STEP_TIMEOUT_S, after=offline.index)
        self.assertIsNotNone(woke, "client did not wake up\n" + self.describe())
        self.assertIn("bound to last local port", woke.text, "last port not reused")

        event = server.wait_event(
            "send", period_s + STEP_TIMEOUT_S, after=register.index, endpoint="send-queue"
        )
        self.assertIsNotNone(event, "no Send after the wake-up\n" + self.describe())
        SendTest.check_send_event(self, event, "send-queue", 112)
        self.assertEqual(event["port"], register["port"], f"Send from a new port: {event}")
        # The Send goes directly, with no Update first.
        self.assertEqual(server.events("update"), [], "an Update came before the Send")

        # Afterwards the client goes offline again.
        again = client.wait_for_log(OFFLINE_PATTERN, STEP_TIMEOUT_S, after=woke.index)
        self.assertIsNotNone(again, "client stayed online after the Send\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
