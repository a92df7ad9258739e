"""Queue Mode through a NAT, in network namespaces built by netns.py.

The client runs in the client ns and the server in the server ns. The nat ns between them
rewrites the client's UDP source to NAT_EXTERNAL_ADDRESS and an external port that the
test chooses. The server therefore receives the client's messages from that address and
port for as long as the NAT keeps the mapping. The tests skip when namespaces cannot be
created here.
"""

import sys
import unittest

import netns
import payload_formats as fmt
from harness import STEP_TIMEOUT_S, IntegrationTest
from test_observe import SENSOR_VALUE, ObserveTestCase, sequence_args

EXTERNAL_PORT = 40000
REBOUND_PORT = 40001

OFFLINE_PATTERN = r"\[conn\] offline \(Queue Mode\), socket closed, last local port (\d+)"
WAKE_UP_PATTERN = r"\[conn\] (online again|bound to last local port|cannot reuse local port)"
NOTIFICATION_SENT_PATTERN = r"\[obs\] notification \d+ of observation \d+ sent"
RECOVERED_PATTERN = r"\[reg\] (Update accepted|registered at)"

# The server sends a command at once only within this time after the client's last
# message. It is below the client's queue timeout, so the server does not send a command
# to a client that has already closed its socket.
AWAKE_TIME_S = 0.5
QUEUE_TIMEOUT_S = 1.0

# Events that the server prints for a message from the client.
CLIENT_MESSAGE_EVENTS = ("register", "update", "notify", "response", "deregister")

_missing_requirements = None


def namespace_requirements():
    """Return why the tests cannot build namespaces here, or None. The probe runs once."""
    global _missing_requirements
    if _missing_requirements is None:
        _missing_requirements = netns.missing_requirements() or ""
    return _missing_requirements or None


# Programs for NatTopology.start_pair(): a UDP server that prints the source of the first
# datagram and echoes it, and a client that prints the first reply. The client sends its
# datagram every 0.2 s, at most 25 times, because the server may not be bound yet.
UDP_ECHO_SERVER = f"""
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("{netns.SERVER_ADDRESS}", 5683))
sock.settimeout({STEP_TIMEOUT_S})
data, peer = sock.recvfrom(2048)
print(f"{{peer[0]}} {{peer[1]}}", flush=True)
sock.sendto(data, peer)
"""
UDP_ECHO_CLIENT = f"""
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.2)
for attempt in range(25):
    sock.sendto(b"ping", ("{netns.SERVER_ADDRESS}", 5683))
    try:
        print(sock.recvfrom(2048)[0].decode(), flush=True)
        break
    except socket.timeout:
        pass
"""


class NatTopologyTest(IntegrationTest):
    """Arbitrary programs on either side of the NAT, started by NatTopology.start_pair()."""

    def test_pair_through_nat(self):
        reason = namespace_requirements()
        if reason is not None:
            self.skipTest(reason)
        topology = netns.NatTopology(EXTERNAL_PORT)
        topology.create()
        self.addCleanup(topology.destroy)

        server, client = topology.start_pair(
            [sys.executable, "-c", UDP_ECHO_SERVER], [sys.executable, "-c", UDP_ECHO_CLIENT]
        )
        self.addCleanup(server.stop)
        self.addCleanup(client.stop)

        echoed = client.stdout.wait_for(lambda line: True, STEP_TIMEOUT_S)
        peer = server.stdout.wait_for(lambda line: True, STEP_TIMEOUT_S)
        logs = f"server: {server.stderr.lines()}\nclient: {client.stderr.lines()}"
        self.assertIsNotNone(echoed, "client received no echo\n" + logs)
        self.assertIsNotNone(peer, "server printed no peer\n" + logs)
        self.assertEqual(client.stdout.lines()[echoed], "ping", logs)
        expected_peer = f"{netns.NAT_EXTERNAL_ADDRESS} {EXTERNAL_PORT}"
        self.assertEqual(server.stdout.lines()[peer], expected_peer, logs)
        self.assertEqual(client.process.wait(STEP_TIMEOUT_S), 0, logs)
        self.assertEqual(server.process.wait(STEP_TIMEOUT_S), 0, logs)


