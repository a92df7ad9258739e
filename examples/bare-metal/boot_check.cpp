// The first check of the bare-metal port, with no operating system and no
// heap. The image boots under QEMU, its .data and .bss are set up and the FPU
// works. Then a client in the minimal configuration configures itself and
// steps. Prints what it checked and returns 0 if all holds.
#include "console.hpp"
#include "lwm2m/client.hpp"
#include "stack.hpp"

namespace {

class SilentTransport final : public lwm2m::net::Transport {
  public:
    lwm2m::Status create() override { return lwm2m::Status::kOk; }
    lwm2m::Status connect(const char*, uint16_t) override { return lwm2m::Status::kOk; }
    lwm2m::Status send(std::span<const std::byte> datagram) override {
        ++sent;
        sent_bytes += datagram.size();
        return lwm2m::Status::kOk;
    }
    lwm2m::Result<size_t> receive(std::span<std::byte>) override {
        return lwm2m::Status::kWouldBlock;
    }
    lwm2m::Status shutdown() override { return lwm2m::Status::kOk; }
    lwm2m::Status close() override { return lwm2m::Status::kOk; }
    lwm2m::Status cleanup() override { return lwm2m::Status::kOk; }
    lwm2m::net::TransportState state() const override {
        return lwm2m::net::TransportState::kConnected;
    }
    size_t inner_mtu() const override { return 1152; }
    uint16_t local_port() const override { return 56830; }
    void set_receive_off(bool) override {}
    lwm2m::Status reuse_last_port() override { return lwm2m::Status::kOk; }

    unsigned sent = 0;
    size_t sent_bytes = 0;
};

// A clock that moves on by one second at each reading.
class SteppingClock final : public lwm2m::Clock {
  public:
    uint64_t monotonic_ms() override { return now_ms_ += 1000; }
    int64_t real_time_s() override { return 0; }

  private:
    uint64_t now_ms_ = 0;
};

// A fixed sequence (linear congruential): for this check only, never for a device.
class FixedRandom final : public lwm2m::Random {
  public:
    uint32_t next_u32() override { return state_ = state_ * 1664525u + 1013904223u; }

  private:
    uint32_t state_ = 1;
};

SilentTransport g_transport;
SteppingClock g_clock;
FixedRandom g_random;
lwm2m::Client g_client(g_transport, g_clock, g_random);

// Set in .data and .bss: the reset handler must have copied and zeroed them.
int g_initialized = 0x5a5a;
int g_zeroed;

}  // namespace

int main() {
    if (g_initialized != 0x5a5a || g_zeroed != 0) {
        console::print("fail: .data or .bss not set up\n");
        return 1;
    }
    // A float operation that a core without its FPU turned on would fault on.
    volatile float half = 0.5f;
    if (half * 4.0f != 2.0f) {
        console::print("fail: FPU\n");
        return 2;
    }
    lwm2m::ClientConfig config;
    config.endpoint_name = "bare-metal";
    config.server_uri = "coap://192.0.2.1:5683";
    if (g_client.configure(config) != lwm2m::Status::kOk) {
        console::print("fail: configure\n");
        return 3;
    }
    for (int i = 0; i < 10; ++i) {
        g_client.step();
    }
    console::print_value("sizeof(lwm2m::Client)", sizeof(lwm2m::Client));
    console::print_value("datagrams sent (the Register and its retransmissions)", g_transport.sent);
    console::print_value("bytes sent", static_cast<unsigned>(g_transport.sent_bytes));
    console::print_value("peak stack use in bytes", mps2::stack_peak_bytes());
    if (g_transport.sent == 0) {
        console::print("fail: no Register sent\n");
        return 4;
    }
    console::print("boot check passed\n");
    return 0;
}
