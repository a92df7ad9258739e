// A complete LwM2M client on a bare-metal Cortex-M4 (QEMU's mps2-an386): the
// Security, Server and Device objects, an IPSO Temperature sensor, UART0 as
// its network link through tools/slip-bridge, timer 0 as its clock.
//
// It runs one Queue Mode cycle and ends the run with its outcome. It
// registers and responds to the server's requests while awake. Then it goes
// offline, wakes up with a new temperature and sends an Update from the same
// local port. It goes offline again and then de-registers. The server URI
// comes from the command line (QEMU's -append), and tools/run-bare-metal
// starts the test server and the bridge.
//
// Exit status: 0 when the cycle completed and the server read the sensor, 1
// for an invalid command line or configuration, 2 when registration failed,
// 3 when the local port changed across the sleep, 4 when no Read came, and
// 10 plus the step of the cycle (kRegistering ...) when it timed out there.
#include <cstring>

#include "console.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/log.hpp"
#include "lwm2m/slip/slip_transport.hpp"
#include "seeded_random.hpp"
#include "semihosting.hpp"
#include "stack.hpp"
#include "temperature_sensor.hpp"
#include "timers.hpp"
#include "uart.hpp"

namespace {

constexpr char kEndpointName[] = "mps2-an386";
constexpr uint32_t kLifetimeS = 60;
constexpr uint32_t kQueueTimeoutMs = 2000;
/// Time offline before the sensor "measures" again and wakes the client.
constexpr uint32_t kSleepMs = 3000;
/// The whole cycle takes about 10 s; a run that takes this long has failed.
constexpr uint32_t kRunLimitMs = 60000;

enum class Step : uint8_t {
    kRegistering,
    kAwake,
    kAsleep,
    kWaking,
    kAwakeAgain,
    kDeregistering,
};

mps2::TimerClock g_clock;
// Seeded from the host's time, which the clock has already read.
mps2::SeededRandom g_random(static_cast<uint32_t>(g_clock.real_time_s()));
lwm2m::slip::SlipTransport g_transport(mps2::uart0, static_cast<uint8_t>(g_random.next_u32()));
lwm2m::Client g_client(g_transport, g_clock, g_random);
TemperatureSensor g_sensor;

#if LWM2M_LOG_LEVEL < 5
void log_to_semihosting(lwm2m::LogLevel level, const char* module, const char* message) {
    static constexpr const char* kLevels[] = {"trace", "debug", "info", "warning", "error"};
    const auto index = static_cast<uint8_t>(level);
    console::print_number(static_cast<uint32_t>(g_clock.monotonic_ms()));
    console::print(" ms ");
    console::print(index < 5 ? kLevels[index] : "?");
    console::print(" ");
    console::print(module);
    console::print(": ");
    console::print(message);
    console::print("\n");
}
#endif

// Copies the first word of the command line that starts with coap:// into
// `uri`. A loop in place of strstr(), which would link 1 kB of the C library.
bool read_server_uri(char* uri, size_t size) {
    static constexpr char kScheme[] = "coap://";
    // The image's path comes first: paths up to about 200 characters fit.
    // The buffer is on the stack because only the start needs it, and it
    // stays below the stack depth of the client's steps.
    char line[256];
    if (!mps2::semihosting_command_line(line, sizeof(line))) {
        return false;
    }
    for (const char* word = line; *word != '\0'; ++word) {
        const bool word_start = word == line || word[-1] == ' ';
        if (!word_start || std::strncmp(word, kScheme, sizeof(kScheme) - 1) != 0) {
            continue;
        }
        const size_t length = std::strcspn(word, " ");
        if (length >= size) {
            return false;
        }
        std::memcpy(uri, word, length);
        uri[length] = '\0';
        return true;
    }
    return false;
}

// Runs the cycle from Register to De-register; returns the exit status.
int run_cycle() {
    Step step = Step::kRegistering;
    uint16_t registered_port = 0;
    uint64_t asleep_since_ms = 0;
    const uint64_t start_ms = g_clock.monotonic_ms();

    for (;;) {
        g_client.step();
        const uint64_t now_ms = g_clock.monotonic_ms();
        const lwm2m::RegistrationState state = g_client.registration_state();
        if (state == lwm2m::RegistrationState::kFailed) {
            console::print("fail: registration failed\n");
            return 2;
        }
        // The run lasts seconds, so 32 bits of milliseconds are plenty.
        const auto elapsed_ms = static_cast<uint32_t>(now_ms - start_ms);
        if (elapsed_ms > kRunLimitMs) {
            console::print_value("fail: timed out at step", static_cast<uint32_t>(step));
            return 10 + static_cast<int>(step);
        }

        switch (step) {
            case Step::kRegistering:
                if (state == lwm2m::RegistrationState::kRegistered) {
                    registered_port = g_transport.local_port();
                    console::print_value("registered from local port", registered_port);
                    step = Step::kAwake;
                }
                break;
            case Step::kAwake:
                if (g_client.is_offline()) {
                    console::print("offline: Queue Mode sleep\n");
                    asleep_since_ms = now_ms;
                    step = Step::kAsleep;
                }
                break;
            case Step::kAsleep:
                if (now_ms - asleep_since_ms >= kSleepMs) {
                    console::print("waking up with a new temperature\n");
                    g_sensor.set_celsius(22.5);
                    g_client.request_update();
                    step = Step::kWaking;
                }
                break;
            case Step::kWaking:
                if (!g_client.is_offline()) {
                    step = Step::kAwakeAgain;
                }
                break;
            case Step::kAwakeAgain:
                // Offline again: the Update went out and the queue timeout passed.
                if (g_client.is_offline()) {
                    console::print_value("Update sent, offline again; local port",
                                         g_transport.local_port());
                    if (g_transport.local_port() != registered_port) {
                        console::print("fail: the local port changed across the sleep\n");
                        return 3;
                    }
                    g_client.deregister();
                    step = Step::kDeregistering;
                }
                break;
            case Step::kDeregistering:
                if (state == lwm2m::RegistrationState::kDeregistered) {
                    console::print_value("de-registered; sensor reads served",
                                         g_sensor.value_reads());
                    return g_sensor.value_reads() > 0 ? 0 : 4;
                }
                break;
        }
        // Asked after the step's calls above, which may have given the client work.
        uint32_t wait_ms = g_client.time_until_next_step_ms();
        if (step == Step::kAsleep) {
            const uint64_t left_ms = kSleepMs - (now_ms - asleep_since_ms);
            wait_ms = left_ms < wait_ms ? static_cast<uint32_t>(left_ms) : wait_ms;
        }
        // Wake for the run limit too: a client whose next step is far off
        // (after a server's Disable, or before a registration retry) must
        // not outlast it.
        const uint32_t limit_left_ms = kRunLimitMs + 1 - elapsed_ms;
        wait_ms = limit_left_ms < wait_ms ? limit_left_ms : wait_ms;
        // Frames that arrive while the socket is closed are read here, as the
        // client does not read them, so that they do not keep the loop awake.
        g_transport.poll();
        mps2::wait_for_event(mps2::uart0, wait_ms);
    }
}

}  // namespace

