"""Observe and Notify (RFC 7641, LwM2M Core Information Reporting) against the demo client.

The demo client runs with --temperature-sequence, so its Sensor Value (/3303/0/5700) takes
known values at known steps, starting with the first Read of the Temperature object: the
Read of the observe itself. The test server prints every notification as a "notify" event.

Timing checks use wide margins: they tell pmin from pmax and an early notification from a
late one, and nothing finer.
"""

import fcntl
import json
import signal
import sys
import termios
import time
import unittest

import coap_message as coap
import payload_formats as fmt
from harness import STEP_TIMEOUT_S, IntegrationTest, RawPeer, wait_stopped

SENSOR_VALUE = "/3303/0/5700"
TEMPERATURE_INSTANCE = "/3303/0"

OBSERVE = 6
ACCEPT = 17

# Wait after the last expected notification in which no other one may arrive. It is
# several sensor steps long.
QUIET_S = 1.5

# Margin for a notification that a sensor step or a period makes due: far more than a
# step of the demo client's loop takes on loopback.
NOTIFY_TIMEOUT_S = 3.0

OFFLINE_PATTERN = r"\[conn\] offline \(Queue Mode\), socket closed, last local port (\d+)"
WAKE_UP_PATTERN = r"\[conn\] (online again|bound to last local port)"


def sequence_args(values, period_ms):
    return [
        "--temperature-sequence",
        ",".join(str(value) for value in values),
        "--temperature-period-ms",
        str(period_ms),
    ]


def observe_value(message):
    """Return the Observe option of a decoded CoAP message as an integer, or None."""
    for number, value in message.options:
        if number == OBSERVE:
            return int.from_bytes(value, "big")
    return None


def payload_bytes(event):
    if "payload" in event:
        return event["payload"].encode("utf-8")
    return bytes.fromhex(event.get("payload_hex", ""))


class ObserveTestCase(IntegrationTest):
    """Test case with helpers to observe the demo client and collect its notifications."""

    def request(self, server, line, code):
        """Run the command `line` and return its response event, which must have `code`."""
        response = server.run_command(line)
        self.assertIsNotNone(response, f"no response to '{line}'\n" + self.describe())
        self.assertEqual(response["event"], "response", f"'{line}' failed: {response}")
        self.assertEqual(response["code"], code, f"'{line}' returned {response}")
        return response

    def observe(self, server, endpoint, path, accept=None):
        """Observe `path` and return the response, which must be 2.05 with Observe."""
        line = f"observe {endpoint} {path}"
        if accept is not None:
            line += f" --accept {accept}"
        response = self.request(server, line, "2.05")
        self.assertIn("observe", response, f"response without Observe: {response}")
        return response

    def next_notify(self, server, observation, after, timeout_s=NOTIFY_TIMEOUT_S):
        """Return the first notification of `observation` (the response of its observe
        command) after event index `after`, failing if none arrives within `timeout_s`."""
        notify = server.wait_event("notify", timeout_s, after=after, id=observation["id"])
        self.assertIsNotNone(
            notify,
            f"no notification for {observation['path']} within {timeout_s} s\n"
            + self.describe(),
        )
        self.assertEqual(notify["code"], "2.05", f"notification with an error: {notify}")
        return notify

    def assert_no_notify(self, server, observation, after, timeout_s=QUIET_S):
        """Fail if a notification of `observation` arrives after `after` within `timeout_s`."""
        notify = server.wait_event("notify", timeout_s, after=after, id=observation["id"])
        self.assertIsNone(notify, f"unexpected notification: {notify}\n" + self.describe())

    def collect_notify_values(self, server, observation, count):
        """Return the next `count` notifications of `observation` and their values as floats."""
        notifications = []
        after = observation.index
        for _ in range(count):
            notify = self.next_notify(server, observation, after)
            notifications.append(notify)
            after = notify.index
        return notifications, [float(notify["payload"]) for notify in notifications]


