// lwm2m-server: a test LwM2M server on libcoap. It accepts Register, Update and De-register
// on /rd, sends downlink commands read from stdin or a script, and prints every event as one
// JSON line on stdout.

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap_config.hpp"
#include "coap_server.hpp"
#include "command_runner.hpp"
#include "dtls_security.hpp"
#include "event_log.hpp"
#include "registry.hpp"

namespace {

using namespace lwm2m::server;

// Upper bound on one wait for network or input, so deadlines are checked at least this often.
constexpr double kMaxPollS = 1.0;
constexpr std::size_t kStdinChunk = 4096;

volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal) {
    g_stop_signal = signal;
}

void install_signal_handlers() {
    struct sigaction action = {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART, so a signal interrupts poll() and the loop exits promptly.
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

// Opens /dev/null on any of fds 0-2 that the parent left closed, so a socket that libcoap
// opens later cannot take its number. Returns false if stdin was closed.
bool reserve_standard_fds() {
    bool stdin_was_open = true;
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) {
            continue;
        }
        stdin_was_open = stdin_was_open && fd != STDIN_FILENO;
        const int null_fd = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (null_fd >= 0 && null_fd != fd) {
            dup2(null_fd, fd);
            close(null_fd);
        }
    }
    return stdin_was_open;
}

struct Options {
    std::vector<std::string> listen;
    std::uint16_t port = 5683;
    std::string events_path;
    std::string script_path;
    int log_level = LOG_WARNING;
    DownlinkSettings downlink;
    bool bootstrap = false;
    std::optional<std::uint16_t> bootstrap_port;
    std::string bootstrap_config_path;
    std::optional<std::uint16_t> dtls_port;
    std::optional<std::uint16_t> bootstrap_dtls_port;
    std::vector<std::string> psk;
    DtlsSettings dtls;
};

/// Splits standard input into lines as it arrives, without blocking.
class StdinReader {
  public:
    /// Reads what is available and hands each complete line to `runner`. At end of input,
    /// a last unterminated line is handed over too. Returns false at end of input.
    bool read(CommandRunner& runner) {
        char buffer[kStdinChunk];
        const ssize_t count = ::read(STDIN_FILENO, buffer, sizeof(buffer));
        if (count < 0 && errno == EINTR) {
            return true;
        }
        if (count <= 0) {
            if (!pending_.empty()) {
                runner.add_line(std::move(pending_));
                pending_.clear();
            }
            return false;
        }

        pending_.append(buffer, static_cast<std::size_t>(count));
        std::size_t newline = 0;
        while ((newline = pending_.find('\n')) != std::string::npos) {
            runner.add_line(pending_.substr(0, newline));
            pending_.erase(0, newline + 1);
        }
        return true;
    }

  private:
    std::string pending_;
};

void load_script(const std::string& path, CommandRunner& runner) {
    std::ifstream script(path);
    if (!script) {
        throw std::runtime_error("failed to open script '" + path + "'");
    }
    for (std::string line; std::getline(script, line);) {
        runner.add_line(line);
    }
}

/// Ports bound besides the plain --port, for the "listening" event.
struct ExtraPorts {
    std::optional<std::uint16_t> bootstrap;
    std::optional<std::uint16_t> dtls;
    std::optional<std::uint16_t> bootstrap_dtls;
};

void write_listening_event(EventLog& log, const std::vector<ListenAddress>& bound,
                           const Options& options, const ExtraPorts& ports) {
    Json event = log.make("listening");
    event["port"] = bound.front().port;
    event["bootstrap"] = options.bootstrap;
    if (options.bootstrap) {
        event["bootstrap_port"] = ports.bootstrap.value_or(bound.front().port);
    }
    if (ports.dtls) {
        event["dtls_port"] = *ports.dtls;
    }
    if (ports.bootstrap_dtls) {
        event["bootstrap_dtls_port"] = *ports.bootstrap_dtls;
    }
    Json addresses = Json::array();
    for (const ListenAddress& address : bound) {
        addresses.push_back({{"address", address.address}, {"port", address.port}});
    }
    event["addresses"] = addresses;
    log.write(event);
}

// Milliseconds until the earliest of the runner's deadline, the next lifetime expiry and
// kMaxPollS from now.
std::uint32_t poll_timeout_ms(const EventLog& log, const CommandRunner& runner,
                              Registry& registry) {
    const double now = log.now();
    double until = now + kMaxPollS;
    if (auto deadline = runner.deadline()) {
        until = std::min(until, *deadline);
    }
    if (auto expiry = registry.next_expiry()) {
        until = std::min(until, *expiry);
    }
    // Round up so a deadline has passed when poll() returns.
    return static_cast<std::uint32_t>(std::max(0.0, (until - now) * 1000.0) + 1.0);
}

