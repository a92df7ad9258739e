#include "frontend.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace lwm2m::dtls_frontend {

namespace {

// DTLS 1.2 record layer (RFC 6347, 4.1, and RFC 9146, 4): type (1), version (2), epoch (2),
// sequence number (6), then the CID in tls12_cid records, then the length (2).
constexpr std::uint8_t kContentTypeHandshake = 22;
constexpr std::uint8_t kContentTypeTls12Cid = 25;
constexpr std::size_t kRecordHeaderSize = 13;
constexpr std::size_t kCidOffset = 11;
constexpr std::uint8_t kHandshakeTypeClientHello = 1;

// Bounds on the work of one loop pass, so neither side can starve the other.
constexpr int kMaxDatagramsPerPass = 64;
constexpr int kMaxRecordsPerDatagram = 64;
constexpr int kMaxCidAttempts = 8;
constexpr std::chrono::milliseconds kMaxPollWait{1000};
constexpr std::size_t kDatagramBufferSize = 65536;

bool is_client_hello(std::span<const std::uint8_t> datagram) {
    return datagram.size() > kRecordHeaderSize && datagram[0] == kContentTypeHandshake &&
           datagram[3] == 0 && datagram[4] == 0 &&
           datagram[kRecordHeaderSize] == kHandshakeTypeClientHello;
}

// Returns epoch << 48 | sequence number of the only record in `datagram`, or nothing if
// the datagram contains more than one record or a truncated one.
std::optional<std::uint64_t> single_record_number(std::span<const std::uint8_t> datagram,
                                                  std::size_t cid_length) {
    const std::size_t cid_size =
        datagram.empty() || datagram[0] != kContentTypeTls12Cid ? 0 : cid_length;
    const std::size_t header_size = kRecordHeaderSize + cid_size;
    if (datagram.size() < header_size) {
        return std::nullopt;
    }

    const std::size_t length_offset = kCidOffset + cid_size;
    const std::size_t length =
        (std::size_t{datagram[length_offset]} << 8) | datagram[length_offset + 1];
    if (header_size + length != datagram.size()) {
        return std::nullopt;
    }

    std::uint64_t number = 0;
    for (std::size_t i = 3; i < kCidOffset; ++i) {
        number = (number << 8) | datagram[i];
    }
    return number;
}

}  // namespace

Frontend::Frontend(DtlsServerConfig& config, const FrontendSettings& settings, EventLog& log)
    : config_(config), settings_(settings), log_(log) {
    listen_fd_ = socket(settings_.listen.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "failed to create UDP socket");
    }
    if (bind(listen_fd_, settings_.listen.data(), settings_.listen.length) != 0) {
        const int error = errno;
        close(listen_fd_);
        throw std::system_error(error, std::generic_category(),
                                "failed to bind " + settings_.listen.to_string());
    }

    bound_.length = sizeof(bound_.storage);
    getsockname(listen_fd_, bound_.data(), &bound_.length);
}

Frontend::~Frontend() {
    sessions_.clear();
    if (listen_fd_ >= 0) {
        close(listen_fd_);
    }
}

void Frontend::run(const volatile std::sig_atomic_t& stop) {
    std::vector<pollfd> descriptors;
    std::vector<Session*> backend_sessions;

    while (stop == 0) {
        descriptors.clear();
        backend_sessions.clear();
        descriptors.push_back({listen_fd_, POLLIN, 0});
        for (const auto& session : sessions_) {
            if (session->backend_fd() >= 0) {
                descriptors.push_back({session->backend_fd(), POLLIN, 0});
                backend_sessions.push_back(session.get());
            }
        }

        const int ready = poll(descriptors.data(), descriptors.size(), poll_timeout_ms());
        if (ready < 0 && errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "poll failed");
        }

        if (ready > 0) {
            if (descriptors[0].revents != 0) {
                receive_from_clients();
            }
            for (std::size_t i = 0; i < backend_sessions.size(); ++i) {
                Session* session = backend_sessions[i];
                if (descriptors[i + 1].revents != 0 && !closing_.contains(session)) {
                    receive_from_backend(*session);
                }
            }
        }

        service_timers();
        expire_idle_sessions();
        remove_closed_sessions();
    }

    shut_down();
}

void Frontend::receive_from_clients() {
    std::vector<std::uint8_t> buffer(kDatagramBufferSize);
    for (int i = 0; i < kMaxDatagramsPerPass; ++i) {
        SocketAddress from;
        from.length = sizeof(from.storage);
        const ssize_t received =
            recvfrom(listen_fd_, buffer.data(), buffer.size(), 0, from.data(), &from.length);
        if (received < 0) {
            // EAGAIN ends the batch. Other errors, such as ICMP port unreachable reported
            // for an earlier send, concern one peer and must not stop the loop.
            return;
        }
        handle_client_datagram({buffer.data(), static_cast<std::size_t>(received)}, from);
    }
}

