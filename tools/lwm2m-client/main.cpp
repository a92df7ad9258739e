// lwm2m-client: a demo device built on the library and its POSIX ports.
#include <poll.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "demo_objects.hpp"
#include "firmware_demo.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/posix/file_storage.hpp"
#include "lwm2m/posix/platform.hpp"
#include "lwm2m/posix/udp_transport.hpp"
#ifdef LWM2M_DEMO_DTLS
#include "dtls_options.hpp"
#include "lwm2m/mbedtls/dtls_transport.hpp"
#endif

namespace {

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal) {
    g_stop_signal = signal;
}

struct Options {
    std::string endpoint = "lwm2m-cpp-demo";
    std::string server = "coap://127.0.0.1:5683";
    uint32_t lifetime_s = 60;
    std::string version = "1.1";
    bool queue_mode = false;
    double queue_timeout_s = 93;
    std::string log_level = "info";
    std::string family = "any";
    uint32_t deregister_timeout_s = 10;
    // Unsigned int rather than the config's uint8_t, which CLI11 shows as a character.
    unsigned retry_count = 5;
    uint32_t retry_timer_s = 60;
    unsigned sequence_retry_count = 1;
    uint32_t sequence_delay_s = 86400;
    uint32_t test_instances = 0;
    uint32_t send_period_s = 0;
    std::string send_format = "cbor";
    std::vector<double> temperature_sequence;
    uint32_t temperature_period_ms = 1000;
    // RFC 7252, 4.8 defaults, as in lwm2m::CoapTransmission.
    uint32_t ack_timeout_ms = 2000;
    unsigned max_retransmit = 4;
    std::string state_file;
    std::string bootstrap;
    uint32_t bootstrap_hold_off_s = 0;
    demo::FirmwareCommandLine firmware;
#ifdef LWM2M_DEMO_DTLS
    demo::DtlsCommandLine dtls;
#endif
};

// One UDP transport per server the client may register with.
using Transports = std::array<lwm2m::posix::UdpTransport, LWM2M_MAX_SERVERS>;

// The firmware download's UDP socket, or nullptr without --firmware-dir.
const lwm2m::posix::UdpTransport* g_download_socket = nullptr;

// Waits for any open socket or the next timer, whichever comes first; a stop
// signal interrupts the wait. SIGINT and SIGTERM stay blocked outside ppoll().
void wait_for_event(const Transports& transports, uint32_t timeout_ms, const sigset_t& unblocked) {
    std::array<pollfd, LWM2M_MAX_SERVERS + 1> descriptors{};
    nfds_t count = 0;
    for (const lwm2m::posix::UdpTransport& transport : transports) {
        if (transport.native_handle() >= 0) {
            descriptors[count++] = {transport.native_handle(), POLLIN, 0};
        }
    }
    // A block of a pulled package is handled by the next step() too.
    if (g_download_socket != nullptr && g_download_socket->native_handle() >= 0) {
        descriptors[count++] = {g_download_socket->native_handle(), POLLIN, 0};
    }
    timespec timeout{static_cast<time_t>(timeout_ms / 1000),
                     static_cast<long>(timeout_ms % 1000) * 1000000};
    ppoll(count > 0 ? descriptors.data() : nullptr, count, &timeout, &unblocked);
}

const char* send_result_text(lwm2m::SendResult result) {
    switch (result) {
        case lwm2m::SendResult::kResponse:
            return "response";
        case lwm2m::SendResult::kTimedOut:
            return "timed out";
        case lwm2m::SendResult::kReset:
            return "rejected with RST";
        case lwm2m::SendResult::kFailed:
            return "failed";
        case lwm2m::SendResult::kMuted:
            return "muted by the server";
        case lwm2m::SendResult::kNotRegistered:
            return "registration lost";
        case lwm2m::SendResult::kDeregistered:
            return "client de-registered";
    }
    return "unknown";
}

void on_send_done(void*, lwm2m::SendResult result, uint8_t response_code) {
    if (result == lwm2m::SendResult::kResponse) {
        std::fprintf(stderr, "Send of /3303/0/5700 answered with %u.%02u\n", response_code >> 5,
                     response_code & 0x1f);
    } else {
        std::fprintf(stderr, "Send of /3303/0/5700 ended without a response: %s\n",
                     send_result_text(result));
    }
}