class NotifyTest(ObserveTestCase):
    """Notifications of a resource and of an instance as the Sensor Value changes."""

    def test_notify_on_each_change(self):
        values = [20, 25, 15, 30]
        server, _, _ = self.start_pair("notify", sequence_args(values, 500))

        observation = self.observe(server, "notify", SENSOR_VALUE, fmt.TEXT_PLAIN)
        self.assertEqual(float(observation["payload"]), 20, f"first value: {observation}")

        notifications, notified = self.collect_notify_values(server, observation, 3)
        self.assertEqual(notified, [25, 15, 30], "notified values")
        sequence_numbers = [observation["observe"]] + [n["observe"] for n in notifications]
        for earlier, later in zip(sequence_numbers, sequence_numbers[1:]):
            self.assertGreater(later, earlier, f"Observe did not grow: {sequence_numbers}")
        for notify in notifications:
            self.assertEqual(notify["token"], observation["token"], f"token: {notify}")
            self.assertEqual(notify["path"], SENSOR_VALUE, f"path: {notify}")

        # The sequence stays at its last value, and no pmax is set.
        self.assert_no_notify(server, observation, notifications[-1].index)

    def check_instance_observe(self, accept, decode):
        values = [20, 25]
        endpoint = f"instance-{accept}"
        server, _, _ = self.start_pair(endpoint, sequence_args(values, 500))

        observation = self.observe(server, endpoint, TEMPERATURE_INSTANCE, accept)
        notify = self.next_notify(server, observation, observation.index)

        for event, expected in ((observation, 20), (notify, 25)):
            self.assertEqual(event["content_format"], accept, f"Content-Format: {event}")
            data = payload_bytes(event)
            try:
                decoded = fmt.senml_values(decode(data))
            except (ValueError, UnicodeDecodeError) as error:
                self.fail(f"invalid payload in {event}: {error}")
            self.assertEqual(decoded.get(SENSOR_VALUE), expected, f"Sensor Value: {decoded}")
            self.assertEqual(decoded.get("/3303/0/5701"), "Cel", f"Sensor Units: {decoded}")
        self.assertGreater(notify["observe"], observation["observe"], f"Observe: {notify}")

    def test_instance_senml_json(self):
        self.check_instance_observe(fmt.SENML_JSON, fmt.decode_senml_json)

    def test_instance_senml_cbor(self):
        self.check_instance_observe(fmt.SENML_CBOR, fmt.decode_senml_cbor)


class AttributesTest(ObserveTestCase):
    """Write-Attributes on the Sensor Value: pmin, pmax, gt, lt and st."""

    def test_pmin_pmax_periods(self):
        # A new value every 200 ms for 2 s, then a constant one: pmin=1 spaces the
        # notifications during the changes, and pmax=2 sends them once the value stays.
        values = list(range(20, 30))
        server, _, _ = self.start_pair("periods", sequence_args(values, 200))
        self.request(server, f"write-attributes periods {SENSOR_VALUE} pmin=1&pmax=2", "2.04")

        observation = self.observe(server, "periods", SENSOR_VALUE, fmt.TEXT_PLAIN)
        notifications, notified = self.collect_notify_values(server, observation, 5)

        times = [observation["time"]] + [notify["time"] for notify in notifications]
        intervals = [later - earlier for earlier, later in zip(times, times[1:])]
        for interval in intervals:
            # pmin=1 with room for scheduling jitter of the server's event loop.
            self.assertGreaterEqual(interval, 0.75, f"notification before pmin: {intervals}")
            self.assertLessEqual(interval, 3.5, f"no notification by pmax: {intervals}")
        self.assertEqual(notified, sorted(notified), f"values out of order: {notified}")
        self.assertEqual(notified[-1], values[-1], f"last value: {notified}")

    def test_gt_lt_crossings(self):
        # Crossings of gt=25: 21 -> 26 and 27 -> 22. Crossings of lt=15: 22 -> 14 and 13 -> 18.
        values = [20, 21, 26, 27, 22, 14, 13, 18]
        server, _, _ = self.start_pair("thresholds", sequence_args(values, 400))
        self.request(server, f"write-attributes thresholds {SENSOR_VALUE} gt=25&lt=15", "2.04")

        observation = self.observe(server, "thresholds", SENSOR_VALUE, fmt.TEXT_PLAIN)
        notifications, notified = self.collect_notify_values(server, observation, 4)

        self.assertEqual(notified, [26, 22, 14, 18], "notified values")
        self.assert_no_notify(server, observation, notifications[-1].index)

    def test_step(self):
        # st=5 from the last notified value: 20 -> 26 (6), then 26 -> 31 (5).
        values = [20, 22, 24, 26, 27, 31]
        server, _, _ = self.start_pair("step", sequence_args(values, 400))
        self.request(server, f"write-attributes step {SENSOR_VALUE} st=5", "2.04")

        observation = self.observe(server, "step", SENSOR_VALUE, fmt.TEXT_PLAIN)
        notifications, notified = self.collect_notify_values(server, observation, 2)

        self.assertEqual(notified, [26, 31], "notified values")
        self.assert_no_notify(server, observation, notifications[-1].index)