void Frontend::handle_client_datagram(std::span<const std::uint8_t> datagram,
                                      const SocketAddress& from) {
    const std::size_t cid_length = config_.settings().cid_length;
    if (config_.settings().connection_id && !datagram.empty() &&
        datagram[0] == kContentTypeTls12Cid) {
        if (datagram.size() < kRecordHeaderSize + cid_length) {
            dropped_datagrams_ += 1;
            return;
        }

        const std::vector<std::uint8_t> cid(datagram.begin() + kCidOffset,
                                            datagram.begin() + kCidOffset + cid_length);
        const auto found = by_cid_.find(cid);
        if (found == by_cid_.end() || closing_.contains(found->second)) {
            dropped_datagrams_ += 1;
            return;
        }
        deliver(*found->second, datagram, from);
        return;
    }

    const auto found = by_address_.find(from.to_string());
    const bool known = found != by_address_.end() && !closing_.contains(found->second);

    // RFC 6347, 4.2.8: a ClientHello from the address of an established association starts
    // a new handshake. The old session stays until the client returns a valid cookie.
    // During a handshake the ClientHello is more likely a retransmission, so the session
    // gets it.
    if (is_client_hello(datagram) && (!known || found->second->handshake_over())) {
        start_handshake(datagram, from);
        return;
    }
    if (!known) {
        dropped_datagrams_ += 1;
        return;
    }
    deliver(*found->second, datagram, from);
}

void Frontend::start_handshake(std::span<const std::uint8_t> datagram, const SocketAddress& from) {
    std::unique_ptr<Session> session;
    try {
        session = std::make_unique<Session>(config_, listen_fd_, from, new_cid());
    } catch (const std::runtime_error& error) {
        Json event = log_.make("dtls_failed");
        event["peer"] = from.to_string();
        event["reason"] = error.what();
        log_.write(event);
        return;
    }
    session->counters.datagrams_in += 1;
    session->counters.bytes_in += datagram.size();
    session->set_input(datagram);

    const int status = session->handshake();
    if (status == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
        // The context is dropped, which keeps the server stateless until the client
        // proves it receives at its address.
        hello_verify_requests_ += 1;
        return;
    }
    if (status != 0 && status != MBEDTLS_ERR_SSL_WANT_READ &&
        status != MBEDTLS_ERR_SSL_WANT_WRITE) {
        fail(*session, status, false);
        return;
    }

    if (sessions_.size() >= settings_.max_sessions) {
        Json event = session_event("dtls_failed", *session);
        event["reason"] =
            "too many sessions (--max-sessions " + std::to_string(settings_.max_sessions) + ")";
        log_.write(event);
        return;
    }

    const auto old = by_address_.find(from.to_string());
    if (old != by_address_.end() && !closing_.contains(old->second)) {
        close_session(*old->second, "replaced by a new handshake");
    }

    Session& added = *session;
    add_session(std::move(session));
    if (status == 0) {
        complete_handshake(added);
    }
}

void Frontend::deliver(Session& session, std::span<const std::uint8_t> datagram,
                       const SocketAddress& from) {
    session.counters.datagrams_in += 1;
    session.counters.bytes_in += datagram.size();
    session.last_activity = Clock::now();
    session.set_input(datagram);

    if (!session.handshake_over()) {
        step_handshake(session);
        return;
    }
    read_records(session, from, single_record_number(datagram, config_.settings().cid_length));
}

void Frontend::step_handshake(Session& session) {
    const int status = session.handshake();
    if (status == 0) {
        complete_handshake(session);
        return;
    }
    if (status != MBEDTLS_ERR_SSL_WANT_READ && status != MBEDTLS_ERR_SSL_WANT_WRITE) {
        fail(session, status, true);
    }
}

void Frontend::complete_handshake(Session& session) {
    handshakes_ += 1;
    const bool cid_used = session.cid_negotiated();

    Json event = log_.make("dtls_handshake");
    event["peer"] = session.peer().to_string();
    event["resumed"] = session.resumed();
    event["cid"] = cid_used ? to_hex(session.cid()) : "";
    event["identity"] = session.identity();
    event["ciphersuite"] = mbedtls_ssl_get_ciphersuite(session.ssl());
    log_.write(event);

    // A client that did not negotiate a CID is reached only by its address.
    if (!cid_used && !session.cid().empty()) {
        by_cid_.erase(session.cid());
        session.clear_cid();
    }

    if (!session.open_backend(settings_.backend)) {
        Json error = session_event("error", session);
        error["message"] = "failed to open a socket to the backend " +
                           settings_.backend.to_string() + ": " + std::strerror(errno);
        log_.write(error);
        close_session(session, "backend socket failed");
        return;
    }

    // The datagram that finished the handshake may carry application data records too.
    read_records(session, session.peer(), std::nullopt);
}