int run_server(const Options& options) {
    bool stdin_open = reserve_standard_fds();
    EventLog log(options.events_path);
    coap_set_log_level(options.log_level);
    coap_dtls_set_log_level(options.log_level);

    std::optional<BootstrapConfig> bootstrap_config;
    if (!options.bootstrap_config_path.empty()) {
        bootstrap_config = BootstrapConfig::load(options.bootstrap_config_path);
    }
    BootstrapSettings bootstrap;
    bootstrap.enabled = options.bootstrap;
    bootstrap.config = bootstrap_config ? &*bootstrap_config : nullptr;

    Registry registry;
    CoapServer server(log, registry, options.downlink, bootstrap);
    CommandRunner runner(log, registry, server);
    if (!options.script_path.empty()) {
        load_script(options.script_path, runner);
    }

    const std::vector<std::string> addresses =
        options.listen.empty() ? std::vector<std::string>{"0.0.0.0", "::"} : options.listen;
    const std::vector<ListenAddress> bound = server.listen(addresses, options.port);
    ExtraPorts ports;
    if (options.bootstrap_port) {
        ports.bootstrap = server.listen(addresses, *options.bootstrap_port).front().port;
        server.add_bootstrap_port(*ports.bootstrap);
    }
    if (options.dtls_port || options.bootstrap_dtls_port) {
        server.enable_dtls(options.dtls);
    }
    if (options.dtls_port) {
        ports.dtls = server.listen(addresses, *options.dtls_port, COAP_PROTO_DTLS).front().port;
    }
    if (options.bootstrap_dtls_port) {
        ports.bootstrap_dtls =
            server.listen(addresses, *options.bootstrap_dtls_port, COAP_PROTO_DTLS).front().port;
        server.add_bootstrap_port(*ports.bootstrap_dtls);
    }
    write_listening_event(log, bound, options, ports);

    StdinReader stdin_reader;
    if (!stdin_open) {
        runner.close_input();
    }
    while (g_stop_signal == 0) {
        runner.run();
        if (runner.quit_requested()) {
            break;
        }
        server.flush_held_commands();
        server.run_bootstrap_plans();
        server.expire_registrations();

        // After end of input the server exits once every sent request has its response or
        // timeout, which libcoap bounds by its retransmission limit.
        if (runner.done() && !server.awaits_responses()) {
            break;
        }

        const std::uint32_t timeout_ms = poll_timeout_ms(log, runner, registry);
        const bool stdin_ready = server.process_io(timeout_ms, stdin_open ? STDIN_FILENO : -1);
        if (stdin_ready && !stdin_reader.read(runner)) {
            stdin_open = false;
            runner.close_input();
        }
    }

    server.drop_held_commands();
    return 0;
}