class CancelTest(ObserveTestCase):
    """Ends of an observation: GET with Observe=1 and a new Register."""

    def test_cancel_observe(self):
        values = list(range(20, 40))
        server, client, _ = self.start_pair("cancel", sequence_args(values, 300))
        observation = self.observe(server, "cancel", SENSOR_VALUE, fmt.TEXT_PLAIN)
        self.next_notify(server, observation, observation.index)

        cancel = self.request(server, f"cancel-observe cancel {SENSOR_VALUE}", "2.05")
        self.assertNotIn("observe", cancel, f"cancel response with Observe: {cancel}")
        self.assertEqual(cancel["token"], observation["token"], f"cancel token: {cancel}")

        ended = client.wait_for_log(r"\[obs\] observation \d+ ended by the server", STEP_TIMEOUT_S)
        self.assertIsNotNone(ended, "client logged no end of observation\n" + self.describe())
        self.assert_no_notify(server, observation, cancel.index)

    def test_register_ends_observations(self):
        values = list(range(20, 60))
        server, client, register = self.start_pair("reregister", sequence_args(values, 300))
        observation = self.observe(server, "reregister", SENSOR_VALUE, fmt.TEXT_PLAIN)
        self.next_notify(server, observation, observation.index)

        # Disable: De-register, stay off for the Disable Timeout (1 s), register again.
        self.request(server, "write reregister /1/0/5 1", "2.04")
        self.request(server, "execute reregister /1/0/4", "2.04")
        deregister = server.wait_event(
            "deregister", STEP_TIMEOUT_S, after=register.index, endpoint="reregister"
        )
        self.assertIsNotNone(deregister, "no De-register after Disable\n" + self.describe())
        registered = server.wait_event(
            "register", STEP_TIMEOUT_S, after=deregister.index, endpoint="reregister"
        )
        self.assertIsNotNone(registered, "no new Register after Disable\n" + self.describe())

        self.assert_no_notify(server, observation, deregister.index, QUIET_S * 2)

        renewed = self.observe(server, "reregister", SENSOR_VALUE, fmt.TEXT_PLAIN)
        notify = self.next_notify(server, renewed, renewed.index)
        self.assertEqual(notify["token"], renewed["token"], f"token: {notify}")
        stale = [
            event
            for event in server.events("notify", id=observation["id"])
            if event.index > deregister.index
        ]
        self.assertEqual(stale, [], "old observation notified after De-register")