void Frontend::read_records(Session& session, const SocketAddress& from,
                            std::optional<std::uint64_t> record_number) {
    std::vector<std::uint8_t> plaintext(kDatagramBufferSize);
    for (int i = 0; i < kMaxRecordsPerDatagram; ++i) {
        const int status = mbedtls_ssl_read(session.ssl(), plaintext.data(), plaintext.size());
        if (status > 0) {
            update_peer(session, from, record_number);
            forward_to_backend(session, {plaintext.data(), static_cast<std::size_t>(status)});
            continue;
        }

        if (status == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            close_session(session, "close_notify");
        } else if (status == MBEDTLS_ERR_SSL_CLIENT_RECONNECT) {
            // handle_client_datagram() sends such ClientHellos to a new context, so mbedTLS
            // should not see them here.
            close_session(session, "client reconnect");
        } else if (status < 0 && status != MBEDTLS_ERR_SSL_WANT_READ &&
                   status != MBEDTLS_ERR_SSL_WANT_WRITE) {
            fail(session, status, true);
        }
        return;
    }
}

// RFC 9146, 6: the peer address changes only after a record authenticates and only if that
// record is newer than any before, so a delayed datagram cannot move the session back.
// mbedtls_ssl_read() returning data is the proof of authentication. The record number is
// only known for single-record datagrams, so only those can change the address.
void Frontend::update_peer(Session& session, const SocketAddress& from,
                           std::optional<std::uint64_t> record_number) {
    const bool newer = record_number && *record_number > session.highest_record;
    if (newer) {
        session.highest_record = *record_number;
    }

    const std::string old_key = session.peer().to_string();
    const std::string new_key = from.to_string();
    if (new_key == old_key || !newer) {
        return;
    }

    const auto old_entry = by_address_.find(old_key);
    if (old_entry != by_address_.end() && old_entry->second == &session) {
        by_address_.erase(old_entry);
    }
    // A session that still has this address loses it: its client has moved on, and it
    // remains reachable by its CID.
    by_address_[new_key] = &session;
    session.set_peer(from);

    Json event = log_.make("peer_address_changed");
    event["old"] = old_key;
    event["new"] = new_key;
    event["cid"] = to_hex(session.cid());
    log_.write(event);
}

void Frontend::forward_to_backend(Session& session, std::span<const std::uint8_t> plaintext) {
    if (send(session.backend_fd(), plaintext.data(), plaintext.size(), 0) < 0) {
        Json event = session_event("error", session);
        event["message"] =
            std::string("failed to forward a datagram to the backend: ") + std::strerror(errno);
        log_.write(event);
        return;
    }
    session.counters.coap_to_backend += 1;
}

void Frontend::receive_from_backend(Session& session) {
    std::vector<std::uint8_t> buffer(kDatagramBufferSize);
    for (int i = 0; i < kMaxDatagramsPerPass; ++i) {
        const ssize_t received = recv(session.backend_fd(), buffer.data(), buffer.size(), 0);
        if (received < 0) {
            // EAGAIN ends the batch, and ECONNREFUSED reports an earlier datagram that no
            // backend received, which the CoAP layer of the client retransmits.
            return;
        }
        session.last_activity = Clock::now();

        const int max_payload = mbedtls_ssl_get_max_out_record_payload(session.ssl());
        if (max_payload >= 0 && received > max_payload) {
            Json event = session_event("error", session);
            event["message"] = "datagram of " + std::to_string(received) +
                               " bytes from the backend exceeds the record payload limit of " +
                               std::to_string(max_payload) + " bytes, dropped";
            log_.write(event);
            continue;
        }

        const int status =
            mbedtls_ssl_write(session.ssl(), buffer.data(), static_cast<std::size_t>(received));
        if (status < 0) {
            Json event = session_event("error", session);
            event["message"] =
                "failed to send a record to the client: " + describe_mbedtls_error(status);
            log_.write(event);
            continue;
        }
        session.counters.coap_from_backend += 1;
    }
}