// Parses the --psk values into options.dtls and checks that the DTLS options fit together.
// Returns the usage error, or nullopt.
std::optional<std::string> check_dtls_options(Options& options) {
    for (std::size_t i = 0; i < options.psk.size(); ++i) {
        try {
            auto [identity, key] = parse_psk(options.psk[i]);
            if (!options.dtls.psk_keys.emplace(identity, std::move(key)).second) {
                return "--psk: identity '" + identity + "' is given twice";
            }
        } catch (const std::invalid_argument& error) {
            // The value contains the key, so the message gives only its position.
            return "--psk number " + std::to_string(i + 1) + ": " + error.what();
        }
    }

    DtlsSettings& dtls = options.dtls;
    if (dtls.certificate_path.empty() != dtls.private_key_path.empty()) {
        return "--certificate and --private-key must be given together";
    }
    const bool has_credentials = dtls.has_psk() || dtls.has_certificate();
    const bool has_dtls_port = options.dtls_port || options.bootstrap_dtls_port;
    if (has_dtls_port && !has_credentials) {
        return "--dtls-port and --bootstrap-dtls-port need --psk or --certificate";
    }
    if (has_credentials && !has_dtls_port) {
        return "--psk and --certificate need --dtls-port or --bootstrap-dtls-port";
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Test LwM2M server: accepts Register, Update and De-register on /rd and Send on /dp "
        "(or Bootstrap-Request with --bootstrap), sends commands "
        "read from stdin or --script to registered clients, and prints each event as one "
        "JSON line on stdout."};

    Options options;
    app.add_option("--listen", options.listen,
                   "UDP address to listen on; repeat for several (default: 0.0.0.0 and ::)");
    app.add_option("--port", options.port, "UDP port; 0 picks a free port (default: 5683)");
    app.add_option("--events", options.events_path, "also append every event line to this file");
    app.add_option("--script", options.script_path,
                   "run the commands in this file before those from stdin")
        ->check(CLI::ExistingFile);

    app.add_option("--ack-timeout", options.downlink.ack_timeout_s,
                   "CoAP ACK_TIMEOUT for downlink requests, in seconds, at least 1 "
                   "(default: 2)")
        ->check(CLI::Range(1.0, 60.0));
    app.add_option("--max-retransmit", options.downlink.max_retransmit,
                   "CoAP MAX_RETRANSMIT for downlink requests (default: 4)")
        ->check(CLI::Range(0, 20));
    app.add_option("--awake-time", options.downlink.awake_time_s,
                   "seconds after a message from a Queue Mode client during which commands "
                   "for it are sent at once instead of held (default: 0)")
        ->check(CLI::Range(0.0, 86400.0));
    app.add_option("--block-size", options.downlink.block_size,
                   "preferred Block1 size in bytes for downlink payloads: 16, 32, 64, 128, "
                   "256, 512 or 1024 (default: 1024)")
        ->check(CLI::IsMember({16, 32, 64, 128, 256, 512, 1024}));

    app.add_flag("--bootstrap", options.bootstrap,
                 "act as LwM2M Bootstrap-Server: accept Bootstrap-Request (POST /bs) and run "
                 "the bootstrap-* commands");
    app.add_option("--bootstrap-port", options.bootstrap_port,
                   "serve the Bootstrap interface on this UDP port and Register on --port; 0 "
                   "picks a free port (default: Bootstrap interface alone on --port)")
        ->needs("--bootstrap");
    app.add_option("--bootstrap-config", options.bootstrap_config_path,
                   "JSON file with the operations to send after a Bootstrap-Request")
        ->check(CLI::ExistingFile)
        ->needs("--bootstrap");

    app.add_option("--dtls-port", options.dtls_port,
                   "also serve coaps:// (DTLS 1.2) on this UDP port of every --listen address; 0 "
                   "picks a free port. Needs --psk or --certificate");
    app.add_option("--bootstrap-dtls-port", options.bootstrap_dtls_port,
                   "with --bootstrap-port: also serve the Bootstrap interface over DTLS on this "
                   "UDP port; 0 picks a free port")
        ->needs("--bootstrap-port");
    app.add_option("--psk", options.psk,
                   "PSK credentials IDENTITY:HEXKEY for the DTLS endpoints; repeat for several "
                   "clients");
    app.add_option("--certificate", options.dtls.certificate_path,
                   "PEM file of the server certificate for the DTLS endpoints")
        ->check(CLI::ExistingFile);
    app.add_option("--private-key", options.dtls.private_key_path,
                   "PEM file of the private key of --certificate")
        ->check(CLI::ExistingFile);
    app.add_option("--ca", options.dtls.ca_path,
                   "PEM file of the CA that client certificates must chain to; with it the "
                   "server requires a client certificate in certificate mode")
        ->check(CLI::ExistingFile)
        ->needs("--certificate");

    const std::map<std::string, int> levels = {
        {"emerg", LOG_EMERG},  {"alert", LOG_ALERT},   {"crit", LOG_CRIT}, {"err", LOG_ERR},
        {"warn", LOG_WARNING}, {"notice", LOG_NOTICE}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
    };
    app.add_option("--log-level", options.log_level,
                   "libcoap log level on stderr: emerg, alert, crit, err, warn, notice, info, "
                   "debug or 0-7 (default: warn)")
        ->transform(CLI::CheckedTransformer(levels, CLI::ignore_case));

    CLI11_PARSE(app, argc, argv);
    if (options.bootstrap_port && *options.bootstrap_port != 0 &&
        *options.bootstrap_port == options.port) {
        std::fprintf(stderr, "lwm2m-server: --bootstrap-port must differ from --port (both %u)\n",
                     static_cast<unsigned>(options.port));
        return 2;
    }
    if (const auto error = check_dtls_options(options)) {
        std::fprintf(stderr, "lwm2m-server: %s\n", error->c_str());
        return 2;
    }
    install_signal_handlers();

    try {
        return run_server(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "lwm2m-server: %s\n", error.what());
        return 1;
    }
}