class RawPeerObserveTest(ObserveTestCase):
    """A raw peer in the server role: RST to a notification, and CON notifications."""

    TOKEN = b"\x0b\x5e\x77\x01"

    def setUp(self):
        super().setUp()
        self.peer = RawPeer()
        self.addCleanup(self.peer.close)
        values = list(range(20, 40))
        self.client = self.start_client(
            f"coap://127.0.0.1:{self.peer.port}",
            "raw-observe",
            ["--lwm2m-version", "1.2"] + sequence_args(values, 300),
        )
        self.addCleanup(self.stop_client)
        self.register()

    def register(self):
        request = self.peer.accept_register("rst", STEP_TIMEOUT_S)
        self.assertIsNotNone(request, "no Register from the client\n" + self.describe())
        self.assertEqual(request.code, coap.POST, coap.describe(request))
        registered = self.client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client logged no registration\n" + self.describe())

    def receive_request(self):
        datagram = self.peer.receive(STEP_TIMEOUT_S)
        self.assertIsNotNone(datagram, "no message from the client\n" + self.describe())
        return coap.decode(datagram)

    def stop_client(self):
        if not self.client.is_running():
            return
        self.client.send_signal(15)
        # Acknowledge the De-register, skipping any notification, for a bounded time.
        for _ in range(32):
            datagram = self.peer.receive(1.0)
            if datagram is None:
                break
            try:
                message = coap.decode(datagram)
            except ValueError:
                continue
            if message.type == coap.CON and message.code == coap.DELETE:
                self.peer.send(
                    coap.encode(coap.ACK, coap.DELETED, message.message_id, message.token)
                )
                break

    def receive_notification(self, timeout_s):
        """Return the next message with the observation's token (the observe's ACK or a
        notification), or None after `timeout_s`."""
        for _ in range(32):
            datagram = self.peer.receive(timeout_s)
            if datagram is None:
                return None
            message = coap.decode(datagram)
            if message.token == self.TOKEN:
                return message
        self.fail("too many messages from the client without the observation's token")

    def start_observe(self):
        """Observe the Sensor Value and return the client's ACK, which must carry Observe."""
        options = [(OBSERVE, b""), (ACCEPT, b"")] + coap.path_options(SENSOR_VALUE)
        message_id = self.peer.new_message_id()
        self.peer.send(coap.encode(coap.CON, coap.GET, message_id, self.TOKEN, options))

        response = self.receive_notification(STEP_TIMEOUT_S)
        self.assertIsNotNone(response, "no response to the observe\n" + self.describe())
        self.assertEqual(response.type, coap.ACK, coap.describe(response))
        self.assertEqual(response.code, coap.CONTENT, coap.describe(response))
        self.assertIsNotNone(observe_value(response), "no Observe: " + coap.describe(response))
        return response

    def test_reset_ends_observation(self):
        self.start_observe()

        notification = self.receive_notification(NOTIFY_TIMEOUT_S)
        self.assertIsNotNone(notification, "no notification\n" + self.describe())
        self.assertEqual(notification.code, coap.CONTENT, coap.describe(notification))
        self.peer.send(coap.encode(coap.RST, coap.EMPTY, notification.message_id))

        ended = self.client.wait_for_log(r"\[obs\] observation \d+ ended: .* RST", STEP_TIMEOUT_S)
        self.assertIsNotNone(ended, "client logged no end by RST\n" + self.describe())
        late = self.receive_notification(QUIET_S)
        if late is not None:
            self.fail("notification after RST: " + coap.describe(late))

    def test_con_notification_retransmitted(self):
        # LwM2M 1.2 con=1: every notification is confirmable, one at a time.
        message_id = self.peer.new_message_id()
        options = coap.path_options(SENSOR_VALUE) + [(coap.URI_QUERY, "con=1")]
        self.peer.send(coap.encode(coap.CON, coap.PUT, message_id, b"\x01", options))
        written = self.receive_request()
        self.assertEqual(written.code, coap.CHANGED, coap.describe(written))
        self.start_observe()

        first = self.receive_notification(NOTIFY_TIMEOUT_S)
        self.assertIsNotNone(first, "no notification\n" + self.describe())
        self.assertEqual(first.type, coap.CON, "not confirmable: " + coap.describe(first))

        # No ACK: the client sends it again after ACK_TIMEOUT (2 to 3 s by default).
        again = self.receive_notification(STEP_TIMEOUT_S)
        self.assertIsNotNone(again, "no retransmission\n" + self.describe())
        self.assertEqual(again.type, coap.CON, coap.describe(again))
        self.assertEqual(again.message_id, first.message_id, coap.describe(again))
        self.assertEqual(observe_value(again), observe_value(first), coap.describe(again))
        self.peer.send(coap.encode(coap.ACK, coap.EMPTY, again.message_id))

        following = self.receive_notification(NOTIFY_TIMEOUT_S)
        self.assertIsNotNone(following, "no notification after the ACK\n" + self.describe())
        self.assertEqual(following.type, coap.CON, coap.describe(following))
        self.assertNotEqual(following.message_id, first.message_id, coap.describe(following))
        self.assertGreater(observe_value(following), observe_value(first), "Observe did not grow")
        self.peer.send(coap.encode(coap.ACK, coap.EMPTY, following.message_id))


