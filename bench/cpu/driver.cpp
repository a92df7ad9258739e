// cpu-driver: an LwM2M client on the POSIX UDP port for the instruction counts
// of bench/cpu/run. It registers, serves the server's requests, and steps only
// when its socket is readable or a timer of the client is due.
//
// Signals from the benchmark's peer:
//   SIGUSR1  make --changes value changes on the changed path, one after the
//            other, each followed by a step() that sends its notification if
//            the path is observed, then print "changes done" on stdout;
//   SIGTERM  print the step count, De-register, and exit once the server has
//            responded (or after 10 s).
#include <poll.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench_objects.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/posix/platform.hpp"
#include "lwm2m/posix/udp_transport.hpp"
#include "seeded_random.hpp"

namespace {

volatile sig_atomic_t g_stop_requested = 0;
volatile sig_atomic_t g_changes_requested = 0;

void on_signal(int signal) {
    if (signal == SIGUSR1) {
        g_changes_requested = 1;
    } else {
        g_stop_requested = 1;
    }
}

struct Options {
    const char* server = nullptr;
    bool queue_mode = false;
    uint32_t queue_timeout_ms = 10000;
    uint32_t changes = 0;
    /// Change an observed path (true) or a path that no observation covers.
    bool change_observed = true;
};

void print_usage() {
    std::fprintf(stderr,
                 "usage: cpu-driver --server coap://HOST:PORT [--queue-mode]\n"
                 "                  [--queue-timeout-ms MS] [--changes N]\n"
                 "                  [--change observed|unobserved]\n");
}

bool parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const char* name = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (std::strcmp(name, "--queue-mode") == 0) {
            options.queue_mode = true;
            continue;
        }
        if (value == nullptr) {
            std::fprintf(stderr, "error: missing value of %s\n", name);
            return false;
        }
        ++i;
        if (std::strcmp(name, "--server") == 0) {
            options.server = value;
        } else if (std::strcmp(name, "--queue-timeout-ms") == 0) {
            options.queue_timeout_ms = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
        } else if (std::strcmp(name, "--changes") == 0) {
            options.changes = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
        } else if (std::strcmp(name, "--change") == 0 &&
                   (std::strcmp(value, "observed") == 0 || std::strcmp(value, "unobserved") == 0)) {
            options.change_observed = std::strcmp(value, "observed") == 0;
        } else {
            std::fprintf(stderr, "error: invalid option %s %s\n", name, value);
            return false;
        }
    }
    if (options.server == nullptr) {
        std::fprintf(stderr, "error: --server is required\n");
        return false;
    }
    return true;
}

// Waits until the socket is readable, `timeout_ms` has passed or a signal
// arrives. The signals are blocked everywhere but inside ppoll(), so one that
// arrives during a step ends the next wait at once.
void wait_for_event(const lwm2m::posix::UdpTransport& transport, uint32_t timeout_ms,
                    const sigset_t& unblocked) {
    pollfd descriptor{transport.native_handle(), POLLIN, 0};
    const nfds_t count = descriptor.fd >= 0 ? 1 : 0;
    timespec timeout{static_cast<time_t>(timeout_ms / 1000),
                     static_cast<long>(timeout_ms % 1000) * 1000000};
    ppoll(count > 0 ? &descriptor : nullptr, count, &timeout, &unblocked);
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse_options(argc, argv, options)) {
        print_usage();
        return 2;
    }

    lwm2m::posix::UdpTransport transport(lwm2m::net::AddressFamily::kIpv4);
    lwm2m::posix::SystemClock clock;
    bench::SeededRandom random;
    lwm2m::Client client(transport, clock, random);

    bench::TenIntegers ten_integers;
    bench::SensorArray sensors(LWM2M_MAX_OBSERVATIONS);
    if (client.add_object(ten_integers) != lwm2m::Status::kOk ||
        client.add_object(sensors) != lwm2m::Status::kOk) {
        std::fprintf(stderr, "error: cannot add the benchmark objects\n");
        return 1;
    }

    lwm2m::ClientConfig config;
    config.endpoint_name = "cpu-bench";
    config.server_uri = options.server;
    config.queue_mode = options.queue_mode;
    config.queue_timeout_ms = options.queue_timeout_ms;
    config.device.manufacturer = "lwm2m-cpp";
    config.device.model_number = "bench";
    config.device.serial_number = "0001";
    config.device.firmware_version = "1.0";
    const lwm2m::Status configured = client.configure(config);
    if (configured != lwm2m::Status::kOk) {
        std::fprintf(stderr, "error: invalid configuration: %s\n", lwm2m::to_string(configured));
        return 2;
    }

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGUSR1);
    sigset_t unblocked;
    sigprocmask(SIG_BLOCK, &handled, &unblocked);
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);

    // The last instance's value is observed when the peer observes every instance.
    const uint16_t last_sensor = LWM2M_MAX_OBSERVATIONS - 1;
    const lwm2m::Path changed_path =
        options.change_observed
            ? lwm2m::Path::resource(bench::SensorArray::kObjectId, last_sensor, 0)
            : lwm2m::Path::resource(bench::TenIntegers::kObjectId, 0, 0);
    unsigned long steps = 0;
    while (g_stop_requested == 0) {
        if (g_changes_requested != 0) {
            g_changes_requested = 0;
            // An observed change makes a notification due at once (pmin is 0), and the
            // step sends it; an unobserved one is only evaluated.
            for (uint32_t i = 0; i < options.changes; ++i) {
                sensors.bump(last_sensor);
                client.value_changed(changed_path);
                if (options.change_observed) {
                    client.step();
                    ++steps;
                }
            }
            std::printf("changes done\n");
            std::fflush(stdout);
        }
        client.step();
        ++steps;
        if (client.registration_state() == lwm2m::RegistrationState::kFailed) {
            std::fprintf(stderr, "error: registration failed\n");
            return 1;
        }
        wait_for_event(transport, client.time_until_next_step_ms(), unblocked);
    }
    std::printf("steps before stop: %lu\n", steps);
    std::fflush(stdout);

    client.deregister();
    const uint64_t give_up_ms = clock.monotonic_ms() + 10000;
    while (client.registration_state() != lwm2m::RegistrationState::kDeregistered) {
        client.step();
        ++steps;
        const uint64_t now_ms = clock.monotonic_ms();
        if (client.registration_state() == lwm2m::RegistrationState::kDeregistered ||
            now_ms >= give_up_ms) {
            break;
        }
        const uint64_t left_ms = give_up_ms - now_ms;
        const uint32_t wait_ms = client.time_until_next_step_ms();
        wait_for_event(transport, wait_ms > left_ms ? static_cast<uint32_t>(left_ms) : wait_ms,
                       unblocked);
    }
    std::printf("steps: %lu\n", steps);
    if (client.registration_state() != lwm2m::RegistrationState::kDeregistered) {
        std::fprintf(stderr, "error: no De-register response within 10 s\n");
        return 1;
    }
    return 0;
}