class NatTestCase(ObserveTestCase):
    """Test case with a NatTopology, and a server and a client on either side of it."""

    def setUp(self):
        super().setUp()
        reason = namespace_requirements()
        if reason is not None:
            self.skipTest(reason)

        self.nat = netns.NatTopology(EXTERNAL_PORT)
        self.nat.create()
        # Cleanups run last-in first-out: the client and the server stop before this runs.
        self.addCleanup(self.nat.destroy)

    def describe(self):
        return super().describe() + "\n" + self.nat.describe()

    def start_pair_through_nat(self, endpoint, client_args, server_args):
        """Start the server and the client in their namespaces and return (server, client,
        register event), failing unless the client registers within STEP_TIMEOUT_S."""
        server = self.start_server(
            listen=(netns.SERVER_ADDRESS,),
            extra_args=server_args,
            prefix=netns.in_namespace(self.nat.server_ns, []),
        )
        client = self.start_client(
            f"coap://{netns.SERVER_ADDRESS}:{server.port}",
            endpoint,
            client_args,
            prefix=netns.in_namespace(self.nat.client_ns, []),
        )

        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint=endpoint)
        self.assertIsNotNone(register, "no Register through the NAT\n" + self.describe())
        registered = client.wait_for_log(r"\[reg\] registered at ", STEP_TIMEOUT_S)
        self.assertIsNotNone(registered, "client logged no registration\n" + self.describe())
        return server, client, register

    def client_messages(self, server, endpoint, after=-1):
        """Return the server's events for messages from `endpoint` after event index `after`."""
        return [
            event
            for event in server.events(CLIENT_MESSAGE_EVENTS, endpoint=endpoint)
            if event.index > after
        ]

    def notified_values(self, server, observation):
        """Return the Sensor Values of every notification of `observation`, in order."""
        return [float(event["payload"]) for event in server.events("notify", id=observation["id"])]


class NatQueueModeTest(NatTestCase):
    """Sleep and wake-up cycles through the NAT keep one external address and port."""

    # An Update every half lifetime, 3 s, and a new Sensor Value every 2.5 s, so the
    # client wakes up for both.
    LIFETIME_S = 6
    VALUES = list(range(20, 40))
    PERIOD_MS = 2500
    WAKE_UPS = 3
    CYCLE_TIMEOUT_S = LIFETIME_S + STEP_TIMEOUT_S

    def test_wake_ups_keep_external_port(self):
        client_args = [
            "--queue-mode",
            "--queue-timeout",
            str(QUEUE_TIMEOUT_S),
            "--lifetime",
            str(self.LIFETIME_S),
        ] + sequence_args(self.VALUES, self.PERIOD_MS)
        server_args = ["--awake-time", str(AWAKE_TIME_S)]
        server, client, register = self.start_pair_through_nat(
            "nat-queue", client_args, server_args
        )
        self.assertEqual(register["peer"], netns.NAT_EXTERNAL_ADDRESS, f"Register: {register}")
        self.assertEqual(register["port"], EXTERNAL_PORT, f"Register: {register}")

        # Within the awake time of the Register, the server sends the observe at once.
        observation = self.observe(server, "nat-queue", SENSOR_VALUE, fmt.TEXT_PLAIN)

        offline_ports = []
        offline_after = -1
        update_after = register.index
        for wake_up in range(1, self.WAKE_UPS + 1):
            offline = client.wait_for_log(
                OFFLINE_PATTERN, self.CYCLE_TIMEOUT_S, after=offline_after
            )
            self.assertIsNotNone(
                offline, f"no offline line before wake-up {wake_up}\n" + self.describe()
            )
            offline_ports.append(int(offline.match[1]))

            update = server.wait_event(
                "update", self.CYCLE_TIMEOUT_S, after=update_after, endpoint="nat-queue"
            )
            self.assertIsNotNone(update, f"no Update for wake-up {wake_up}\n" + self.describe())
            self.assertFalse(update["moved"], f"server saw the client move: {update}")
            self.assertEqual(update["location"], register["location"], f"Update: {update}")
            offline_after = offline.index
            update_after = update.index

        # A Read sent while the client sleeps waits at the server for its next message, and
        # then reaches the client through the NAT mapping of that message. The client may
        # wake up before the command arrives, so the test does not check that it was held.
        asleep = client.wait_for_log(OFFLINE_PATTERN, self.CYCLE_TIMEOUT_S, after=offline_after)
        self.assertIsNotNone(asleep, "client did not go offline for the Read\n" + self.describe())
        read = server.run_command("read nat-queue /3/0/0", self.CYCLE_TIMEOUT_S)
        self.assertIsNotNone(read, "no response to the Read\n" + self.describe())
        self.assertEqual(read["event"], "response", f"Read failed: {read}\n" + self.describe())
        self.assertEqual(read["code"], "2.05", f"Read: {read}")

        self.assertEqual(set(offline_ports), {offline_ports[0]}, "client changed local port")
        notified = self.notified_values(server, observation)
        self.assertGreaterEqual(len(notified), 2, f"too few notifications: {notified}")
        self.assertEqual(notified, self.VALUES[1 : 1 + len(notified)], "notified values")

        messages = self.client_messages(server, "nat-queue")
        self.assertGreater(len(messages), self.WAKE_UPS + 2, "too few messages from the client")
        for message in messages:
            self.assertEqual(message["peer"], netns.NAT_EXTERNAL_ADDRESS, f"peer: {message}")
            self.assertEqual(message["port"], EXTERNAL_PORT, f"port: {message}")
        registers = server.events("register")
        self.assertEqual(len(registers), 1, "more than one Register\n" + self.describe())


