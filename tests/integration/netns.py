"""Network namespaces with a NAT between the client and the server, for integration tests.

NatTopology builds three namespaces, named after the test's pid:

    client ns  c0 10.200.0.2/24  --veth--  n0 10.200.0.1/24  nat ns
    nat ns     n1 192.0.2.1/24   --veth--  s0 192.0.2.2/24   server ns

The nat ns forwards between its two veths. nftables there rewrites the source of UDP from
the client subnet to 192.0.2.1 and one fixed external port, which the test chooses, and
drops new flows from the server side. rebind() moves the mapping to another external port,
as a NAT does after its mapping expires. Every address exists only inside the namespaces,
and the veths are created inside them, so nothing changes in the root namespace.

Programs run in a namespace through `ip netns exec NAME`, which calls execvp() after
setns(), so the pid of the Popen object is the program's pid.
"""

import os
import re
import shutil
import subprocess

from harness import STEP_TIMEOUT_S, LineCollector, stop_process

CLIENT_ADDRESS = "10.200.0.2"
CLIENT_GATEWAY = "10.200.0.1"
CLIENT_SUBNET = "10.200.0.0/24"
NAT_EXTERNAL_ADDRESS = "192.0.2.1"
SERVER_ADDRESS = "192.0.2.2"

# Interface names inside the namespaces. They never exist in the root namespace, so
# topologies of tests that run in parallel cannot clash.
CLIENT_LINK = "c0"
NAT_INSIDE_LINK = "n0"
NAT_OUTSIDE_LINK = "n1"
SERVER_LINK = "s0"

NFT_TABLE = "lwm2m_nat"

# Conntrack timeouts in the nat ns, in seconds: for a UDP flow, and for one that conntrack
# marked ASSURED after traffic in both directions. Linux 6.1 defaults to 30 s and 120 s.
# They are set explicitly, so a client that sleeps for less than UDP_TIMEOUT_S keeps its
# mapping whatever the kernel's defaults.
UDP_TIMEOUT_S = 60
UDP_STREAM_TIMEOUT_S = 120

NAME_PREFIX = "lwm2m-nat-"

# Upper bound for one ip, nft or conntrack command.
COMMAND_TIMEOUT_S = 10


def run(arguments, input_text=None):
    """Run a configuration command and return its stdout.

    Raise RuntimeError with the command and its stderr if it fails or times out.
    """
    try:
        finished = subprocess.run(
            arguments,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"'{' '.join(arguments)}' timed out after {COMMAND_TIMEOUT_S} s")
    if finished.returncode != 0:
        raise RuntimeError(
            f"'{' '.join(arguments)}' failed with exit status {finished.returncode}: "
            + finished.stderr.strip()
        )
    return finished.stdout


def in_namespace(namespace, arguments):
    """Return `arguments` prefixed so that the program runs in `namespace`."""
    return ["ip", "netns", "exec", namespace] + list(arguments)


def nat_ruleset(external_port):
    """Return an nft script that replaces the NAT table with one mapping to `external_port`.

    The leading `table` and `delete table` lines make the script work whether or not the
    table exists, and nft applies the whole script atomically.
    """
    masquerade = (
        f'oifname "{NAT_OUTSIDE_LINK}" ip saddr {CLIENT_SUBNET} meta l4proto udp '
        f"masquerade to :{external_port}"
    )
    return f"""
table ip {NFT_TABLE}
delete table ip {NFT_TABLE}
table ip {NFT_TABLE} {{
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        {masquerade}
    }}
    chain forward {{
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "{NAT_INSIDE_LINK}" oifname "{NAT_OUTSIDE_LINK}" accept
    }}
}}
"""


def missing_requirements():
    """Return why namespace tests cannot run here, or None if they can.

    The check needs root, the ip, nft and conntrack programs, and a probe namespace in
    which `ip netns exec` works and nft accepts a NAT rule with an explicit port.
    """
    if os.geteuid() != 0:
        return "network namespace tests need root (ip netns add)"
    for program in ("ip", "nft", "conntrack"):
        if shutil.which(program) is None:
            return f"'{program}' not found: install iproute2, nftables and conntrack"

    probe = f"{NAME_PREFIX}{os.getpid()}-probe"
    try:
        run(["ip", "netns", "add", probe])
    except RuntimeError as error:
        return f"cannot create a network namespace: {error}"
    try:
        run(in_namespace(probe, ["ip", "link", "set", "lo", "up"]))
        run(in_namespace(probe, ["nft", "-f", "-"]), nat_ruleset(40000))
        run(in_namespace(probe, ["conntrack", "-L"]))
    except RuntimeError as error:
        return f"network namespace probe failed: {error}"
    finally:
        delete_namespace(probe)
    return None


def delete_namespace(namespace):
    """Delete `namespace` if it exists. Its veths go with it."""
    subprocess.run(
        ["ip", "netns", "delete", namespace],
        capture_output=True,
        timeout=COMMAND_TIMEOUT_S,
    )


def delete_stale_namespaces():
    """Delete the namespaces of this module whose test process no longer runs.

    A test killed by the ctest timeout cannot run its cleanup, and its namespaces stay.
    Only names of the form lwm2m-nat-PID-ROLE are considered.
    """
    listing = run(["ip", "netns", "list"])
    for line in listing.splitlines():
        fields = line.split()
        if not fields:
            continue
        match = re.fullmatch(re.escape(NAME_PREFIX) + r"(\d+)-\w+", fields[0])
        if match and not os.path.exists(f"/proc/{match[1]}"):
            delete_namespace(fields[0])


