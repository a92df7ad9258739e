"""Firmware Update (/5) of the demo client (`--firmware-dir`) against the test server.

A package is pushed into Package (/5/0/0) with a block-wise Write, or pulled from the URI
written to Package URI (/5/0/1), which the test server serves with Block2 (`serve`). The
tests cover both, a pull over DTLS, a download cut off by a stopped server or a killed
client, a corrupted package, a package replaced during the pull (new ETag), Cancel in each
state, Update after a restart, a failed update and invalid URIs. A relay (BlockGate)
stalls a pull at a known block, so that the tests that interrupt one do not depend on
how fast it runs.

A package is random bytes followed by their CRC-32 (zlib.crc32), 4 bytes little-endian:
the format that the demo client checks before it reports Downloaded.
"""

import os
import random
import select
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
import zlib

import coap_message as coap
from harness import STEP_TIMEOUT_S, IntegrationTest

# CoAP Block2 option number (RFC 7959).
BLOCK2 = 23

# Resources of the Firmware Update object.
PACKAGE = "/5/0/0"
PACKAGE_URI = "/5/0/1"
UPDATE = "/5/0/2"
STATE = "/5/0/3"
UPDATE_RESULT = "/5/0/5"
PACKAGE_NAME = "/5/0/6"
PACKAGE_VERSION = "/5/0/7"
CANCEL = "/5/0/10"

# State values (/5/0/3).
IDLE = 0
DOWNLOADED = 2

# Update Result values (/5/0/5).
INITIAL = 0
SUCCESS = 1
INTEGRITY_FAILURE = 5
INVALID_URI = 7
UPDATE_FAILED = 8
UNSUPPORTED_PROTOCOL = 9
CANCELLED = 10

# Package Name of the demo client (FilePackageHandler::package_name()).
DEMO_PACKAGE_NAME = "lwm2m-client-demo"

# 256 KiB of content plus the CRC-32 trailer.
IMAGE_SIZE = 256 * 1024 + 4
SMALL_IMAGE_SIZE = 4 * 1024 + 4

# The client's default --firmware-block-size.
DEFAULT_BLOCK_SIZE = 1024

# The path the test server serves packages on.
SERVED_PATH = "/fw/image.bin"

# Package and block size of the pulls that a BlockGate stops half-way: 257 blocks, the
# last one of 4 bytes.
GATED_IMAGE_SIZE = 64 * 1024 + 4
GATED_BLOCK_SIZE = 256
# The smallest block size, for a pull that a test cancels.
CANCEL_BLOCK_SIZE = 16

# Client CoAP timing for the download: a request without a response is sent again after
# 0.2 to 0.3 s, and the attempt ends 0.6 to 0.9 s after the first send. The next attempt
# follows after --firmware-retry-delay, doubled after each attempt.
CLIENT_TIMING = ["--ack-timeout-ms", "200", "--max-retransmit", "1"]
RETRY_DELAY_S = 2
# Bound for a wait across a retry: an attempt, the second delay (twice RETRY_DELAY_S) and
# the next attempt, with STEP_TIMEOUT_S to spare.
RETRY_TIMEOUT_S = 2 * 0.9 + 2 * RETRY_DELAY_S + STEP_TIMEOUT_S

# Bound for one push or pull of IMAGE_SIZE bytes on loopback, far above the 0.1 to 0.5 s
# that one took on an idle 2-core machine.
TRANSFER_TIMEOUT_S = 60.0

# Time during which a cancelled pull must request no further blocks.
QUIET_TIME_S = 1.0

# Interval between two reads of the client's saved state.
POLL_INTERVAL_S = 0.05


def make_image(path, size, seed):
    """Write `size` bytes, random content from `seed` and its CRC-32 trailer, to `path`.

    Return the bytes.
    """
    content = random.Random(seed).randbytes(size - 4)
    image = content + zlib.crc32(content).to_bytes(4, "little")
    with open(path, "wb") as stream:
        stream.write(image)
    return image


def block_count(size, block_size):
    return (size + block_size - 1) // block_size


