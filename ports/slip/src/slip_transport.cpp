#include "lwm2m/slip/slip_transport.hpp"

#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("slip");

namespace lwm2m::slip {
namespace {

// Frame kinds of the link protocol.
constexpr std::byte kOpen{'O'};
constexpr std::byte kOpenResult{'o'};
constexpr std::byte kClose{'C'};
constexpr std::byte kDatagram{'D'};

// Result codes of an open result frame.
constexpr uint8_t kOpened = 0;
constexpr uint8_t kPortInUse = 1;
constexpr uint8_t kUnresolved = 2;
constexpr uint8_t kOtherError = 3;

// Kind, sequence, result and local port.
constexpr size_t kOpenResultSize = 5;

// Kind, sequence, local port and remote port, before the host.
constexpr size_t kOpenHeaderSize = 6;

// connect() calls with no open result before the request is sent again: about
// 1 s at the client's poll interval of 100 ms.
constexpr uint8_t kPollsPerRepeat = 10;

}  // namespace

Status SlipTransport::create() {
    decoder_.reset();
    state_ = net::TransportState::kClosed;
    open_request_ = OpenRequest::kNone;
    local_port_ = 0;
    dropped_frames_ = 0;
    // A device that restarted may have left a socket open at the bridge.
    send_close();
    return Status::kOk;
}

Status SlipTransport::connect(const char* host, uint16_t port) {
    if (state_ == net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    if (open_request_ == OpenRequest::kNone) {
        const uint16_t bind_port = state_ == net::TransportState::kBound ? local_port_ : 0;
        return request_open(bind_port, host, port);
    }
    if (open_request_ == OpenRequest::kSent) {
        poll();
        if (open_request_ == OpenRequest::kSent) {
            // The request may have been lost, for example when no bridge read
            // the line yet. The bridge replies to a repeat without a new socket.
            if (port != request_remote_port_ || std::strlen(host) != request_host_length_) {
                // Another peer: a repeat would not be the same request.
                return request_open(request_bind_port_, host, port);
            }
            if (++polls_since_request_ >= kPollsPerRepeat) {
                polls_since_request_ = 0;
                write_open_request(host);
            }
            return Status::kInProgress;
        }
    }

    open_request_ = OpenRequest::kNone;
    // Port 0 would make the next reuse_last_port() impossible: a bridge error.
    if (open_result_ == kOpened && opened_port_ == 0) {
        LWM2M_LOG_WARNING("the bridge opened a socket without a local port");
        open_result_ = kOtherError;
    }
    if (open_result_ == kOpened) {
        state_ = net::TransportState::kConnected;
        local_port_ = opened_port_;
        return Status::kOk;
    }
    // The last port cannot be bound again (in use, or another error): open a
    // new port, as reuse_last_port() has already returned kOk.
    if (open_result_ != kUnresolved && state_ == net::TransportState::kBound) {
        LWM2M_LOG_WARNING("cannot bind local port %u at the bridge (result %u), opening a new port",
                          local_port_, open_result_);
        state_ = net::TransportState::kClosed;
        return request_open(0, host, port);
    }
    state_ = net::TransportState::kClosed;
    return open_result_ == kUnresolved ? Status::kResolveFailed : Status::kNetworkError;
}

Status SlipTransport::request_open(uint16_t bind_port, const char* host, uint16_t port) {
    const size_t host_length = std::strlen(host);
    if (host_length == 0 || host_length > LWM2M_MAX_URI_LENGTH) {
        return Status::kInvalidArgument;
    }
    ++sequence_;
    request_bind_port_ = bind_port;
    request_remote_port_ = port;
    request_host_length_ = static_cast<uint16_t>(host_length);
    polls_since_request_ = 0;
    write_open_request(host);
    open_request_ = OpenRequest::kSent;
    return Status::kInProgress;
}

void SlipTransport::write_open_request(const char* host) {
    const std::byte header[kOpenHeaderSize] = {
        kOpen,
        std::byte{sequence_},
        std::byte(request_bind_port_ >> 8),
        std::byte(request_bind_port_ & 0xff),
        std::byte(request_remote_port_ >> 8),
        std::byte(request_remote_port_ & 0xff),
    };
    write_frame(link_, header, std::as_bytes(std::span(host, request_host_length_)));
}

Status SlipTransport::send(std::span<const std::byte> datagram) {
    if (state_ != net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    if (datagram.size() > kMaxDatagramSize) {
        return Status::kMessageTooLarge;
    }
    const std::byte kind[1] = {kDatagram};
    write_frame(link_, kind, datagram);
    return Status::kOk;
}

Result<size_t> SlipTransport::receive(std::span<std::byte> buffer) {
    if (state_ != net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    return read_frames(buffer);
}

void SlipTransport::poll() {
    if (state_ != net::TransportState::kConnected) {
        (void)read_frames({});
    }
}

Result<size_t> SlipTransport::read_frames(std::span<std::byte> buffer) {
    std::byte byte;
    while (link_.read_byte(byte)) {
        switch (decoder_.push(byte)) {
            case Decoder::Event::kNone:
                break;
            case Decoder::Event::kFrame: {
                const Result<size_t> datagram = handle_frame(decoder_.frame(), buffer);
                if (datagram.ok() || datagram.status() == Status::kMessageTooLarge) {
                    return datagram;
                }
                // Frames behind an open result may be datagrams for the new
                // socket: leave them to receive().
                if (open_request_ == OpenRequest::kAnswered) {
                    return Status::kWouldBlock;
                }
                break;
            }
            case Decoder::Event::kTooLong:
                ++dropped_frames_;
                if (state_ == net::TransportState::kConnected) {
                    return Status::kMessageTooLarge;
                }
                break;
            case Decoder::Event::kMalformed:
                ++dropped_frames_;
                break;
        }
    }
    return Status::kWouldBlock;
}

Result<size_t> SlipTransport::handle_frame(std::span<const std::byte> frame,
                                           std::span<std::byte> buffer) {
    const std::byte kind = frame[0];
    const std::span<const std::byte> rest = frame.subspan(1);
    if (kind == kDatagram && state_ == net::TransportState::kConnected) {
        if (rest.size() > buffer.size()) {
            ++dropped_frames_;
            return Status::kMessageTooLarge;
        }
        std::memcpy(buffer.data(), rest.data(), rest.size());
        return rest.size();
    }
    if (kind == kOpenResult && frame.size() == kOpenResultSize) {
        // The bridge replies to each repeat of a request, so results for a
        // request may still come after the first one, or after a newer request.
        if (open_request_ == OpenRequest::kSent && frame[1] == std::byte{sequence_}) {
            open_result_ = std::to_integer<uint8_t>(frame[2]);
            opened_port_ = static_cast<uint16_t>(std::to_integer<uint16_t>(frame[3]) << 8 |
                                                 std::to_integer<uint16_t>(frame[4]));
            open_request_ = OpenRequest::kAnswered;
        }
        return Status::kWouldBlock;
    }
    ++dropped_frames_;
    return Status::kWouldBlock;
}

Status SlipTransport::close() {
    if (state_ != net::TransportState::kClosed || open_request_ != OpenRequest::kNone) {
        send_close();
    }
    state_ = net::TransportState::kClosed;
    open_request_ = OpenRequest::kNone;
    return Status::kOk;
}

Status SlipTransport::cleanup() {
    (void)close();
    local_port_ = 0;
    return Status::kOk;
}

Status SlipTransport::reuse_last_port() {
    if (local_port_ == 0 || state_ != net::TransportState::kClosed ||
        open_request_ != OpenRequest::kNone) {
        return Status::kInvalidState;
    }
    state_ = net::TransportState::kBound;
    return Status::kOk;
}

void SlipTransport::send_close() {
    const std::byte kind[1] = {kClose};
    write_frame(link_, kind, {});
}

}  // namespace lwm2m::slip
