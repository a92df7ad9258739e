#include "memory_transport.hpp"

#include <cstring>

namespace bench {

bool MemoryTransport::deliver(std::span<const uint8_t> datagram) {
    if (inbound_queued_ || datagram.size() > inbound_.size()) {
        return false;
    }
    std::memcpy(inbound_.data(), datagram.data(), datagram.size());
    inbound_length_ = datagram.size();
    inbound_queued_ = true;
    return true;
}

lwm2m::Status MemoryTransport::create() {
    state_ = lwm2m::net::TransportState::kClosed;
    return lwm2m::Status::kOk;
}

lwm2m::Status MemoryTransport::connect(const char*, uint16_t) {
    state_ = lwm2m::net::TransportState::kConnected;
    return lwm2m::Status::kOk;
}

lwm2m::Status MemoryTransport::send(std::span<const std::byte> datagram) {
    if (state_ != lwm2m::net::TransportState::kConnected) {
        return lwm2m::Status::kInvalidState;
    }
    if (datagram.size() > sent_.size()) {
        return lwm2m::Status::kMessageTooLarge;
    }
    std::memcpy(sent_.data(), datagram.data(), datagram.size());
    sent_length_ = datagram.size();
    ++sent_count_;
    return lwm2m::Status::kOk;
}

lwm2m::Result<size_t> MemoryTransport::receive(std::span<std::byte> buffer) {
    if (state_ != lwm2m::net::TransportState::kConnected) {
        return lwm2m::Status::kInvalidState;
    }
    if (!inbound_queued_) {
        return lwm2m::Status::kWouldBlock;
    }
    inbound_queued_ = false;
    if (inbound_length_ > buffer.size()) {
        return lwm2m::Status::kMessageTooLarge;
    }
    std::memcpy(buffer.data(), inbound_.data(), inbound_length_);
    return inbound_length_;
}

lwm2m::Status MemoryTransport::close() {
    state_ = lwm2m::net::TransportState::kClosed;
    return lwm2m::Status::kOk;
}

lwm2m::Status MemoryTransport::cleanup() {
    state_ = lwm2m::net::TransportState::kClosed;
    inbound_queued_ = false;
    return lwm2m::Status::kOk;
}

lwm2m::Status MemoryTransport::reuse_last_port() {
    state_ = lwm2m::net::TransportState::kBound;
    return lwm2m::Status::kOk;
}

}  // namespace bench