def requested_block(datagram):
    """Return the block number in the Block2 option of a CoAP request, or None."""
    try:
        message = coap.decode(datagram)
    except ValueError:
        return None
    for number, value in message.options:
        if number == BLOCK2:
            return int.from_bytes(value, "big") >> 4
    return None


class BlockGate:
    """A UDP relay on 127.0.0.1 between a client's download and the server on `server_port`.

    It passes datagrams both ways until the client requests block `close_at` or a later one.
    From then on it drops the client's requests until open(), so that a test acts while the
    download is stalled at a known block, however fast the download runs. It sends the
    server's datagrams to the last client address it received from, so a restarted client
    can use it too. Its thread runs until stop(), at most `lifetime_s`.
    """

    def __init__(self, server_port, close_at, lifetime_s=TRANSFER_TIMEOUT_S):
        self.close_at = close_at
        self.closed = threading.Event()
        self._open = False
        self._client = None
        self._deadline = time.monotonic() + lifetime_s
        self._stopped = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.upstream.connect(("127.0.0.1", server_port))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stopped.is_set() and time.monotonic() < self._deadline:
            readable, _, _ = select.select([self.listener, self.upstream], [], [], 0.05)
            for sock in readable:
                try:
                    if sock is self.listener:
                        self._forward_request()
                    else:
                        self._forward_response()
                except OSError:
                    pass  # the server is down: ICMP port unreachable on the upstream socket

    def _forward_request(self):
        data, self._client = self.listener.recvfrom(65535)
        block = requested_block(data)
        if not self._open and block is not None and block >= self.close_at:
            self.closed.set()
            return
        self.upstream.send(data)

    def _forward_response(self):
        data = self.upstream.recv(65535)
        if self._client is not None:
            self.listener.sendto(data, self._client)

    def open(self):
        """Pass every datagram from now on."""
        self._open = True

    def stop(self):
        self._stopped.set()
        self._thread.join(STEP_TIMEOUT_S)
        self.listener.close()
        self.upstream.close()


