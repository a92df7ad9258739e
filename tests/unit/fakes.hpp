// Fake ports for unit tests: a transport that records what the client sends
// and delivers queued datagrams, a manual clock and a counting random source.
// They allocate nothing, so the no-heap test can use them too.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include "lwm2m/platform.hpp"
#include "lwm2m/storage.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::testing {

struct Datagram {
    std::array<uint8_t, 1500> bytes{};
    size_t size = 0;

    std::span<const uint8_t> view() const { return {bytes.data(), size}; }
};

class FakeTransport final : public net::Transport {
  public:
    static constexpr size_t kCapacity = 32;

    Status create() override {
        ++create_calls;
        return Status::kOk;
    }
    Status connect(const char* host, uint16_t port) override {
        ++connect_calls;
        if (connect_result != Status::kOk) {
            return connect_result;
        }
        std::snprintf(connected_host, sizeof(connected_host), "%s", host);
        connected_port = port;
        if (state_ != net::TransportState::kBound) {
            last_port_ = next_local_port != 0 ? next_local_port : next_ephemeral_port++;
        }
        next_local_port = 0;
        state_ = net::TransportState::kConnected;
        return Status::kOk;
    }
    Status send(std::span<const std::byte> datagram) override {
        if (state_ != net::TransportState::kConnected) {
            return Status::kInvalidState;
        }
        if (send_result != Status::kOk) {
            return send_result;
        }
        receive_off_ = false;
        // The last kCapacity datagrams are kept, in a ring.
        Datagram& slot = sent[sent_count % kCapacity];
        std::memcpy(slot.bytes.data(), datagram.data(), datagram.size());
        slot.size = datagram.size();
        sent_ports[sent_count % kCapacity] = last_port_;
        ++sent_count;
        return Status::kOk;
    }
    Result<size_t> receive(std::span<std::byte> buffer) override {
        if (state_ != net::TransportState::kConnected) {
            return Status::kInvalidState;
        }
        if (inbox_read == inbox_count) {
            return Status::kWouldBlock;
        }
        const Datagram& next = inbox[inbox_read++ % kCapacity];
        if (next.size > buffer.size()) {
            return Status::kMessageTooLarge;
        }
        std::memcpy(buffer.data(), next.bytes.data(), next.size);
        return next.size;
    }
    Status shutdown() override { return Status::kOk; }
    Status close() override {
        ++close_calls;
        state_ = net::TransportState::kClosed;
        return Status::kOk;
    }
    Status cleanup() override { return close(); }
    net::TransportState state() const override { return state_; }
    size_t inner_mtu() const override { return 1152; }
    uint16_t local_port() const override { return last_port_; }
    void set_receive_off(bool receive_off) override { receive_off_ = receive_off; }
    Status reuse_last_port() override {
        ++reuse_calls;
        if (reuse_result != Status::kOk) {
            return reuse_result;
        }
        state_ = net::TransportState::kBound;
        return Status::kOk;
    }

    Status set_next_local_port(uint16_t port) override {
        next_local_port = port;
        return Status::kOk;
    }

    /// Records the credentials; accepts the secure modes only when `secure`.
    Status set_security(const net::SecurityParams& params) override {
        ++security_calls;
        security_mode = params.mode;
        identity_length = params.identity.size();
        std::snprintf(server_name, sizeof(server_name), "%s",
                      params.server_name != nullptr ? params.server_name : "");
        has_server_name = params.server_name != nullptr;
        return secure || params.mode == net::SecurityMode::kNoSec ? Status::kOk
                                                                  : Status::kUnsupported;
    }
    void renew_session() override { ++renew_calls; }

    /// Queues a datagram for the client's next receive().
    void deliver(std::span<const uint8_t> bytes) {
        if (bytes.size() > sizeof(Datagram::bytes)) {
            return;
        }
        Datagram& slot = inbox[inbox_count++ % kCapacity];
        std::memcpy(slot.bytes.data(), bytes.data(), bytes.size());
        slot.size = bytes.size();
    }

    const Datagram& last_sent() const { return sent[(sent_count - 1) % kCapacity]; }
    uint16_t last_sent_port() const { return sent_ports[(sent_count - 1) % kCapacity]; }
    bool receive_off() const { return receive_off_; }

    Datagram sent[kCapacity];
    uint16_t sent_ports[kCapacity] = {};
    size_t sent_count = 0;
    Datagram inbox[kCapacity];
    size_t inbox_count = 0;
    size_t inbox_read = 0;
    int create_calls = 0;
    int connect_calls = 0;
    /// Host and port of the last successful connect().
    char connected_host[64] = {};
    uint16_t connected_port = 0;
    int close_calls = 0;
    int reuse_calls = 0;
    uint16_t next_ephemeral_port = 40000;
    /// Port requested by set_next_local_port() for the next connect(), or 0.
    uint16_t next_local_port = 0;
    Status connect_result = Status::kOk;
    Status reuse_result = Status::kOk;
    Status send_result = Status::kOk;
    /// Whether set_security() accepts the modes other than NoSec, and what it got last.
    bool secure = false;
    int security_calls = 0;
    net::SecurityMode security_mode = net::SecurityMode::kNoSec;
    size_t identity_length = 0;
    char server_name[64] = {};
    bool has_server_name = false;
    int renew_calls = 0;

  private:
    net::TransportState state_ = net::TransportState::kClosed;
    uint16_t last_port_ = 0;
    bool receive_off_ = false;
};

class FakeClock final : public Clock {
  public:
    uint64_t monotonic_ms() override { return now_ms; }
    int64_t real_time_s() override { return 1700000000 + static_cast<int64_t>(now_ms / 1000); }

    uint64_t now_ms = 1000;
};

/// Returns `value` every time. With 0, the first ACK timeout is exactly
/// ACK_TIMEOUT, message IDs count up from 0 and tokens are all zero bytes.
class FakeRandom final : public Random {
  public:
    uint32_t next_u32() override { return value; }

    uint32_t value = 0;
};

/// Storage of one blob in memory, which survives a "reboot" (a new Client on
/// the same fakes). Any name is accepted; a write under another name replaces
/// the blob.
class FakeStorage final : public Storage {
  public:
    Result<size_t> read(const char* name, std::span<std::byte> buffer) override {
        ++read_calls;
        if (!present || std::strcmp(name, this->name) != 0) {
            return Status::kNotFound;
        }
        if (size > buffer.size()) {
            return Status::kMessageTooLarge;
        }
        std::memcpy(buffer.data(), bytes.data(), size);
        return size;
    }
    Status write(const char* name, std::span<const std::byte> data) override {
        ++write_calls;
        if (write_result != Status::kOk) {
            return write_result;
        }
        if (data.size() > bytes.size() || std::strlen(name) >= sizeof(this->name)) {
            return Status::kNoSpace;
        }
        std::memcpy(bytes.data(), data.data(), data.size());
        size = data.size();
        std::strcpy(this->name, name);
        present = true;
        return Status::kOk;
    }
    Status remove(const char* name) override {
        if (!present || std::strcmp(name, this->name) != 0) {
            return Status::kNotFound;
        }
        present = false;
        return Status::kOk;
    }

    std::span<uint8_t> blob() { return {bytes.data(), size}; }

    std::array<uint8_t, 1024> bytes{};
    size_t size = 0;
    char name[40] = {};
    bool present = false;
    int read_calls = 0;
    int write_calls = 0;
    Status write_result = Status::kOk;
};

}  // namespace lwm2m::testing