class NatRebindingTest(NatTestCase):
    """The NAT gives the sleeping client a new external port.

    NOTE: with NoSec the client cannot tell that its mapping changed, so it does not react.
    Its next message leaves from the new port, and the server finds the registration of the
    next Update by its location path, moves it to the new address and accepts it. The test
    also accepts a new Register, which the current client and server have not sent here.
    """

    # An Update every 10 s and a new Sensor Value every 3 s: the client wakes up for
    # notifications twice between the rebinding and the Update.
    LIFETIME_S = 20
    VALUES = list(range(20, 40))
    PERIOD_MS = 3000
    RECOVERY_TIMEOUT_S = LIFETIME_S / 2 + STEP_TIMEOUT_S

    def test_rebinding_while_offline(self):
        client_args = [
            "--lwm2m-version",
            "1.2",
            "--queue-mode",
            "--queue-timeout",
            str(QUEUE_TIMEOUT_S),
            "--lifetime",
            str(self.LIFETIME_S),
        ] + sequence_args(self.VALUES, self.PERIOD_MS)
        server_args = ["--awake-time", str(AWAKE_TIME_S)]
        server, client, register = self.start_pair_through_nat(
            "nat-rebind", client_args, server_args
        )

        # Confirmable notifications (LwM2M 1.2 con=1): the client retransmits one that the
        # server does not acknowledge, and stores it when it times out, so none is dropped
        # silently.
        self.request(server, f"write-attributes nat-rebind {SENSOR_VALUE} con=1", "2.04")
        observation = self.observe(server, "nat-rebind", SENSOR_VALUE, fmt.TEXT_PLAIN)
        first = self.next_notify(
            server, observation, observation.index, self.PERIOD_MS / 1000 + STEP_TIMEOUT_S
        )
        self.assertEqual(first["port"], EXTERNAL_PORT, f"notification before rebinding: {first}")

        # Rebind while the client sleeps after that notification.
        sent = client.wait_for_log(NOTIFICATION_SENT_PATTERN, STEP_TIMEOUT_S)
        self.assertIsNotNone(sent, "client logged no notification\n" + self.describe())
        offline = client.wait_for_log(OFFLINE_PATTERN, STEP_TIMEOUT_S, after=sent.index)
        self.assertIsNotNone(offline, "client did not go offline\n" + self.describe())
        rebound_after = len(server.stdout.lines()) - 1
        self.nat.rebind(REBOUND_PORT)
        woke = client.wait_for_log(WAKE_UP_PATTERN, 0, after=offline.index)
        self.assertIsNone(woke, "client woke up before the rebinding\n" + self.describe())

        # A Read while the client sleeps is held until the server has the new address.
        read_id = server.send_command("read nat-rebind /3/0/0")

        recovered = server.wait_event(
            ("update", "register"),
            self.RECOVERY_TIMEOUT_S,
            after=rebound_after,
            endpoint="nat-rebind",
        )
        self.assertIsNotNone(recovered, "no Update or Register after rebinding\n" + self.describe())
        self.assertEqual(recovered["port"], REBOUND_PORT, f"after rebinding: {recovered}")
        if recovered["event"] == "update":
            self.assertTrue(recovered["moved"], f"server did not see the move: {recovered}")
            self.assertEqual(recovered["location"], register["location"], f"Update: {recovered}")
        accepted = client.wait_for_log(RECOVERED_PATTERN, STEP_TIMEOUT_S, after=offline.index)
        self.assertIsNotNone(accepted, "client logged no accepted Update\n" + self.describe())

        read = server.wait_event(
            ("response", "timeout", "error"), self.RECOVERY_TIMEOUT_S, id=read_id
        )
        self.assertIsNotNone(read, "no response to the held Read\n" + self.describe())
        self.assertEqual(read["event"], "response", f"Read failed: {read}\n" + self.describe())
        self.assertEqual(read["code"], "2.05", f"Read: {read}")
        self.assertEqual(read["port"], REBOUND_PORT, f"Read response: {read}")
        self.assertEqual(len(server.events("queued", id=read_id)), 1, "Read was not held")

        # Notifications keep coming from the new port, and none is lost: every value from
        # the first notification on arrives, in order.
        after_update = self.next_notify(server, observation, recovered.index, STEP_TIMEOUT_S)
        self.assertEqual(after_update["port"], REBOUND_PORT, f"notification: {after_update}")
        notified = self.notified_values(server, observation)
        self.assertEqual(notified, self.VALUES[1 : 1 + len(notified)], "notified values")
        notifications = server.events("notify", id=observation["id"])
        observe_numbers = [event["observe"] for event in notifications]
        self.assertEqual(observe_numbers, sorted(set(observe_numbers)), "Observe numbers")

        for message in self.client_messages(server, "nat-rebind", after=rebound_after):
            self.assertEqual(message["peer"], netns.NAT_EXTERNAL_ADDRESS, f"peer: {message}")
            self.assertEqual(message["port"], REBOUND_PORT, f"old port used: {message}")
        for message in self.client_messages(server, "nat-rebind"):
            if message.index <= rebound_after:
                self.assertEqual(message["port"], EXTERNAL_PORT, f"before rebinding: {message}")
        self.assertTrue(client.is_running(), "client exited\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
