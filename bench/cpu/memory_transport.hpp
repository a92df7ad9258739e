// In-memory ports for the Google Benchmark drivers. The transport passes the
// client one datagram at a time and keeps the last one it sent. The clock
// moves only when advance() is called.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/platform.hpp"
#include "lwm2m/transport.hpp"

namespace bench {

class MemoryTransport final : public lwm2m::net::Transport {
  public:
    static constexpr size_t kMaxDatagram = 1280;

    /// Queues `datagram` for the client's next receive(). Returns false if
    /// one is still queued or it is longer than kMaxDatagram.
    bool deliver(std::span<const uint8_t> datagram);

    /// The last datagram the client sent.
    std::span<const uint8_t> last_sent() const { return {sent_.data(), sent_length_}; }
    uint64_t sent_count() const { return sent_count_; }

    lwm2m::Status create() override;
    lwm2m::Status connect(const char* host, uint16_t port) override;
    lwm2m::Status send(std::span<const std::byte> datagram) override;
    lwm2m::Result<size_t> receive(std::span<std::byte> buffer) override;
    lwm2m::Status shutdown() override { return lwm2m::Status::kOk; }
    lwm2m::Status close() override;
    lwm2m::Status cleanup() override;
    lwm2m::net::TransportState state() const override { return state_; }
    size_t inner_mtu() const override { return kMaxDatagram; }
    uint16_t local_port() const override { return 56830; }
    void set_receive_off(bool) override {}
    lwm2m::Status reuse_last_port() override;

  private:
    lwm2m::net::TransportState state_ = lwm2m::net::TransportState::kClosed;
    std::array<uint8_t, kMaxDatagram> inbound_{};
    size_t inbound_length_ = 0;
    bool inbound_queued_ = false;
    std::array<uint8_t, kMaxDatagram> sent_{};
    size_t sent_length_ = 0;
    uint64_t sent_count_ = 0;
};

/// A monotonic clock that changes only when advance() moves it.
class ManualClock final : public lwm2m::Clock {
  public:
    uint64_t monotonic_ms() override { return now_ms_; }
    int64_t real_time_s() override { return 1796428800 + static_cast<int64_t>(now_ms_ / 1000); }
    void advance(uint64_t ms) { now_ms_ += ms; }

  private:
    uint64_t now_ms_ = 1000;
};

}  // namespace bench
