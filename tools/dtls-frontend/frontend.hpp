#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dtls_server_config.hpp"
#include "event_log.hpp"
#include "session.hpp"
#include "socket_address.hpp"

namespace lwm2m::dtls_frontend {

struct FrontendSettings {
    SocketAddress listen;
    SocketAddress backend;
    std::chrono::seconds session_timeout{300};  // idle time after which a session is dropped
    std::size_t max_sessions = 1000;
};

/// The DTLS front end: one listening UDP socket for all clients, one session per DTLS
/// association, and a single-threaded poll() loop that moves datagrams between the clients
/// and the backend.
///
/// A datagram goes to a session by its Connection ID when it is a tls12_cid record (DTLS
/// content type 25), and otherwise by the address it came from. A ClientHello from an
/// unknown address, or from the address of a session whose handshake is over, starts a new
/// context, which only replaces the old session once the client has returned a valid cookie.
class Frontend {
  public:
    /// Binds the listening socket.
    /// Throws std::system_error if the socket cannot be created or bound.
    Frontend(DtlsServerConfig& config, const FrontendSettings& settings, EventLog& log);
    ~Frontend();

    Frontend(const Frontend&) = delete;
    Frontend& operator=(const Frontend&) = delete;

    /// Bound listening address, with the port the system picked for port 0.
    const SocketAddress& bound() const { return bound_; }

    /// Runs the poll loop until `stop` is non-zero, then sends close_notify to every
    /// established session and writes a "stopped" event.
    void run(const volatile std::sig_atomic_t& stop);

  private:
    void receive_from_clients();
    void handle_client_datagram(std::span<const std::uint8_t> datagram, const SocketAddress& from);
    void start_handshake(std::span<const std::uint8_t> datagram, const SocketAddress& from);
    void deliver(Session& session, std::span<const std::uint8_t> datagram,
                 const SocketAddress& from);
    void step_handshake(Session& session);
    void complete_handshake(Session& session);
    void read_records(Session& session, const SocketAddress& from,
                      std::optional<std::uint64_t> record_number);
    void update_peer(Session& session, const SocketAddress& from,
                     std::optional<std::uint64_t> record_number);
    void forward_to_backend(Session& session, std::span<const std::uint8_t> plaintext);
    void receive_from_backend(Session& session);

    void add_session(std::unique_ptr<Session> session);
    void fail(Session& session, int status, bool indexed);
    void close_session(Session& session, std::string_view reason);
    void remove_closed_sessions();
    void service_timers();
    void expire_idle_sessions();
    void shut_down();
    int poll_timeout_ms() const;
    std::vector<std::uint8_t> new_cid();

    Json session_event(std::string_view name, const Session& session) const;

    DtlsServerConfig& config_;
    FrontendSettings settings_;
    EventLog& log_;
    int listen_fd_ = -1;
    SocketAddress bound_;

    std::vector<std::unique_ptr<Session>> sessions_;
    // Sessions that end in this loop pass, with the reason, removed by remove_closed_sessions().
    std::map<Session*, std::string> closing_;
    std::map<std::string, Session*> by_address_;
    std::map<std::vector<std::uint8_t>, Session*> by_cid_;

    std::uint64_t hello_verify_requests_ = 0;
    std::uint64_t dropped_datagrams_ = 0;
    std::uint64_t handshakes_ = 0;
};

}  // namespace lwm2m::dtls_frontend