int main() {
#if LWM2M_LOG_LEVEL < 5
    lwm2m::log::set_output(log_to_semihosting);
    // The runtime threshold starts at info; follow the build-time level.
    lwm2m::log::set_level(static_cast<lwm2m::LogLevel>(LWM2M_LOG_LEVEL));
#endif
    mps2::uart0.start();
    mps2::start_timers();

    static char server_uri[LWM2M_MAX_URI_LENGTH + 1];
    if (!read_server_uri(server_uri, sizeof(server_uri))) {
        console::print("fail: no coap:// server URI on the command line (QEMU -append)\n");
        return 1;
    }
    lwm2m::ClientConfig config;
    config.endpoint_name = kEndpointName;
    config.server_uri = server_uri;
    config.lifetime_s = kLifetimeS;
    config.queue_mode = true;
    config.queue_timeout_ms = kQueueTimeoutMs;
    config.device.manufacturer = "lwm2m-cpp example";
    config.device.model_number = "mps2-an386";
    config.device.firmware_version = "1.0";
    if (g_client.add_object(g_sensor) != lwm2m::Status::kOk ||
        g_client.configure(config) != lwm2m::Status::kOk) {
        console::print("fail: invalid configuration\n");
        return 1;
    }
    console::print("lwm2m-cpp bare-metal sensor, server ");
    console::print(server_uri);
    console::print("\n");

    const int status = run_cycle();
    console::print_value("UART receive overruns", mps2::uart0.overruns());
    console::print_value("frames dropped by the transport", g_transport.dropped_frames());
    console::print_value("peak stack use in bytes", mps2::stack_peak_bytes());
    console::print(status == 0 ? "sensor client passed\n" : "sensor client failed\n");
    return status;
}