class FirmwareTestCase(IntegrationTest):
    """A temporary directory for packages, the client's --firmware-dir and --state-file."""

    def setUp(self):
        super().setUp()
        self.directory = tempfile.mkdtemp(prefix="lwm2m-fw-")
        self.addCleanup(shutil.rmtree, self.directory, True)
        self.firmware_dir = os.path.join(self.directory, "firmware")
        self.state_file = os.path.join(self.directory, "state")

    def client_args(self, extra=()):
        return [
            "--firmware-dir",
            self.firmware_dir,
            "--state-file",
            self.state_file,
            "--firmware-retry-delay",
            str(RETRY_DELAY_S),
            *CLIENT_TIMING,
            *extra,
        ]

    def image(self, name, size, seed):
        """Create a package in the test directory; return its path and bytes."""
        path = os.path.join(self.directory, name)
        return path, make_image(path, size, seed)

    def firmware_file(self, name):
        """Return the bytes of `name` in the client's firmware directory, or None."""
        try:
            with open(os.path.join(self.firmware_dir, name), "rb") as stream:
                return stream.read()
        except FileNotFoundError:
            return None

    def assert_file(self, name, expected):
        """Check that `name` in the firmware directory contains the bytes `expected`."""
        actual = self.firmware_file(name)
        self.assertIsNotNone(actual, f"{name} is missing")
        if actual != expected:
            pairs = zip(actual, expected)
            first = next((i for i, (a, b) in enumerate(pairs) if a != b), len(actual))
            self.fail(
                f"{name} has {len(actual)} bytes, expected {len(expected)}, "
                f"and differs from byte {first}"
            )

    def wait_saved_state(self, state):
        """Wait until the client's saved Firmware Update state has State `state`.

        The blob STATE_FILE.fw starts with "LWFW", the format version 1 and the State
        (src/fw/firmware_state.hpp).
        """
        path = self.state_file + ".fw"
        blob = b""
        for _ in range(int(STEP_TIMEOUT_S / POLL_INTERVAL_S)):
            try:
                with open(path, "rb") as stream:
                    blob = stream.read()
            except FileNotFoundError:
                blob = b""
            if blob[:5] == b"LWFW\x01" and blob[5] == state:
                return
            time.sleep(POLL_INTERVAL_S)
        self.fail(f"{path} does not reach State {state}: {blob[:6]!r}\n" + self.describe())

    def request(self, server, line, code, timeout_s=STEP_TIMEOUT_S):
        response = server.run_command(line, timeout_s)
        self.assertIsNotNone(
            response, f"no response to '{line}' within {timeout_s} s\n" + self.describe()
        )
        self.assertEqual(
            response.get("code"), code, f"'{line}' returned {response}\n" + self.describe()
        )
        return response

    def read_text(self, server, endpoint, path):
        return self.request(server, f"read {endpoint} {path}", "2.05").get("payload")

    def assert_state(self, server, endpoint, state, result):
        """Read State and Update Result and compare them with `state` and `result`."""
        self.assertEqual(self.read_text(server, endpoint, STATE), str(state), self.describe())
        self.assertEqual(
            self.read_text(server, endpoint, UPDATE_RESULT), str(result), self.describe()
        )

    def wait_state(self, client, state_name, timeout_s, after=-1, from_state=r"\w+"):
        """Wait for the client to log a change to `state_name`; return the log line."""
        line = client.wait_for_log(
            rf"\[fw\] state {from_state} -> {state_name}, ", timeout_s, after
        )
        self.assertIsNotNone(
            line, f"no change to {state_name} within {timeout_s} s\n" + self.describe()
        )
        return line

    def wait_download_end(self, client, timeout_s=TRANSFER_TIMEOUT_S, after=-1):
        """Wait until the client leaves Downloading; return the State name it went to."""
        line = client.wait_for_log(r"\[fw\] state Downloading -> (\w+), ", timeout_s, after)
        self.assertIsNotNone(
            line, f"download still running after {timeout_s} s\n" + self.describe()
        )
        return line.match.group(1)

    def serve(self, server, path, file_path):
        """Serve `file_path` on `path` and wait for the server's serving event."""
        command_id = server.send_command(f"serve {path} {file_path}")
        serving = server.wait_event(("serving", "error"), STEP_TIMEOUT_S, id=command_id)
        self.assertIsNotNone(serving, f"no serving event for {path}\n" + self.describe())
        self.assertEqual(serving["event"], "serving", f"serve failed: {serving}")
        return serving

    def start_gate(self, server_port, close_at):
        gate = BlockGate(server_port, close_at)
        self.addCleanup(gate.stop)
        return gate

    def wait_closed(self, gate):
        self.assertTrue(
            gate.closed.wait(TRANSFER_TIMEOUT_S),
            f"no request for block {gate.close_at} within {TRANSFER_TIMEOUT_S} s\n"
            + self.describe(),
        )

    def wait_block(self, server, block, timeout_s=TRANSFER_TIMEOUT_S, after=-1):
        served = server.wait_event("block_served", timeout_s, after=after, block=block)
        self.assertIsNotNone(
            served, f"block {block} not served within {timeout_s} s\n" + self.describe()
        )
        return served

    def check_downloaded(self, server, endpoint, image):
        """Check State Downloaded, the stored bytes and the package name and version."""
        self.assert_state(server, endpoint, DOWNLOADED, INITIAL)
        self.assert_file("package.bin", image)
        self.assertEqual(self.read_text(server, endpoint, PACKAGE_NAME), DEMO_PACKAGE_NAME)
        crc = f"{zlib.crc32(image[:-4]):08x}"
        self.assertEqual(self.read_text(server, endpoint, PACKAGE_VERSION), crc)

    def check_update(self, server, client, endpoint, image):
        """Execute Update and check the result: Idle, Firmware updated, installed.bin."""
        mark = len(client.log.lines()) - 1
        self.request(server, f"execute {endpoint} {UPDATE}", "2.04")
        self.wait_state(client, "Idle", STEP_TIMEOUT_S, after=mark)
        self.assert_state(server, endpoint, IDLE, SUCCESS)
        self.assert_file("installed.bin", image)
        self.assertIsNone(self.firmware_file("package.bin"), "package.bin left after the update")


