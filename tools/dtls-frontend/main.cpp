// lwm2m-dtls-frontend: a DTLS 1.2 server on mbedTLS 3.6 with Connection ID (RFC 9146) in
// front of a plain CoAP server. It terminates DTLS from LwM2M clients, forwards the
// plaintext datagrams of each session over its own UDP socket to the backend, and prints
// every event as one JSON line on stdout.

#include <mbedtls/version.h>
#include <psa/crypto.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "dtls_server_config.hpp"
#include "event_log.hpp"
#include "frontend.hpp"
#include "socket_address.hpp"

#if !defined(MBEDTLS_SSL_DTLS_CONNECTION_ID) || MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT != 0
#error "the front end needs mbedTLS with RFC 9146 Connection ID (MBEDTLS_SSL_DTLS_CONNECTION_ID)"
#endif

namespace {

using namespace lwm2m::dtls_frontend;

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

struct Options {
    std::string listen = "0.0.0.0";
    std::uint16_t port = 5684;
    std::string backend = "127.0.0.1:5683";
    std::vector<std::string> psks;
    unsigned session_timeout_s = 300;
    std::size_t max_sessions = 1000;
    DtlsSettings dtls;
};

void write_listening_event(EventLog& log, const Frontend& frontend, const Options& options) {
    Json event = log.make("listening");
    event["port"] = frontend.bound().port();
    event["address"] = frontend.bound().to_string();
    event["backend"] = options.backend;
    event["cid"] = options.dtls.connection_id;
    event["cid_length"] = options.dtls.connection_id ? options.dtls.cid_length : 0;
    event["mbedtls"] = MBEDTLS_VERSION_STRING;
    log.write(event);
}

int run_frontend(Options& options) {
    for (const std::string& psk : options.psks) {
        options.dtls.psks.push_back(parse_psk(psk));
    }

    FrontendSettings settings;
    settings.listen = make_address(options.listen, options.port);
    settings.backend = parse_host_port(options.backend);
    settings.session_timeout = std::chrono::seconds(options.session_timeout_s);
    settings.max_sessions = options.max_sessions;

    const psa_status_t psa_status = psa_crypto_init();
    if (psa_status != PSA_SUCCESS) {
        throw std::runtime_error("psa_crypto_init failed: " + std::to_string(psa_status));
    }

    {
        EventLog log("");
        DtlsServerConfig config(options.dtls);
        Frontend frontend(config, settings, log);
        write_listening_event(log, frontend, options);
        frontend.run(g_stop_signal);
    }
    mbedtls_psa_crypto_free();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "DTLS 1.2 front end on mbedTLS " MBEDTLS_VERSION_STRING
        " for a plain CoAP server: terminates DTLS with Connection ID (RFC 9146) from LwM2M "
        "clients, forwards each session's CoAP datagrams over its own UDP socket to "
        "--backend, and prints each event as one JSON line on stdout."};

    Options options;
    app.add_option("--listen", options.listen,
                   "numeric IPv4 or IPv6 address to listen on (default: 0.0.0.0)");
    app.add_option("--port", options.port,
                   "UDP port; 0 picks a free port, which the listening event reports "
                   "(default: 5684)");
    app.add_option("--backend", options.backend,
                   "CoAP server that receives the plaintext, as HOST:PORT or [IPV6]:PORT "
                   "(default: 127.0.0.1:5683)");
    app.add_option("--psk", options.psks,
                   "pre-shared key as IDENTITY:HEXKEY; repeat for several clients");
    app.add_option("--certificate", options.dtls.certificate_path,
                   "PEM file with the server certificate (needs --private-key)")
        ->check(CLI::ExistingFile);
    app.add_option("--private-key", options.dtls.private_key_path,
                   "PEM file with the private key of --certificate")
        ->check(CLI::ExistingFile)
        ->needs("--certificate");
    app.add_option("--ca", options.dtls.ca_path,
                   "PEM file with the CA certificates that sign client certificates; when "
                   "given, clients must present a certificate")
        ->check(CLI::ExistingFile)
        ->needs("--certificate");
    app.add_flag("--cid,!--no-cid", options.dtls.connection_id,
                 "offer DTLS Connection ID (RFC 9146) to clients (default: on)");
    app.add_option("--cid-length", options.dtls.cid_length,
                   "length in bytes of the Connection ID that the front end assigns to each "
                   "session, 4 to 8 (default: 6)")
        ->check(CLI::Range(4, 8));
    app.add_option("--session-timeout", options.session_timeout_s,
                   "seconds without a datagram in either direction after which a session is "
                   "dropped (default: 300)")
        ->check(CLI::Range(1, 86400));
    app.add_option("--max-sessions", options.max_sessions,
                   "maximum number of sessions; further handshakes fail (default: 1000)")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--handshake-timeout-min", options.dtls.handshake_timeout_min_ms,
                   "first handshake retransmission timeout in milliseconds, doubled per "
                   "retransmission (default: 1000)")
        ->check(CLI::Range(100, 60000));
    app.add_option("--handshake-timeout-max", options.dtls.handshake_timeout_max_ms,
                   "retransmission timeout in milliseconds after which a handshake fails "
                   "(default: 60000)")
        ->check(CLI::Range(100, 600000));
    app.add_option("--cache-size", options.dtls.cache_entries,
                   "sessions kept for resumption with a session ID (default: 128)")
        ->check(CLI::Range(1, 100000));
    app.add_flag("!--no-resumption", options.dtls.resumption,
                 "keep no session cache, so every handshake is a full one (default: resume "
                 "sessions from the cache)");

    CLI11_PARSE(app, argc, argv);
    if (options.dtls.handshake_timeout_max_ms < options.dtls.handshake_timeout_min_ms) {
        std::fprintf(stderr,
                     "lwm2m-dtls-frontend: --handshake-timeout-max (%u ms) is below "
                     "--handshake-timeout-min (%u ms)\n",
                     options.dtls.handshake_timeout_max_ms, options.dtls.handshake_timeout_min_ms);
        return 2;
    }
    install_signal_handlers();

    try {
        return run_frontend(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "lwm2m-dtls-frontend: %s\n", error.what());
        return 1;
    }
}
