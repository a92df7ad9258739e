#pragma once

#include <mbedtls/ssl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dtls_server_config.hpp"
#include "socket_address.hpp"

namespace lwm2m::dtls_frontend {

using Clock = std::chrono::steady_clock;

/// Datagram and byte counts of one session, reported when it closes.
struct SessionCounters {
    std::uint64_t datagrams_in = 0;  // DTLS datagrams from the client
    std::uint64_t bytes_in = 0;
    std::uint64_t datagrams_out = 0;  // DTLS datagrams to the client
    std::uint64_t bytes_out = 0;
    std::uint64_t coap_to_backend = 0;  // plaintext datagrams forwarded
    std::uint64_t coap_from_backend = 0;
};

/// One DTLS association with a client: its mbedTLS context, which sends through the shared
/// listening socket to the client's current address and reads the one datagram handed to
/// it, and its own connected UDP socket to the CoAP backend.
class Session {
  public:
    /// Sets up the context with `cid` as its own Connection ID (empty with --no-cid) and
    /// the peer address as the cookie's transport ID.
    /// Throws std::runtime_error if mbedTLS rejects a setting.
    Session(DtlsServerConfig& config, int listen_fd, const SocketAddress& peer,
            std::vector<std::uint8_t> cid);
    ~Session();

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Hands one received datagram to the context, for the next handshake() or read().
    void set_input(std::span<const std::uint8_t> datagram);

    /// Runs mbedtls_ssl_handshake() with the session cache callbacks reporting to this
    /// session. Returns its status.
    int handshake();

    /// Returns whether the handshake has finished.
    bool handshake_over();

    /// Returns whether the last completed handshake resumed a cached session. mbedTLS 3.6
    /// has no public getter, so this relies on the session cache callbacks. The server
    /// calls f_get_cache with the ClientHello's session ID. It calls f_set_cache at the end
    /// of every full handshake whose session has an ID, and never after a resumption.
    /// Without session tickets every session has an ID.
    bool resumed() const { return record_.session_restored && !record_.session_stored; }

    /// PSK identity, or the subject of the client certificate. Empty if neither is known.
    std::string identity();

    /// Returns whether the peer agreed to use Connection ID in this session.
    bool cid_negotiated();

    mbedtls_ssl_context* ssl() { return &ssl_; }

    const SocketAddress& peer() const { return peer_; }
    void set_peer(const SocketAddress& peer) { peer_ = peer; }
    const std::vector<std::uint8_t>& cid() const { return cid_; }
    /// Drops the session's own CID, for a client that did not negotiate its use.
    void clear_cid() { cid_.clear(); }

    /// Opens a UDP socket connected to `backend`. Returns false and sets errno on failure.
    bool open_backend(const SocketAddress& backend);
    int backend_fd() const { return backend_fd_; }

    /// Time when the handshake retransmission timer expires, if it runs.
    std::optional<Clock::time_point> timer_deadline() const;

    SessionCounters counters;
    Clock::time_point last_activity;
    // Highest (epoch << 48 | sequence number) of a single-record datagram that authenticated.
    std::uint64_t highest_record = 0;

  private:
    static int send_datagram(void* self, const unsigned char* data, std::size_t length);
    static int receive_datagram(void* self, unsigned char* buffer, std::size_t length);
    static void set_timer(void* self, std::uint32_t intermediate_ms, std::uint32_t final_ms);
    static int get_timer(void* self);

    DtlsServerConfig& config_;
    int listen_fd_;
    SocketAddress peer_;
    std::vector<std::uint8_t> cid_;
    int backend_fd_ = -1;
    mbedtls_ssl_context ssl_;
    HandshakeRecord record_;

    std::vector<std::uint8_t> input_;
    bool input_pending_ = false;

    bool timer_running_ = false;
    Clock::time_point timer_start_;
    std::chrono::milliseconds timer_intermediate_{0};
    std::chrono::milliseconds timer_final_{0};
};

}  // namespace lwm2m::dtls_frontend