// Sends the demo temperature (/3303/0/5700) every `period_s` seconds while
// registered. The first Send goes one period after `now_ms`.
class PeriodicSend {
  public:
    PeriodicSend(lwm2m::Client& client, demo::TemperatureSensor& temperature, uint32_t period_s,
                 lwm2m::SendFormat format, uint64_t now_ms)
        : client_(client),
          temperature_(temperature),
          period_ms_(period_s * 1000ull),
          format_(format),
          next_ms_(now_ms + period_ms_) {}

    // Starts a Send if one is due; returns the milliseconds until the next one.
    uint32_t step(uint64_t now_ms) {
        if (period_ms_ == 0) {
            return UINT32_MAX;
        }
        if (now_ms >= next_ms_) {
            next_ms_ = now_ms + period_ms_;
            start();
        }
        const uint64_t wait = next_ms_ - now_ms;
        return wait > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(wait);
    }

  private:
    void start() {
        if (client_.registration_state() != lwm2m::RegistrationState::kRegistered) {
            std::fprintf(stderr, "Send of /3303/0/5700 skipped: not registered\n");
            return;
        }
        (void)temperature_.update();
        static constexpr lwm2m::Path kPaths[] = {lwm2m::Path::resource(3303, 0, 5700)};
        const lwm2m::Status status = client_.send(kPaths, on_send_done, nullptr, format_);
        if (status != lwm2m::Status::kOk) {
            std::fprintf(stderr, "Send of /3303/0/5700 not started: %s\n",
                         lwm2m::to_string(status));
        }
    }

    lwm2m::Client& client_;
    demo::TemperatureSensor& temperature_;
    uint64_t period_ms_;
    lwm2m::SendFormat format_;
    uint64_t next_ms_;
};

