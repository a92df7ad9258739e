// Fuzz target for the serial-line port (ports/slip): the input is the byte
// stream a bridge sends to the device. The SLIP decoder takes it with a small
// buffer, and a SlipTransport takes it while it opens its socket, receives
// datagrams into buffers of two sizes, and closes and reopens on its last
// port when a datagram starts with 'X'.
//
// The unit tests compile this file with LWM2M_FUZZ_NO_ENTRY_POINT to replay
// the seed corpus without libFuzzer.
#include <cstdio>
#include <cstdlib>
#include <span>

#include "fuzz_targets.hpp"
#include "lwm2m/slip/slip_transport.hpp"

namespace lwm2m::fuzz {
namespace {

using slip::Decoder;
using slip::SlipTransport;

void check(bool condition, const char* reason) {
    if (!condition) {
        std::fprintf(stderr, "slip_link_fuzzer: %s\n", reason);
        std::abort();
    }
}

// Delivers the input one byte at a time and discards what the device writes.
class InputLink final : public slip::SerialLink {
  public:
    explicit InputLink(std::span<const uint8_t> input) : input_(input) {}

    void write(std::span<const std::byte>) override {}
    bool read_byte(std::byte& byte) override {
        if (next_ == input_.size()) {
            return false;
        }
        byte = static_cast<std::byte>(input_[next_++]);
        return true;
    }
    bool done() const { return next_ == input_.size(); }

  private:
    std::span<const uint8_t> input_;
    size_t next_ = 0;
};

void decode_frames(std::span<const uint8_t> input) {
    std::byte buffer[8];
    Decoder decoder(buffer);
    for (const uint8_t byte : input) {
        if (decoder.push(static_cast<std::byte>(byte)) == Decoder::Event::kFrame) {
            check(!decoder.frame().empty(), "empty frame reported");
            check(decoder.frame().size() <= sizeof(buffer), "frame longer than the buffer");
        }
    }
}

}  // namespace

void run_slip_link(std::span<const uint8_t> input) {
    decode_frames(input);

    InputLink link(input);
    SlipTransport transport(link);
    check(transport.create() == Status::kOk, "create failed");

    static std::byte small[16];
    static std::byte large[SlipTransport::kMaxDatagramSize];
    bool use_small = false;
    // The passes are bounded by the input's size; a pass that consumes no
    // byte is a connect() that is still waiting.
    for (size_t pass = 0; pass <= input.size() && !link.done(); ++pass) {
        if (transport.state() != net::TransportState::kConnected) {
            transport.poll();
            const Status status = transport.connect("192.0.2.1", 5683);
            check(status == Status::kOk || status == Status::kInProgress ||
                      status == Status::kResolveFailed || status == Status::kNetworkError,
                  "unexpected connect status");
            if (status == Status::kOk) {
                check(transport.state() == net::TransportState::kConnected,
                      "connect succeeded without a connection");
            }
            continue;
        }
        const std::span<std::byte> buffer =
            use_small ? std::span<std::byte>(small) : std::span<std::byte>(large);
        use_small = !use_small;
        const Result<size_t> received = transport.receive(buffer);
        if (!received.ok()) {
            check(received.status() == Status::kWouldBlock ||
                      received.status() == Status::kMessageTooLarge,
                  "unexpected receive status");
            continue;
        }
        check(received.value() <= buffer.size(), "datagram longer than the buffer");
        if (received.value() > 0 && buffer[0] == std::byte{'X'}) {
            const uint16_t port = transport.local_port();
            check(transport.close() == Status::kOk, "close failed");
            check(transport.local_port() == port, "close forgot the local port");
            check(transport.reuse_last_port() == (port != 0 ? Status::kOk : Status::kInvalidState),
                  "reuse_last_port after close");
        }
    }
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_slip_link({data, size});
    return 0;
}
#endif
