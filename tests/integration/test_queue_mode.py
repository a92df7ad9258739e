"""Queue Mode: going offline with the socket closed, and waking up for each Update."""

import os
import socket
import unittest

from harness import STEP_TIMEOUT_S, IntegrationTest, socket_descriptors

# A lifetime shorter than twice MAX_TRANSMIT_WAIT makes the client send an Update every
# half lifetime, here every 3 s. It goes offline 0.5 s after each exchange, so each cycle
# has about 2.5 s offline.
LIFETIME_S = 6
QUEUE_ARGS = ["--queue-mode", "--queue-timeout", "0.5", "--lifetime", str(LIFETIME_S)]

# Upper bound for the next offline line or the next Update: one full lifetime.
CYCLE_TIMEOUT_S = LIFETIME_S + STEP_TIMEOUT_S

OFFLINE_PATTERN = r"\[conn\] offline \(Queue Mode\), socket closed, last local port (\d+)"
WAKE_UP_PATTERN = r"\[conn\] (online again|bound to last local port|cannot reuse local port)"

WAKE_UPS = 3


class QueueModeTest(IntegrationTest):
    """Several sleep and wake-up cycles from the same local port."""

    def test_socket_listing_sees_socket(self):
        # An empty socket list in the next test proves nothing unless the listing finds a
        # socket that is open, such as this one of the test process.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            listed = socket_descriptors(os.getpid())
            inode = os.fstat(probe.fileno()).st_ino
            self.assertIn(f"{probe.fileno()} -> socket:[{inode}]", listed, "socket not listed")

    def test_wake_ups_keep_port(self):
        server, client, register = self.start_pair("queue", QUEUE_ARGS)
        register_port = register["port"]
        offline_after = -1
        update_after = register.index

        for wake_up in range(1, WAKE_UPS + 1):
            offline = client.wait_for_log(OFFLINE_PATTERN, CYCLE_TIMEOUT_S, after=offline_after)
            self.assertIsNotNone(
                offline, f"no offline line before wake-up {wake_up}\n" + self.describe()
            )

            sockets = client.socket_descriptors()
            woke = client.wait_for_log(WAKE_UP_PATTERN, 0, after=offline.index)
            self.assertIsNone(woke, "client woke up before the socket check\n" + self.describe())
            self.assertEqual(sockets, [], f"sockets open while offline before wake-up {wake_up}")
            self.assertEqual(
                int(offline.match[1]), register_port, f"wrong last port in '{offline.text}'"
            )

            update = server.wait_event(
                "update", CYCLE_TIMEOUT_S, after=update_after, endpoint="queue"
            )
            self.assertIsNotNone(update, f"no Update for wake-up {wake_up}\n" + self.describe())
            self.assertEqual(update["port"], register_port, f"Update from a new port: {update}")
            self.assertFalse(update["moved"], f"server saw the client move: {update}")
            self.assertEqual(
                update["location"], register["location"], f"Update for another location: {update}"
            )

            offline_after = offline.index
            update_after = update.index

        self.assertEqual(
            len(server.events("register")), 1, "more than one Register\n" + self.describe()
        )
        self.assertGreaterEqual(
            len(server.events("update")), WAKE_UPS, "too few Updates\n" + self.describe()
        )


class PortFallbackTest(IntegrationTest):
    """Wake-up when another socket took the client's last local port."""

    def test_port_taken(self):
        server, client, register = self.start_pair("fallback", QUEUE_ARGS)
        old_port = register["port"]

        offline = client.wait_for_log(OFFLINE_PATTERN, CYCLE_TIMEOUT_S)
        self.assertIsNotNone(offline, "client did not go offline\n" + self.describe())
        self.assertEqual(int(offline.match[1]), old_port, f"wrong last port in '{offline.text}'")

        # Without SO_REUSEADDR on this socket, the client's bind to the port must fail, even
        # though the client sets SO_REUSEADDR on its own socket.
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(blocker.close)
        try:
            blocker.bind(("0.0.0.0", old_port))
        except OSError as error:
            self.fail(f"cannot take port {old_port} while the client is offline: {error}")

        port_warning = client.wait_for_log(
            rf"\[conn\] cannot reuse local port {old_port} ", CYCLE_TIMEOUT_S, after=offline.index
        )
        self.assertIsNotNone(
            port_warning, "client did not report the taken port\n" + self.describe()
        )

        moved = server.wait_event(
            ("update", "register"), CYCLE_TIMEOUT_S, after=register.index, endpoint="fallback"
        )
        self.assertIsNotNone(moved, "no Update after the port was taken\n" + self.describe())
        self.assertNotEqual(moved["port"], old_port, f"message from the taken port: {moved}")
        if moved["event"] == "update":
            self.assertTrue(moved["moved"], f"server did not see the client move: {moved}")
        blocker.close()

        # The client stays registered and keeps its new port from now on.
        new_port = moved["port"]
        accepted = client.wait_for_log(
            r"\[reg\] (Update accepted|registered at)", STEP_TIMEOUT_S, after=port_warning.index
        )
        self.assertIsNotNone(
            accepted, "client did not log the accepted message\n" + self.describe()
        )

        following = server.wait_event(
            "update", CYCLE_TIMEOUT_S, after=moved.index, endpoint="fallback"
        )
        self.assertIsNotNone(following, "no Update after the move\n" + self.describe())
        self.assertEqual(following["port"], new_port, f"client left its new port: {following}")
        self.assertFalse(following["moved"], f"server saw another move: {following}")
        self.assertTrue(client.is_running(), "client exited\n" + self.describe())


if __name__ == "__main__":
    unittest.main()