void on_reboot(void*) {
    std::fprintf(stderr, "reboot requested by the server (demo: ignored)\n");
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"LwM2M demo client: registers with a server and serves the Device object."};
    app.add_option("--endpoint", options.endpoint, "Endpoint name sent in Register")
        ->capture_default_str();
    app.add_option("--server", options.server,
                   "Server URI, coap://host[:port] or coaps://host[:port]")
        ->capture_default_str();
    app.add_option("--lifetime", options.lifetime_s, "Registration lifetime in seconds")
        ->capture_default_str()
        ->check(CLI::Range(1u, 0xffffffffu));
    app.add_option("--lwm2m-version", options.version, "LwM2M version to announce")
        ->capture_default_str()
        ->check(CLI::IsMember({"1.0", "1.1", "1.2"}));
    app.add_flag("--queue-mode", options.queue_mode,
                 "Use Queue Mode: go offline after the queue timeout");
    app.add_option("--queue-timeout", options.queue_timeout_s,
                   "Seconds without any exchange before going offline in Queue Mode")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 86400.0));
    app.add_option("--log-level", options.log_level, "Log level")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warning", "error"}));
    app.add_option("--address-family", options.family,
                   "Address family for resolving the server host")
        ->capture_default_str()
        ->check(CLI::IsMember({"any", "ipv4", "ipv6"}));
    app.add_option("--deregister-timeout", options.deregister_timeout_s,
                   "Seconds to wait for the De-register response on SIGINT or SIGTERM")
        ->capture_default_str();
    app.add_option("--retry-count", options.retry_count,
                   "Register attempts in one sequence (Communication Retry Count)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 255u));
    app.add_option("--retry-timer", options.retry_timer_s,
                   "Seconds before the second Register attempt, doubled before each further "
                   "one (Communication Retry Timer)")
        ->capture_default_str();
    app.add_option("--sequence-retry-count", options.sequence_retry_count,
                   "Register sequences before giving up (Communication Sequence Retry Count)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 255u));
    app.add_option("--sequence-delay", options.sequence_delay_s,
                   "Seconds between two Register sequences (Communication Sequence Delay Timer)")
        ->capture_default_str();
    app.add_option("--test-instances", options.test_instances,
                   "Adds test object 32769 with this many instances (IDs 0 to N - 1), each "
                   "of which adds about 14 bytes to the Register payload")
        ->check(CLI::Range(0u, 65535u));
    app.add_option("--send-period", options.send_period_s,
                   "Sends the temperature /3303/0/5700 to the server (LwM2M Send, POST /dp) "
                   "every this many seconds while registered; 0 sends nothing")
        ->capture_default_str();
    app.add_option("--send-format", options.send_format,
                   "Content-Format of --send-period: cbor (SenML CBOR, 112) or json "
                   "(SenML JSON, 110)")
        ->check(CLI::IsMember({"cbor", "json"}))
        ->capture_default_str();
    app.add_option("--temperature-sequence", options.temperature_sequence,
                   "Comma-separated Sensor Values (°C) for the Temperature object (3303) in "
                   "place of its sine wave. The first value stays until the first Read or "
                   "Observe of the object. Each next value follows after "
                   "--temperature-period-ms, and the last one is kept")
        ->delimiter(',')
        ->type_name("FLOAT,...")
        ->expected(1, 1024);
    app.add_option("--temperature-period-ms", options.temperature_period_ms,
                   "Milliseconds between two values of --temperature-sequence")
        ->capture_default_str()
        ->check(CLI::Range(1u, 86400000u));
    app.add_option("--ack-timeout-ms", options.ack_timeout_ms,
                   "CoAP ACK_TIMEOUT in milliseconds. The first wait for an ACK to a "
                   "confirmable message is 1 to 1.5 times this, doubled at each retransmission")
        ->capture_default_str()
        ->check(CLI::Range(1u, 300000u));
    app.add_option("--max-retransmit", options.max_retransmit,
                   "CoAP MAX_RETRANSMIT: retransmissions of a confirmable message before it "
                   "times out")
        ->capture_default_str()
        ->check(CLI::Range(0u, 8u));
    app.add_option("--state-file", options.state_file,
                   "File that keeps the server accounts, the Server object values and the "
                   "registration across restarts, so that a restarted client sends an Update "
                   "instead of a Register. Its directory must exist; the name is 1 to 32 "
                   "letters, digits, '-', '_' and '.' (29 with --firmware-dir, whose state "
                   "goes to FILE.fw)");
    app.add_option("--bootstrap", options.bootstrap,
                   "Bootstrap-Server URI, coap[s]://host[:port]: the client gets its server "
                   "account from there. Without --server, the client starts with no server "
                   "account and bootstraps first");
    app.add_option("--bootstrap-hold-off", options.bootstrap_hold_off_s,
                   "Client Hold Off Time in seconds: wait before the first Bootstrap-Request")
        ->capture_default_str();
    demo::add_firmware_options(app, options.firmware);
#ifdef LWM2M_DEMO_DTLS
    demo::add_dtls_options(app, options.dtls);
#endif
    CLI11_PARSE(app, argc, argv);

    const std::map<std::string, lwm2m::LogLevel> levels = {{"trace", lwm2m::LogLevel::kTrace},
                                                           {"debug", lwm2m::LogLevel::kDebug},
                                                           {"info", lwm2m::LogLevel::kInfo},
                                                           {"warning", lwm2m::LogLevel::kWarning},
                                                           {"error", lwm2m::LogLevel::kError}};
    lwm2m::log::set_output(lwm2m::posix::stderr_log_output);
    lwm2m::log::set_level(levels.at(options.log_level));

    const std::map<std::string, lwm2m::net::AddressFamily> families = {
        {"any", lwm2m::net::AddressFamily::kUnspecified},
        {"ipv4", lwm2m::net::AddressFamily::kIpv4},
        {"ipv6", lwm2m::net::AddressFamily::kIpv6}};
    const std::map<std::string, lwm2m::Lwm2mVersion> versions = {
        {"1.0", lwm2m::Lwm2mVersion::k1_0},
        {"1.1", lwm2m::Lwm2mVersion::k1_1},
        {"1.2", lwm2m::Lwm2mVersion::k1_2}};

    const lwm2m::net::AddressFamily family = families.at(options.family);
    static Transports transports = [family] {
        return [family]<size_t... I>(std::index_sequence<I...>) {
            return Transports{((void)I, lwm2m::posix::UdpTransport(family))...};
        }
        (std::make_index_sequence<LWM2M_MAX_SERVERS>());
    }();
    static lwm2m::posix::SystemClock clock;
    std::array<lwm2m::net::Transport*, LWM2M_MAX_SERVERS> transport_list{};
    for (size_t i = 0; i < transports.size(); ++i) {
        transport_list[i] = &transports[i];
    }
#ifdef LWM2M_DEMO_DTLS
    // Every UDP transport goes through DTLS, which passes coap:// through.
    static demo::DtlsCredentials credentials;
    lwm2m::AccountSecurity security;
    const std::string security_error = demo::load_security(options.dtls, credentials, security);
    if (!security_error.empty()) {
        std::fprintf(stderr, "error: %s\n", security_error.c_str());
        return 2;
    }
    const lwm2m::mbedtls::DtlsOptions dtls_options =
        demo::transport_options(options.dtls, credentials);
    static std::array<std::unique_ptr<lwm2m::mbedtls::DtlsTransport>, LWM2M_MAX_SERVERS> dtls;
    for (size_t i = 0; i < transports.size(); ++i) {
        dtls[i] =
            std::make_unique<lwm2m::mbedtls::DtlsTransport>(transports[i], clock, dtls_options);
        transport_list[i] = dtls[i].get();
    }
#endif
    static lwm2m::posix::SystemRandom random;
    static lwm2m::Client client(transport_list, clock, random);

    lwm2m::ClientConfig config;
    config.endpoint_name = options.endpoint.c_str();
    // With --bootstrap alone, the factory configuration has no server account.
    const bool factory_server = options.bootstrap.empty() || app.count("--server") > 0;
    config.server_uri = factory_server ? options.server.c_str() : nullptr;
    config.bootstrap_server_uri = options.bootstrap.empty() ? nullptr : options.bootstrap.c_str();
    config.bootstrap_hold_off_s = options.bootstrap_hold_off_s;
#ifdef LWM2M_DEMO_DTLS
    const bool secure_server = factory_server && options.server.rfind("coaps://", 0) == 0;
    const bool secure_bootstrap = options.bootstrap.rfind("coaps://", 0) == 0;
    if (secure_server) {
        config.server_security = security;
    }
    if (secure_bootstrap) {
        config.bootstrap_server_security = security;
    }
    if (security.mode != lwm2m::net::SecurityMode::kNoSec && !secure_server && !secure_bootstrap) {
        std::fprintf(stderr,
                     "warning: DTLS credentials given, but no coaps:// URI uses them: the "
                     "client talks plain CoAP\n");
    }
#endif
    config.lifetime_s = options.lifetime_s;
    config.version = versions.at(options.version);
    config.queue_mode = options.queue_mode;
    config.queue_timeout_ms = static_cast<uint32_t>(options.queue_timeout_s * 1000);
    config.coap.ack_timeout_ms = options.ack_timeout_ms;
    config.coap.max_retransmit = static_cast<uint8_t>(options.max_retransmit);
    config.retry.retry_count = static_cast<uint8_t>(options.retry_count);
    config.retry.retry_timer_s = options.retry_timer_s;
    config.retry.sequence_retry_count = static_cast<uint8_t>(options.sequence_retry_count);
    config.retry.sequence_delay_s = options.sequence_delay_s;
    config.device.manufacturer = "lwm2m-cpp";
    config.device.model_number = "demo-client";
    config.device.serial_number = "0001";
    config.device.firmware_version = "0.1.0";
    config.device.reboot = on_reboot;
    config.device.provided_resources = demo::kDeviceResources;
    config.device.power_source_count = 1;
    config.device.read_resource = demo::read_device_resource;
    static demo::TemperatureSensor temperature(clock);
    if (!options.temperature_sequence.empty()) {
        temperature.set_sequence(options.temperature_sequence, options.temperature_period_ms);
    }
    static demo::ConnectivityMonitoring connectivity;
    static demo::AppDataContainer app_data;
    if (client.add_object(temperature) != lwm2m::Status::kOk ||
        client.add_object(connectivity) != lwm2m::Status::kOk ||
        client.add_object(app_data) != lwm2m::Status::kOk) {
        std::fprintf(stderr, "error: cannot add the demo objects (LWM2M_MAX_OBJECTS too small)\n");
        return 2;
    }
    static demo::InstanceList instance_list(options.test_instances);
    if (options.test_instances > 0 && client.add_object(instance_list) != lwm2m::Status::kOk) {
        std::fprintf(stderr, "error: cannot add the test object (LWM2M_MAX_OBJECTS too small)\n");
        return 2;
    }
    // Both must outlive the client, like the client itself.
    static std::string state_directory;
    static std::string state_name;
    static std::unique_ptr<lwm2m::posix::FileStorage> storage;
    if (!options.state_file.empty()) {
        const std::filesystem::path path(options.state_file);
        state_directory = path.has_parent_path() ? path.parent_path().string() : ".";
        state_name = path.filename().string();
        const bool valid_name = !state_name.empty() && state_name.size() <= 32 &&
                                state_name.find_first_not_of(
                                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_.") == std::string::npos;
        if (!valid_name) {
            std::fprintf(stderr,
                         "error: --state-file name '%s' must be 1 to 32 letters, digits, '-', "
                         "'_' or '.'\n",
                         state_name.c_str());
            return 2;
        }
        if (!std::filesystem::is_directory(state_directory)) {
            std::fprintf(stderr, "error: --state-file directory %s does not exist\n",
                         state_directory.c_str());
            return 2;
        }
        storage = std::make_unique<lwm2m::posix::FileStorage>(state_directory.c_str());
        config.storage = storage.get();
        config.state_name = state_name.c_str();
    }

    // Firmware Update, with a transport of its own for pulls. It goes through
    // DTLS when the demo has it, which passes coap:// through.
    static std::unique_ptr<lwm2m::posix::UdpTransport> download_socket;
    static demo::FirmwareDemo firmware;
    if (!options.firmware.directory.empty()) {
        download_socket = std::make_unique<lwm2m::posix::UdpTransport>(family);
        lwm2m::net::Transport* download_transport = download_socket.get();
        bool coaps = false;
#ifdef LWM2M_DEMO_DTLS
        static lwm2m::mbedtls::DtlsTransport download_dtls(*download_socket, clock, dtls_options);
        download_transport = &download_dtls;
        coaps = true;
#endif
        const std::string error = firmware.add_to(client, options.firmware, *download_transport,
                                                  coaps, storage ? state_name : "");
        if (!error.empty()) {
            std::fprintf(stderr, "error: %s\n", error.c_str());
            return 2;
        }
        g_download_socket = download_socket.get();
    }
    const lwm2m::Status configured = client.configure(config);
    if (configured != lwm2m::Status::kOk) {
        std::fprintf(stderr, "error: invalid configuration: %s\n", lwm2m::to_string(configured));
        return 2;
    }

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t unblocked;
    sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    const lwm2m::SendFormat send_format = options.send_format == "json"
                                              ? lwm2m::SendFormat::kSenmlJson
                                              : lwm2m::SendFormat::kSenmlCbor;
    PeriodicSend periodic_send(client, temperature, options.send_period_s, send_format,
                               clock.monotonic_ms());
    const lwm2m::Path sensor_value = lwm2m::Path::resource(demo::TemperatureSensor::kObjectId, 0,
                                                           demo::TemperatureSensor::kSensorValue);
    while (g_stop_signal == 0) {
        // A change is reported before step(), which sends the notifications it makes due.
        if (temperature.update()) {
            client.value_changed(sensor_value);
        }
        const uint32_t until_send = periodic_send.step(clock.monotonic_ms());
        client.step();
        firmware.update_progress(clock.monotonic_ms());
        if (client.registration_state() == lwm2m::RegistrationState::kFailed) {
            std::fprintf(stderr, "error: registration or bootstrap failed after every retry\n");
            return 1;
        }
        const uint32_t wait_ms = std::min({client.time_until_next_step_ms(),
                                           temperature.time_until_next_sample_ms(), until_send});
        wait_for_event(transports, wait_ms, unblocked);
    }

    std::fprintf(stderr, "received signal %d, stopping (De-register if registered)\n",
                 static_cast<int>(g_stop_signal));
    client.deregister();
    const uint64_t give_up_ms = clock.monotonic_ms() + options.deregister_timeout_s * 1000ull;
    while (client.registration_state() != lwm2m::RegistrationState::kDeregistered &&
           clock.monotonic_ms() < give_up_ms) {
        client.step();
        // Stop once the De-register completed, and before the unsigned time left wraps.
        const uint64_t now = clock.monotonic_ms();
        if (client.registration_state() == lwm2m::RegistrationState::kDeregistered ||
            now >= give_up_ms) {
            break;
        }
        const uint64_t left = give_up_ms - now;
        uint32_t wait = client.time_until_next_step_ms();
        wait = wait > left ? static_cast<uint32_t>(left) : wait;
        wait_for_event(transports, wait, unblocked);
    }
#ifdef LWM2M_DEMO_DTLS
    for (const auto& transport : dtls) {
        const lwm2m::mbedtls::DtlsStatistics& counts = transport->statistics();
        if (counts.full_handshakes + counts.resumed_handshakes + counts.failed_handshakes > 0) {
            std::fprintf(stderr,
                         "DTLS handshakes with the LwM2M server: %u full, %u abbreviated, "
                         "%u failed\n",
                         counts.full_handshakes, counts.resumed_handshakes,
                         counts.failed_handshakes);
        }
    }
#endif
    if (client.registration_state() != lwm2m::RegistrationState::kDeregistered) {
        std::fprintf(stderr, "error: no De-register confirmation after %u s, exiting\n",
                     options.deregister_timeout_s);
        return 1;
    }
    return 0;
}
