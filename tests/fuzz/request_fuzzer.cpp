// Fuzz target for request handling: arbitrary bytes that decode as a request
// are served by the data model, then by the client's request handler with a
// fake transport that records what would be sent.
//
// The unit tests compile this file with LWM2M_FUZZ_NO_ENTRY_POINT to replay
// the seed corpus without libFuzzer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "dm/data_model.hpp"
#include "fuzz_targets.hpp"
#include "lwm2m/log.hpp"

namespace lwm2m::fuzz {
namespace {

using coap::DecodeResult;
using coap::Message;
using coap::Type;

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "request_fuzzer: %s\n", reason);
    std::abort();
}

void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

class FakeClock final : public Clock {
  public:
    uint64_t monotonic_ms() override { return 1'000'000; }
    int64_t real_time_s() override { return -9'223'372'036'854'775'807 - 1; }
};

class FakeRandom final : public Random {
  public:
    uint32_t next_u32() override { return 0x12345678; }
};

// Records every datagram sent. The other calls succeed, and receive() always
// reports kWouldBlock.
class RecordingTransport final : public net::Transport {
  public:
    Status create() override { return Status::kOk; }
    Status connect(const char*, uint16_t) override { return Status::kOk; }

    Status send(std::span<const std::byte> datagram) override {
        check(datagram.size() <= last_.size(), "sent datagram larger than the out buffer");
        std::memcpy(last_.data(), datagram.data(), datagram.size());
        last_size_ = datagram.size();
        ++sent_count_;
        return Status::kOk;
    }

    Result<size_t> receive(std::span<std::byte>) override { return Status::kWouldBlock; }
    Status shutdown() override { return Status::kOk; }
    Status close() override { return Status::kOk; }
    Status cleanup() override { return Status::kOk; }
    net::TransportState state() const override { return net::TransportState::kConnected; }
    size_t inner_mtu() const override { return LWM2M_OUT_BUFFER_SIZE; }
    uint16_t local_port() const override { return 56830; }
    void set_receive_off(bool) override {}
    Status reuse_last_port() override { return Status::kOk; }

    std::span<const uint8_t> last() const { return {last_.data(), last_size_}; }
    int sent_count() const { return sent_count_; }

  private:
    std::array<uint8_t, LWM2M_OUT_BUFFER_SIZE> last_{};
    size_t last_size_ = 0;
    int sent_count_ = 0;
};

void discard_log(LogLevel, const char*, const char*) {}

void configure(detail::ClientData& data) {
    data.config.endpoint_name = "fuzz-endpoint";
    data.config.server_uri = "coap://127.0.0.1:5683";
    data.config.device.manufacturer = "Fuzz Manufacturer";
    data.config.device.model_number = "Fuzz Model";
    data.config.device.serial_number = "0000";
    data.config.device.firmware_version = "0.0.0";
    data.session->server.lifetime_s = data.config.lifetime_s;
    data.session->server.binding[0] = 'U';
    data.session->state = RegistrationState::kRegistered;
}

bool is_known_response_class(uint8_t code) {
    const uint8_t code_class = coap::code_class(code);
    return code_class == 2 || code_class == 4 || code_class == 5;
}

// Serves `request` through the data model alone, as handle_server_request()
// does after its option checks.
void serve_with_data_model(const Message& request) {
    static detail::ClientData data;
    // ClientData points into itself, so it is rebuilt in place, not assigned.
    data.~ClientData();
    new (&data) detail::ClientData();
    configure(data);
    FakeClock clock;

    dm::Path path;
    if (!dm::parse_path(request, path)) {
        return;
    }
    check(path.length <= 4, "path longer than 4 segments");
    for (uint8_t i = 0; i < path.length; ++i) {
        check(path.ids[i] != 65535, "reserved ID 65535 accepted");
    }

    coap::MessageWriter writer(data.out_buffer);
    writer.header(Type::kAcknowledgement, coap::code::kEmpty, request.message_id,
                  request.token_view());
    const uint8_t response_code = dm::handle_request(request, path, data, clock, writer);
    check(is_known_response_class(response_code), "response code outside 2.xx, 4.xx, 5.xx");
    check(data.session->server.lifetime_s != 0, "lifetime written as 0");
    if (writer.overflow()) {
        return;
    }
    writer.set_code(response_code);

    Message response;
    check(coap::decode(writer.bytes(), response) == DecodeResult::kOk,
          "data-model response does not decode");
    check(response.code == response_code, "response code not written");
}