class QueueModeObserveTest(ObserveTestCase):
    """A notification that falls due while a Queue Mode client is offline."""

    def test_notify_from_register_port(self):
        # Offline 2 s after the observe, and the next value 4 s after it.
        values = [20, 25]
        client_args = ["--queue-mode", "--queue-timeout", "2", "--lifetime", "60"]
        server = self.start_server(extra_args=["--awake-time", "1.5"])
        client = self.start_client(
            f"coap://127.0.0.1:{server.port}", "queue", client_args + sequence_args(values, 4000)
        )
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint="queue")
        self.assertIsNotNone(register, "no Register\n" + self.describe())

        # Within --awake-time of the Register, the server sends the observe at once.
        observation = self.observe(server, "queue", SENSOR_VALUE, fmt.TEXT_PLAIN)

        offline = client.wait_for_log(OFFLINE_PATTERN, STEP_TIMEOUT_S)
        self.assertIsNotNone(offline, "client did not go offline\n" + self.describe())
        notify = self.next_notify(server, observation, observation.index, STEP_TIMEOUT_S)
        woke = client.wait_for_log(WAKE_UP_PATTERN, STEP_TIMEOUT_S, after=offline.index)
        self.assertIsNotNone(woke, "client logged no wake-up\n" + self.describe())

        self.assertEqual(float(notify["payload"]), 25, f"notified value: {notify}")
        self.assertEqual(notify["port"], register["port"], f"notification port: {notify}")
        self.assertEqual(notify["peer"], register["peer"], f"notification address: {notify}")
        self.assertEqual(int(offline.match[1]), register["port"], f"last port: {offline.text}")
        self.assertEqual(len(server.events("register")), 1, "client registered again")


def senml_json_timed_values(text):
    """Return (value, time) for each record of a SenML JSON pack that has "v", in order.

    The time is bt + t in seconds (RFC 8428, 4.6), or None if the record has neither.
    """
    base_time = None
    timed = []
    for record in json.loads(text):
        base_time = record.get("bt", base_time)
        if "v" not in record:
            continue
        time = record.get("t")
        if base_time is not None:
            time = base_time + (time or 0)
        timed.append((record["v"], time))
    return timed