class NamespaceProcess:
    """A program started in a namespace, with stdout and stderr read line by line."""

    def __init__(self, namespace, arguments, name):
        self.namespace = namespace
        self.process = subprocess.Popen(
            in_namespace(namespace, arguments),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.pid = self.process.pid
        self.stdout = LineCollector(self.process.stdout, f"{name}-{self.pid}-stdout")
        self.stderr = LineCollector(self.process.stderr, f"{name}-{self.pid}-stderr")

    def stop(self):
        """Stop the program by pid and return its exit status."""
        status = stop_process(self.process)
        self.process.stdin.close()
        self.stdout.join(STEP_TIMEOUT_S)
        self.stderr.join(STEP_TIMEOUT_S)
        self.process.stdout.close()
        self.process.stderr.close()
        return status


class NatTopology:
    """Client, nat and server namespaces joined by veths, with a NAT to one external port.

    Use create() and destroy(), or a `with` block. destroy() is safe to call more than
    once and after a failed create().
    """

    def __init__(self, external_port):
        tag = f"{NAME_PREFIX}{os.getpid()}"
        self.client_ns = f"{tag}-client"
        self.nat_ns = f"{tag}-nat"
        self.server_ns = f"{tag}-server"
        self.external_port = external_port

    def __enter__(self):
        self.create()
        return self

    def __exit__(self, *exc_info):
        self.destroy()

    def namespaces(self):
        return (self.client_ns, self.nat_ns, self.server_ns)

    def create(self):
        """Build the topology. Raise RuntimeError, after deleting what was built, on failure."""
        delete_stale_namespaces()
        try:
            self._create_namespaces()
            self._create_links()
            self._configure_nat()
        except BaseException:
            self.destroy()
            raise

    def _create_namespaces(self):
        for namespace in self.namespaces():
            run(["ip", "netns", "add", namespace])
            run(["ip", "-n", namespace, "link", "set", "lo", "up"])

    def _create_links(self):
        run(
            ["ip", "link", "add", "name", CLIENT_LINK, "netns", self.client_ns, "type", "veth"]
            + ["peer", "name", NAT_INSIDE_LINK, "netns", self.nat_ns]
        )
        run(
            ["ip", "link", "add", "name", NAT_OUTSIDE_LINK, "netns", self.nat_ns, "type", "veth"]
            + ["peer", "name", SERVER_LINK, "netns", self.server_ns]
        )

        addresses = [
            (self.client_ns, CLIENT_LINK, f"{CLIENT_ADDRESS}/24"),
            (self.nat_ns, NAT_INSIDE_LINK, f"{CLIENT_GATEWAY}/24"),
            (self.nat_ns, NAT_OUTSIDE_LINK, f"{NAT_EXTERNAL_ADDRESS}/24"),
            (self.server_ns, SERVER_LINK, f"{SERVER_ADDRESS}/24"),
        ]
        for namespace, link, address in addresses:
            run(["ip", "-n", namespace, "addr", "add", address, "dev", link])
            run(["ip", "-n", namespace, "link", "set", link, "up"])

        run(["ip", "-n", self.client_ns, "route", "add", "default", "via", CLIENT_GATEWAY])
        run(["ip", "-n", self.server_ns, "route", "add", "default", "via", NAT_EXTERNAL_ADDRESS])

    def _configure_nat(self):
        sysctls = [
            "net.ipv4.ip_forward=1",
            f"net.netfilter.nf_conntrack_udp_timeout={UDP_TIMEOUT_S}",
            f"net.netfilter.nf_conntrack_udp_timeout_stream={UDP_STREAM_TIMEOUT_S}",
        ]
        for setting in sysctls:
            run(in_namespace(self.nat_ns, ["sysctl", "-qw", setting]))
        self.set_external_port(self.external_port)

    def destroy(self):
        """Delete the three namespaces. Processes still inside keep a namespace alive until
        they exit, so stop them first."""
        for namespace in self.namespaces():
            delete_namespace(namespace)

    def set_external_port(self, port):
        """Map new UDP flows from the client to `port`. Existing flows keep their port."""
        run(in_namespace(self.nat_ns, ["nft", "-f", "-"]), nat_ruleset(port))
        self.external_port = port

    def flush_conntrack(self):
        """Forget every NAT mapping, so the next datagram of each flow gets a new one."""
        run(in_namespace(self.nat_ns, ["conntrack", "-F"]))

    def rebind(self, port):
        """Move the client's mapping to external `port`, as a NAT does when a mapping
        expires: the next datagram from the client leaves from `port`."""
        self.set_external_port(port)
        self.flush_conntrack()

    def conntrack_entries(self):
        """Return the UDP entries of the nat ns's conntrack table as text lines."""
        output = run(in_namespace(self.nat_ns, ["conntrack", "-L", "-p", "udp"]))
        return [line for line in output.splitlines() if line.strip()]

    def describe(self):
        """Format the NAT state for an assertion message."""
        try:
            entries = "\n".join(self.conntrack_entries())
        except RuntimeError as error:
            entries = str(error)
        return (
            f"--- nat: external port {self.external_port}, conntrack UDP entries ---\n{entries}"
        )

    def start_pair(self, server_arguments, client_arguments):
        """Start `server_arguments` in the server ns, then `client_arguments` in the client
        ns, and return both as NamespaceProcess objects (server first).

        The caller stops them, client first, before destroy().
        """
        server = NamespaceProcess(self.server_ns, server_arguments, "server")
        try:
            client = NamespaceProcess(self.client_ns, client_arguments, "client")
        except BaseException:
            server.stop()
            raise
        return server, client