// Returns true if `request` has a critical option the client does not
// support, or an Accept that is repeated or longer than 2 bytes.
bool has_unsupported_critical_option(const Message& request) {
    int accept_count = 0;
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& option = request.options[i];
        switch (option.number) {
            case coap::option::kAccept:
                if (option.value.size() > 2 || ++accept_count > 1) {
                    return true;
                }
                continue;
            case coap::option::kUriHost:
            case coap::option::kUriPort:
            case coap::option::kUriPath:
            case coap::option::kUriQuery:
            case coap::option::kBlock2:
                continue;
            default:
                if (coap::option::is_critical(option.number)) {
                    return true;
                }
        }
    }
    return false;
}

// Serves `request` as the client does, then once more as a retransmission.
void serve_with_client(const Message& request, bool options_truncated) {
    static detail::ClientData data;
    // ClientData points into itself, so it is rebuilt in place, not assigned.
    data.~ClientData();
    new (&data) detail::ClientData();
    configure(data);
    FakeClock clock;
    FakeRandom random;
    RecordingTransport transport;
    core::Context ctx{transport, clock, random, data, clock.monotonic_ms()};

    core::handle_server_request(ctx, request, options_truncated);
    if (request.type == Type::kAcknowledgement || request.type == Type::kReset) {
        check(transport.sent_count() == 0, "request in an ACK or RST was answered");
        return;
    }
    if (request.type == Type::kNonConfirmable && transport.sent_count() == 0) {
        // RFC 7252, 5.4.1: a NON with a critical option the client does not
        // support is rejected, which for a NON means no reply at all.
        check(has_unsupported_critical_option(request), "NON request dropped without reason");
        return;
    }
    check(transport.sent_count() == 1, "request not answered exactly once");

    Message response;
    check(coap::decode(transport.last(), response) == DecodeResult::kOk,
          "client response does not decode");
    check(is_known_response_class(response.code), "response code outside 2.xx, 4.xx, 5.xx");
    check(response.token_length == request.token_length &&
              std::memcmp(response.token, request.token, request.token_length) == 0,
          "response token differs from the request token");
    const bool confirmable = request.type == Type::kConfirmable;
    check(response.type == (confirmable ? Type::kAcknowledgement : Type::kNonConfirmable),
          "response type does not match the request type");
    check(!confirmable || response.message_id == request.message_id,
          "ACK message ID differs from the request");

    std::array<uint8_t, LWM2M_OUT_BUFFER_SIZE> first{};
    const size_t first_size = transport.last().size();
    std::memcpy(first.data(), transport.last().data(), first_size);

    // RFC 7252, 4.5: the duplicate gets the same bytes if the response was
    // cached, and is processed again (with the same result) if it was too large.
    core::handle_server_request(ctx, request, options_truncated);
    if (!confirmable) {
        return;
    }
    check(transport.sent_count() == 2, "duplicate CON not answered");
    check(transport.last().size() == first_size &&
              std::memcmp(transport.last().data(), first.data(), first_size) == 0,
          "duplicate CON answered with different bytes");
}

}  // namespace

void run_request(std::span<const uint8_t> input) {
    static const bool log_ready = [] {
        // Format every message, so the fuzzer also covers the log calls.
        log::set_output(discard_log);
        log::set_level(LogLevel::kTrace);
        return true;
    }();
    (void)log_ready;

    static Message request;
    const DecodeResult result = coap::decode(input, request);
    if (result != DecodeResult::kOk && result != DecodeResult::kTooManyOptions) {
        return;
    }
    if (!request.is_request()) {
        return;
    }
    if (result == DecodeResult::kOk) {
        serve_with_data_model(request);
    }
    serve_with_client(request, result == DecodeResult::kTooManyOptions);
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_request({data, size});
    return 0;
}
#endif