class StoringTest(ObserveTestCase):
    """Notification Storing (/1/0/6) while the server is down: its process is stopped with
    SIGSTOP, which keeps its state, and continued with SIGCONT."""

    # A new value every PERIOD_MS. A CON notification times out after ACK_TIMEOUT_MS
    # times 1 to 1.5 with no retransmission, well within a period, so no value is
    # replaced by the next one while its notification waits for an ACK.
    VALUES = [20, 21, 22, 23, 24, 25, 26]
    PERIOD_MS = 1500
    ACK_TIMEOUT_MS = 300
    # Probes back off up to the Communication Retry Timer, in seconds.
    RETRY_TIMER_S = 2

    STORED_PATTERN = r"\[obs\] notification of observation \d+ stored"
    UNREACHABLE_PATTERN = r"\[obs\] server unreachable for notifications: .*storing them"
    REACHABLE_PATTERN = r"\[obs\] server reachable again"

    def stop_server(self, server):
        server.process.send_signal(signal.SIGSTOP)
        # Whatever happens next, the server must run again before cleanup stops it.
        self.addCleanup(self.continue_server, server)
        # SIGSTOP takes effect later, and the reader thread may lag behind the pipe: wait
        # until the server is stopped and its output is read, so that the test reads all
        # the notifications that arrived before the stop.
        wait_stopped(server.process.pid)
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            unread = bytearray(4)
            fcntl.ioctl(server.process.stdout.fileno(), termios.FIONREAD, unread)
            if int.from_bytes(unread, sys.byteorder) == 0:
                break
            time.sleep(0.01)
        time.sleep(0.1)  # the reader thread stores the last line it took from the pipe

    def continue_server(self, server):
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGCONT)

    def test_values_stored_while_server_stopped(self):
        client_args = [
            "--lwm2m-version",
            "1.2",
            "--lifetime",
            "300",
            "--ack-timeout-ms",
            str(self.ACK_TIMEOUT_MS),
            "--max-retransmit",
            "0",
            "--retry-timer",
            str(self.RETRY_TIMER_S),
        ]
        server, client, _ = self.start_pair(
            "storing", client_args + sequence_args(self.VALUES, self.PERIOD_MS)
        )
        self.request(server, f"write-attributes storing {SENSOR_VALUE} con=1", "2.04")
        observation = self.observe(server, "storing", SENSOR_VALUE, fmt.SENML_JSON)
        first = self.next_notify(server, observation, observation.index)

        self.stop_server(server)
        stopped_at = len(server.stdout.lines()) - 1
        notified_before = [value for value, _ in self.notified_values(server, observation, -1)]
        missed = [value for value in self.VALUES if value > max(notified_before)]
        self.assertGreaterEqual(
            len(missed), 3, f"too few values left after {first}: {missed}\n" + self.describe()
        )

        # The first value after the stop goes in a CON that times out and is stored, and so
        # is every later one: one stored notification per value.
        unreachable = client.wait_for_log(self.UNREACHABLE_PATTERN, NOTIFY_TIMEOUT_S * 2)
        self.assertIsNotNone(unreachable, "client logged no unreachable server\n" + self.describe())
        stored = None
        after = unreachable.index
        for count in range(1, len(missed) + 1):
            stored = client.wait_for_log(
                self.STORED_PATTERN, self.PERIOD_MS / 1000 + NOTIFY_TIMEOUT_S, after=after
            )
            self.assertIsNotNone(
                stored,
                f"{count - 1} notifications stored, expected {len(missed)}\n" + self.describe(),
            )
            after = stored.index

        self.continue_server(server)
        reachable = client.wait_for_log(
            self.REACHABLE_PATTERN, self.RETRY_TIMER_S + STEP_TIMEOUT_S, after=stored.index
        )
        self.assertIsNotNone(reachable, "client logged no reachable server\n" + self.describe())

        # On SIGCONT the server first reads what its socket queued while it was stopped: the
        # CON notification that timed out and the CoAP pings. Those come before the stored
        # values, so the check takes the first time each value appears. If the stop caught
        # the server before it could ACK the last notification, that value is stored too.
        batch = self.wait_for_batch(server, observation, stopped_at)
        timed = senml_json_timed_values(batch["payload"])
        values = [value for value, _ in timed]
        self.assertGreaterEqual(len(values), 3, f"too few stored values: {batch}")
        start = self.VALUES.index(values[0]) if values[0] in self.VALUES else -1
        self.assertEqual(
            values, self.VALUES[start : start + len(values)], f"stored values: {batch}"
        )
        times = [time for _, time in timed]
        self.assertNotIn(None, times, f"stored value without a time: {batch}")
        self.assertEqual(times, sorted(times), f"stored values out of time order: {batch}")
        self.assertLess(times[0], times[-1], f"stored values with one time: {batch}")

        # Every value from the stop on arrives, once the last one has, each first seen in
        # the order of the sequence.
        self.wait_for_value(server, observation, stopped_at, self.VALUES[-1])
        first_seen = []
        for value, _ in self.notified_values(server, observation, stopped_at):
            if value not in first_seen:
                first_seen.append(value)
        self.assertIn(first_seen[0], self.VALUES, f"values notified after the stop: {first_seen}")
        start = self.VALUES.index(first_seen[0])
        self.assertEqual(first_seen, self.VALUES[start:], "values notified after the stop")
        for value in missed:
            self.assertIn(value, first_seen, f"value {value} never notified")

    def notified_values(self, server, observation, after):
        """Return (value, time) of every Sensor Value notified for `observation` after event
        index `after`, in the order the server printed them."""
        timed = []
        for notify in server.events("notify", id=observation["id"]):
            if notify.index <= after:
                continue
            self.assertEqual(notify["code"], "2.05", f"notification with an error: {notify}")
            self.assertEqual(notify["content_format"], fmt.SENML_JSON, f"format: {notify}")
            timed += senml_json_timed_values(notify["payload"])
        return timed

    def wait_for_batch(self, server, observation, after):
        """Return the first notification of `observation` after event index `after` with
        more than one value, all with times: the stored values."""
        for _ in range(16):
            notify = self.next_notify(server, observation, after)
            timed = senml_json_timed_values(notify["payload"])
            if len(timed) > 1 and all(time is not None for _, time in timed):
                return notify
            after = notify.index
        self.fail("no notification with stored values\n" + self.describe())

    def wait_for_value(self, server, observation, after, value):
        """Wait until a notification of `observation` after event index `after` carries
        `value`, failing if none does within a few notification timeouts."""
        for _ in range(16):
            notify = self.next_notify(server, observation, after)
            if value in [notified for notified, _ in senml_json_timed_values(notify["payload"])]:
                return
            after = notify.index
        self.fail(f"no notification with the value {value}\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