void Frontend::add_session(std::unique_ptr<Session> session) {
    by_address_[session->peer().to_string()] = session.get();
    if (!session->cid().empty()) {
        by_cid_[session->cid()] = session.get();
    }
    sessions_.push_back(std::move(session));
}

// Writes a "dtls_failed" event. An indexed session also closes, while a context that never
// passed the cookie exchange is simply dropped by its owner.
void Frontend::fail(Session& session, int status, bool indexed) {
    Json event = session_event("dtls_failed", session);
    event["reason"] = describe_mbedtls_error(status);
    event["identity"] = session.identity();
    event["handshake_over"] = session.handshake_over();
    log_.write(event);
    if (indexed) {
        close_session(session, "failed");
    }
}

void Frontend::close_session(Session& session, std::string_view reason) {
    closing_.emplace(&session, std::string(reason));
}

void Frontend::remove_closed_sessions() {
    if (closing_.empty()) {
        return;
    }

    for (const auto& [session, reason] : closing_) {
        Json event = session_event("session_closed", *session);
        event["reason"] = reason;
        const SessionCounters& counters = session->counters;
        event["datagrams_in"] = counters.datagrams_in;
        event["bytes_in"] = counters.bytes_in;
        event["datagrams_out"] = counters.datagrams_out;
        event["bytes_out"] = counters.bytes_out;
        event["coap_to_backend"] = counters.coap_to_backend;
        event["coap_from_backend"] = counters.coap_from_backend;
        log_.write(event);

        std::erase_if(by_address_,
                      [session](const auto& entry) { return entry.second == session; });
        std::erase_if(by_cid_, [session](const auto& entry) { return entry.second == session; });
    }

    std::erase_if(sessions_,
                  [this](const auto& session) { return closing_.contains(session.get()); });
    closing_.clear();
}

// Gives every handshake whose retransmission timer expired a step, in which mbedTLS
// resends its last flight or gives up after the maximum timeout.
void Frontend::service_timers() {
    const Clock::time_point now = Clock::now();
    for (std::size_t i = 0; i < sessions_.size(); ++i) {
        Session& session = *sessions_[i];
        const auto deadline = session.timer_deadline();
        if (deadline && *deadline <= now && !closing_.contains(&session) &&
            !session.handshake_over()) {
            step_handshake(session);
        }
    }
}

void Frontend::expire_idle_sessions() {
    const Clock::time_point now = Clock::now();
    for (const auto& session : sessions_) {
        if (now - session->last_activity >= settings_.session_timeout &&
            !closing_.contains(session.get())) {
            close_session(*session, "idle");
        }
    }
}

void Frontend::shut_down() {
    for (const auto& session : sessions_) {
        if (closing_.contains(session.get())) {
            continue;
        }
        if (session->handshake_over()) {
            // One attempt: a lost close_notify only makes the client notice later.
            (void)mbedtls_ssl_close_notify(session->ssl());
        }
        close_session(*session, "shutdown");
    }
    remove_closed_sessions();

    Json event = log_.make("stopped");
    event["handshakes"] = handshakes_;
    event["hello_verify_requests"] = hello_verify_requests_;
    event["dropped_datagrams"] = dropped_datagrams_;
    log_.write(event);
}

int Frontend::poll_timeout_ms() const {
    const Clock::time_point now = Clock::now();
    Clock::time_point until = now + kMaxPollWait;
    for (const auto& session : sessions_) {
        if (const auto deadline = session->timer_deadline()) {
            until = std::min(until, *deadline);
        }
        until = std::min(until, session->last_activity + settings_.session_timeout);
    }

    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now);
    // One millisecond more, so a deadline has passed when poll() returns.
    return static_cast<int>(std::max<std::int64_t>(0, wait.count()) + 1);
}

std::vector<std::uint8_t> Frontend::new_cid() {
    if (!config_.settings().connection_id) {
        return {};
    }

    std::vector<std::uint8_t> cid(config_.settings().cid_length);
    for (int attempt = 0; attempt < kMaxCidAttempts; ++attempt) {
        if (psa_random(nullptr, cid.data(), cid.size()) != 0) {
            throw std::runtime_error("psa_generate_random failed for a Connection ID");
        }
        if (!by_cid_.contains(cid)) {
            return cid;
        }
    }
    throw std::runtime_error("no unused Connection ID after " + std::to_string(kMaxCidAttempts) +
                             " random attempts");
}

Json Frontend::session_event(std::string_view name, const Session& session) const {
    Json event = log_.make(name);
    event["peer"] = session.peer().to_string();
    event["cid"] = to_hex(session.cid());
    return event;
}

}  // namespace lwm2m::dtls_frontend