class PushTest(FirmwareTestCase):
    """A package written into Package with Block1, then installed."""

    def test_push_and_update(self):
        path, image = self.image("image.bin", IMAGE_SIZE, seed=1)
        server, client, _ = self.start_pair("fw-push", self.client_args())

        self.request(server, f"write fw-push {PACKAGE} --file {path}", "2.04", TRANSFER_TIMEOUT_S)
        self.check_downloaded(server, "fw-push", image)
        self.check_update(server, client, "fw-push", image)


class PullTest(FirmwareTestCase):
    """Packages pulled from the test server over coap:// and coaps://."""

    def pull(self, server, client, endpoint, uri):
        self.request(server, f"write {endpoint} {PACKAGE_URI} {uri}", "2.04")
        return self.wait_download_end(client)

    def test_pull_coap(self):
        path, image = self.image("image.bin", IMAGE_SIZE, seed=2)
        server, client, _ = self.start_pair("fw-pull", self.client_args())
        self.serve(server, SERVED_PATH, path)

        uri = f"coap://127.0.0.1:{server.port}{SERVED_PATH}"
        self.assertEqual(self.pull(server, client, "fw-pull", uri), "Downloaded", self.describe())
        self.check_downloaded(server, "fw-pull", image)
        blocks = server.events("block_served")
        self.assertEqual(blocks[0]["block"], 0, blocks[0])
        self.assertFalse(blocks[-1]["more"], blocks[-1])
        last = block_count(IMAGE_SIZE, DEFAULT_BLOCK_SIZE) - 1
        self.assertEqual(blocks[-1]["block"], last, blocks[-1])
        self.check_update(server, client, "fw-pull", image)

    def test_pull_coaps(self):
        identity, key = "fw-node", "000102030405060708090a0b0c0d0e0f"
        path, image = self.image("image.bin", IMAGE_SIZE, seed=3)
        server = self.start_server(extra_args=["--dtls-port", "0", "--psk", f"{identity}:{key}"])
        dtls_port = server.listening["dtls_port"]
        client = self.start_client(
            f"coaps://127.0.0.1:{dtls_port}",
            "fw-dtls",
            ["--psk-identity", identity, "--psk-key", key, *self.client_args()],
        )
        register = server.wait_event("register", STEP_TIMEOUT_S, endpoint="fw-dtls")
        self.assertIsNotNone(register, "no Register over DTLS\n" + self.describe())
        self.serve(server, SERVED_PATH, path)

        uri = f"coaps://127.0.0.1:{dtls_port}{SERVED_PATH}"
        self.assertEqual(self.pull(server, client, "fw-dtls", uri), "Downloaded", self.describe())
        self.check_downloaded(server, "fw-dtls", image)
        blocks = server.events("block_served")
        self.assertTrue(all(block["secure"] for block in blocks), blocks[:3])
        # Two DTLS sessions: the registration's and the download's own.
        self.assertEqual(len(server.events("dtls_handshake")), 2, self.describe())
        self.check_update(server, client, "fw-dtls", image)

    def test_corrupted_package(self):
        path, image = self.image("image.bin", SMALL_IMAGE_SIZE, seed=4)
        corrupted = bytearray(image)
        corrupted[len(image) // 2] ^= 0x01
        with open(path, "wb") as stream:
            stream.write(corrupted)
        server, client, _ = self.start_pair("fw-crc", self.client_args())
        self.serve(server, SERVED_PATH, path)

        uri = f"coap://127.0.0.1:{server.port}{SERVED_PATH}"
        self.assertEqual(self.pull(server, client, "fw-crc", uri), "Idle", self.describe())
        self.assert_state(server, "fw-crc", IDLE, INTEGRITY_FAILURE)
        self.request(server, f"execute fw-crc {UPDATE}", "4.05")

    def test_changed_etag_restarts(self):
        old_path, _ = self.image("old.bin", GATED_IMAGE_SIZE, seed=5)
        new_path, new_image = self.image("new.bin", GATED_IMAGE_SIZE, seed=6)
        block_size = ["--firmware-block-size", str(GATED_BLOCK_SIZE)]
        server, client, _ = self.start_pair("fw-etag", self.client_args(block_size))
        self.serve(server, SERVED_PATH, old_path)
        half = block_count(GATED_IMAGE_SIZE, GATED_BLOCK_SIZE) // 2
        gate = self.start_gate(server.port, half)

        uri = f"coap://127.0.0.1:{gate.port}{SERVED_PATH}"
        self.request(server, f"write fw-etag {PACKAGE_URI} {uri}", "2.04")
        self.wait_closed(gate)
        before = self.wait_block(server, half - 1, STEP_TIMEOUT_S)
        serving = self.serve(server, SERVED_PATH, new_path)
        self.assertTrue(serving["replaced"], serving)
        self.assertNotEqual(serving["etag"], before["etag"], serving)
        gate.open()

        self.assertIsNotNone(
            client.wait_for_log(r"\[fw\] the package changed on the server", RETRY_TIMEOUT_S),
            "no restart after the new ETag\n" + self.describe(),
        )
        first = self.wait_block(server, 0, RETRY_TIMEOUT_S, after=serving.index)
        self.assertEqual(first["etag"], serving["etag"], first)
        self.assertEqual(self.wait_download_end(client), "Downloaded", self.describe())
        self.check_downloaded(server, "fw-etag", new_image)


class ResumeTest(FirmwareTestCase):
    """Pulls cut off half-way, which continue from where they were."""

    def start_gated_pull(self, endpoint, file_server, extra=()):
        """Start a client that pulls GATED_IMAGE_SIZE bytes from `file_server`, or from the
        registration server if None, through a gate that closes half-way.

        Return the registration server, the client, the package's path and bytes, and the
        gate.
        """
        path, image = self.image("image.bin", GATED_IMAGE_SIZE, seed=7)
        server, client, _ = self.start_pair(endpoint, self.client_args(extra))
        files = file_server if file_server is not None else server
        self.serve(files, SERVED_PATH, path)
        gate = self.start_gate(files.port, block_count(GATED_IMAGE_SIZE, GATED_BLOCK_SIZE) // 2)
        uri = f"coap://127.0.0.1:{gate.port}{SERVED_PATH}"
        self.request(server, f"write {endpoint} {PACKAGE_URI} {uri}", "2.04")
        self.wait_closed(gate)
        self.wait_block(files, gate.close_at - 1, STEP_TIMEOUT_S)
        return server, client, path, image, gate

    def test_server_restart(self):
        files = self.start_server()
        extra = ["--firmware-block-size", str(GATED_BLOCK_SIZE)]
        server, client, path, image, gate = self.start_gated_pull("fw-lost", files, extra)
        files.stop()
        mark = len(client.log.lines()) - 1
        gate.open()

        # The requests to the stopped server time out, and the client waits RETRY_DELAY_S
        # before the next attempt. The new server starts serving in that time, so no
        # request reaches it before `serve`.
        retry = client.wait_for_log(
            r"\[fw\] download of \S+: no response", RETRY_TIMEOUT_S, after=mark
        )
        self.assertIsNotNone(retry, "no retry after the server stopped\n" + self.describe())
        restarted = self.start_server(port=files.port)
        self.serve(restarted, SERVED_PATH, path)

        first = restarted.wait_event("block_served", RETRY_TIMEOUT_S)
        self.assertIsNotNone(first, "no block from the new server\n" + self.describe())
        self.assertGreater(first["block"], 0, first)
        self.assertEqual(first["block"], gate.close_at, first)
        self.assertEqual(self.wait_download_end(client), "Downloaded", self.describe())
        self.check_downloaded(server, "fw-lost", image)

    def test_client_killed(self):
        save_interval = 4 * GATED_BLOCK_SIZE
        extra = [
            "--firmware-block-size",
            str(GATED_BLOCK_SIZE),
            "--firmware-save-interval",
            str(save_interval),
        ]
        server, client, _, image, gate = self.start_gated_pull("fw-kill", None, extra)
        client.send_signal(signal.SIGKILL)
        self.assertIsNotNone(client.wait_exit(STEP_TIMEOUT_S), "client survived SIGKILL")
        mark = len(server.stdout.lines()) - 1
        gate.open()

        uri = f"coap://127.0.0.1:{server.port}"
        restarted = self.start_client(uri, "fw-kill", self.client_args(extra))
        resumed = restarted.wait_for_log(
            r"resuming the download of \S+ at byte (\d+)", STEP_TIMEOUT_S
        )
        self.assertIsNotNone(resumed, "no resumption after the restart\n" + self.describe())
        offset = int(resumed.match.group(1))
        self.assertGreater(offset, 0, resumed.text)
        self.assertLessEqual(offset, gate.close_at * GATED_BLOCK_SIZE, resumed.text)
        self.assertEqual(offset % GATED_BLOCK_SIZE, 0, resumed.text)

        first = server.wait_event("block_served", STEP_TIMEOUT_S, after=mark)
        self.assertIsNotNone(first, "no block for the restarted client\n" + self.describe())
        self.assertEqual(first["block"], offset // GATED_BLOCK_SIZE, first)
        self.assertEqual(self.wait_download_end(restarted), "Downloaded", self.describe())
        self.check_downloaded(server, "fw-kill", image)


class CancelTest(FirmwareTestCase):
    """Cancel and reset in each State, and Update where it is not allowed."""

    def push_small(self, server, endpoint, seed):
        path, image = self.image("image.bin", SMALL_IMAGE_SIZE, seed)
        self.request(server, f"write {endpoint} {PACKAGE} --file {path}", "2.04")
        self.assert_state(server, endpoint, DOWNLOADED, INITIAL)
        return image

    def test_idle(self):
        server, _, _ = self.start_pair("fw-idle", self.client_args())
        self.assert_state(server, "fw-idle", IDLE, INITIAL)
        self.request(server, f'write fw-idle {PACKAGE_URI} ""', "2.04")
        self.assert_state(server, "fw-idle", IDLE, INITIAL)
        self.request(server, f"execute fw-idle {UPDATE}", "4.05")
        self.assert_state(server, "fw-idle", IDLE, INITIAL)

    def test_downloading(self):
        path, _ = self.image("image.bin", IMAGE_SIZE, seed=8)
        block_size = ["--firmware-block-size", str(CANCEL_BLOCK_SIZE)]
        server, client, _ = self.start_pair("fw-stop", self.client_args(block_size))
        self.serve(server, SERVED_PATH, path)
        uri = f"coap://127.0.0.1:{server.port}{SERVED_PATH}"

        # An empty Package URI resets, and Cancel reports Cancelled.
        stops = [
            (f'write fw-stop {PACKAGE_URI} ""', INITIAL),
            (f"execute fw-stop {CANCEL}", CANCELLED),
        ]
        for line, result in stops:
            with self.subTest(request=line):
                mark = len(server.stdout.lines()) - 1
                self.request(server, f"write fw-stop {PACKAGE_URI} {uri}", "2.04")
                self.wait_block(server, 10, after=mark)
                self.request(server, line, "2.04")
                self.assert_state(server, "fw-stop", IDLE, result)
                self.assertEqual(self.read_text(server, "fw-stop", PACKAGE_URI), "")
                self.assert_no_more_blocks(server)

    def assert_no_more_blocks(self, server):
        """Check that no block is served for QUIET_TIME_S, after one that was in flight."""
        time.sleep(QUIET_TIME_S / 2)
        before = len(server.events("block_served"))
        time.sleep(QUIET_TIME_S)
        self.assertEqual(len(server.events("block_served")), before, "blocks after Cancel")

    def test_downloaded(self):
        server, _, _ = self.start_pair("fw-drop", self.client_args())
        self.push_small(server, "fw-drop", seed=9)
        self.request(server, f"execute fw-drop {CANCEL}", "2.04")
        self.assert_state(server, "fw-drop", IDLE, CANCELLED)
        self.assertIsNone(self.firmware_file("package.bin"), "package.bin kept after Cancel")
        self.request(server, f"execute fw-drop {UPDATE}", "4.05")

    def test_updating_with_reboot(self):
        args = self.client_args(["--firmware-reboot"])
        server, client, register = self.start_pair("fw-boot", args)
        image = self.push_small(server, "fw-boot", seed=10)
        self.request(server, f"execute fw-boot {UPDATE}", "2.04")
        self.assertEqual(client.wait_exit(STEP_TIMEOUT_S), 0, self.describe())
        self.assert_file("installed.bin", image)
        self.assertEqual(server.events("deregister"), [], "De-register before the reboot")

        restarted = self.start_client(f"coap://127.0.0.1:{server.port}", "fw-boot", args)
        update = server.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after the reboot\n" + self.describe())
        self.wait_state(restarted, "Idle", STEP_TIMEOUT_S)
        self.assert_state(server, "fw-boot", IDLE, SUCCESS)


class UpdateTest(FirmwareTestCase):
    """Execute Update after a restart, and an update that fails."""

    def test_update_after_restart(self):
        path, image = self.image("image.bin", SMALL_IMAGE_SIZE, seed=11)
        server, client, register = self.start_pair("fw-later", self.client_args())
        self.request(server, f"write fw-later {PACKAGE} --file {path}", "2.04")
        # The client saves the Downloaded state after it has sent the 2.04.
        self.wait_saved_state(DOWNLOADED)
        client.send_signal(signal.SIGKILL)
        self.assertIsNotNone(client.wait_exit(STEP_TIMEOUT_S), "client survived SIGKILL")

        uri = f"coap://127.0.0.1:{server.port}"
        restarted = self.start_client(uri, "fw-later", self.client_args())
        update = server.wait_event("update", STEP_TIMEOUT_S, after=register.index)
        self.assertIsNotNone(update, "no Update after the restart\n" + self.describe())
        self.check_downloaded(server, "fw-later", image)
        self.check_update(server, restarted, "fw-later", image)

    def test_failed_update_keeps_package(self):
        server, client, _ = self.start_pair(
            "fw-fail", self.client_args(["--firmware-fail-update"])
        )
        path, image = self.image("image.bin", SMALL_IMAGE_SIZE, seed=12)
        self.request(server, f"write fw-fail {PACKAGE} --file {path}", "2.04")
        for attempt in range(2):
            with self.subTest(attempt=attempt):
                mark = len(client.log.lines()) - 1
                self.request(server, f"execute fw-fail {UPDATE}", "2.04")
                # The change to Downloaded after the Write may still be unread at the mark.
                self.wait_state(
                    client, "Downloaded", STEP_TIMEOUT_S, after=mark, from_state="Updating"
                )
                self.assert_state(server, "fw-fail", DOWNLOADED, UPDATE_FAILED)
                self.assert_file("package.bin", image)
                self.assertIsNone(self.firmware_file("installed.bin"), "installed.bin left")


class UriTest(FirmwareTestCase):
    """Package URIs that the client cannot download."""

    def test_unsupported_scheme(self):
        server, _, _ = self.start_pair("fw-http", self.client_args())
        self.request(server, f"write fw-http {PACKAGE_URI} http://example.invalid/x", "2.04")
        self.assert_state(server, "fw-http", IDLE, UNSUPPORTED_PROTOCOL)

    def test_malformed_uri(self):
        server, _, _ = self.start_pair("fw-bad-uri", self.client_args())
        self.request(server, f"write fw-bad-uri {PACKAGE_URI} coap://:99999/x", "2.04")
        self.assert_state(server, "fw-bad-uri", IDLE, INVALID_URI)


if __name__ == "__main__":
    unittest.main()
