// cpu-gbench: Google Benchmark drivers for the cases of bench/cpu/run, in one
// process: the client talks through an in-memory transport, so each
// iteration is one datagram in, one step() and one datagram out, with no
// system call. Run with bench/cpu/run --google-benchmark.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <memory>
#include <new>
#include <span>

#include "bench_objects.hpp"
#include "lwm2m/client.hpp"
#include "memory_transport.hpp"
#include "seeded_random.hpp"

namespace {

// CoAP constants (RFC 7252, 12; LwM2M Core, 5.1 for the formats).
constexpr uint8_t kGet = 0x01;
constexpr uint8_t kPut = 0x03;
constexpr uint8_t kCreated = 0x41;
constexpr uint8_t kChanged = 0x44;
constexpr uint8_t kContent = 0x45;
constexpr uint16_t kObserve = 6;
constexpr uint16_t kLocationPath = 8;
constexpr uint16_t kUriPath = 11;
constexpr uint16_t kContentFormat = 12;
constexpr uint16_t kAccept = 17;
constexpr uint32_t kTextPlain = 0;
constexpr uint32_t kLinkFormat = 40;
constexpr uint32_t kTlv = 11542;
constexpr uint32_t kSenmlCbor = 112;

// A CoAP message under construction. Options must be added in ascending order.
class Message {
  public:
    /// Starts a confirmable request (or, with `type` 2, an ACK) with a 4-byte token.
    explicit Message(uint8_t code, uint8_t type = 0) {
        bytes_[0] = static_cast<uint8_t>(0x40 | (type << 4) | 4);
        bytes_[1] = code;
        std::memcpy(&bytes_[4], "\x0b\x0e\x0e\x0f", 4);
        length_ = 8;
    }

    Message& option(uint16_t number, std::span<const uint8_t> value) {
        const uint16_t delta = number - last_option_;
        last_option_ = number;
        uint8_t& head = bytes_[length_++];
        head = static_cast<uint8_t>((nibble(delta) << 4) | nibble(value.size()));
        extend(delta);
        extend(value.size());
        std::memcpy(&bytes_[length_], value.data(), value.size());
        length_ += value.size();
        return *this;
    }

    Message& text_option(uint16_t number, const char* text) {
        return option(number, {reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
    }

    /// Adds one Uri-Path option per segment of `path` ("3/0/0").
    Message& path(const char* path) {
        char segment[16];
        while (*path != '\0') {
            size_t length = 0;
            while (path[length] != '\0' && path[length] != '/') {
                segment[length] = path[length];
                ++length;
            }
            segment[length] = '\0';
            text_option(kUriPath, segment);
            path += path[length] == '/' ? length + 1 : length;
        }
        return *this;
    }

    Message& uint_option(uint16_t number, uint32_t value) {
        uint8_t encoded[4];
        size_t length = 0;
        for (int shift = 24; shift >= 0; shift -= 8) {
            if (length > 0 || (value >> shift) != 0) {
                encoded[length++] = static_cast<uint8_t>(value >> shift);
            }
        }
        return option(number, {encoded, length});
    }

    Message& payload(std::span<const uint8_t> payload) {
        bytes_[length_++] = 0xff;
        std::memcpy(&bytes_[length_], payload.data(), payload.size());
        length_ += payload.size();
        return *this;
    }

    void set_message_id(uint16_t message_id) {
        bytes_[2] = static_cast<uint8_t>(message_id >> 8);
        bytes_[3] = static_cast<uint8_t>(message_id);
    }

    void set_token(std::span<const uint8_t> token) {
        bytes_[0] = static_cast<uint8_t>((bytes_[0] & 0xf0) | token.size());
        std::memcpy(&bytes_[4], token.data(), 4);
    }

    std::span<const uint8_t> bytes() const { return {bytes_.data(), length_}; }

  private:
    // RFC 7252, 3.1: an option delta or length of 13 or more takes extra bytes.
    static uint8_t nibble(size_t value) {
        if (value < 13) {
            return static_cast<uint8_t>(value);
        }
        return value < 269 ? 13 : 14;
    }

    void extend(size_t value) {
        if (value >= 269) {
            bytes_[length_++] = static_cast<uint8_t>((value - 269) >> 8);
            bytes_[length_++] = static_cast<uint8_t>(value - 269);
        } else if (value >= 13) {
            bytes_[length_++] = static_cast<uint8_t>(value - 13);
        }
    }

    std::array<uint8_t, 256> bytes_{};
    size_t length_ = 0;
    uint16_t last_option_ = 0;
};

// TLV of resources 0 to 9 of /32770/0, each a 2-byte integer 1000 + ID
// (type byte 0xC2: resource with value, 8-bit ID, 2-byte length; LwM2M Core 1.1, 7.4.3).
std::array<uint8_t, 40> ten_integers_tlv() {
    std::array<uint8_t, 40> tlv{};
    for (uint8_t id = 0; id < 10; ++id) {
        const uint16_t value = 1000 + id;
        tlv[id * 4] = 0xc2;
        tlv[id * 4 + 1] = id;
        tlv[id * 4 + 2] = static_cast<uint8_t>(value >> 8);
        tlv[id * 4 + 3] = static_cast<uint8_t>(value);
    }
    return tlv;
}

lwm2m::ClientConfig bench_config() {
    lwm2m::ClientConfig config;
    config.endpoint_name = "cpu-bench";
    config.server_uri = "coap://127.0.0.1:5683";
    config.device.manufacturer = "lwm2m-cpp";
    config.device.model_number = "bench";
    config.device.serial_number = "0001";
    config.device.firmware_version = "1.0";
    return config;
}

// A registered client on in-memory ports, with the objects of the callgrind driver.
struct Session {
    bench::MemoryTransport transport;
    bench::ManualClock clock;
    bench::SeededRandom random;
    bench::TenIntegers ten_integers;
    bench::SensorArray sensors{LWM2M_MAX_OBSERVATIONS};
    lwm2m::Client client{transport, clock, random};
    uint16_t next_message_id = 0x1000;

    /// Configures the client and responds to its Register with 2.01; false if
    /// it did not register.
    bool start() {
        if (client.add_object(ten_integers) != lwm2m::Status::kOk ||
            client.add_object(sensors) != lwm2m::Status::kOk ||
            client.configure(bench_config()) != lwm2m::Status::kOk) {
            return false;
        }
        client.step();
        const std::span<const uint8_t> sent = transport.last_sent();
        if (transport.sent_count() != 1 || sent.size() < 4 + (sent[0] & 0x0f)) {
            return false;
        }
        Message created(kCreated, 2);
        created.set_message_id(static_cast<uint16_t>(sent[2] << 8 | sent[3]));
        created.set_token(sent.subspan(4, sent[0] & 0x0f));
        created.text_option(kLocationPath, "rd").text_option(kLocationPath, "5a3f");
        transport.deliver(created.bytes());
        client.step();
        return client.registration_state() == lwm2m::RegistrationState::kRegistered;
    }

    /// Delivers `request` with a new message ID and steps once; returns the
    /// response code, or 0 if nothing was sent.
    uint8_t exchange(Message& request) {
        request.set_message_id(next_message_id++);
        const uint64_t sent_before = transport.sent_count();
        transport.deliver(request.bytes());
        client.step();
        return transport.sent_count() == sent_before ? 0 : transport.last_sent()[1];
    }

    /// Observes resource 0 of every sensor instance, in SenML CBOR.
    bool observe_sensors() {
        for (uint8_t instance = 0; instance < LWM2M_MAX_OBSERVATIONS; ++instance) {
            const uint8_t token[4] = {0x0b, 0x5e, 0x00, instance};
            Message observe(kGet);
            observe.set_token(token);
            char path[24];
            std::snprintf(path, sizeof(path), "32771/%u/0", instance);
            observe.uint_option(kObserve, 0).path(path).uint_option(kAccept, kSenmlCbor);
            if (exchange(observe) != kContent) {
                return false;
            }
        }
        return true;
    }
};

// Runs `request` once per iteration against a registered client and checks
// that each response has `expected` code.
void run_request(benchmark::State& state, Message request, uint8_t expected) {
    auto session = std::make_unique<Session>();
    if (!session->start()) {
        state.SkipWithError("the client did not register");
        return;
    }
    for (auto _ : state) {
        if (session->exchange(request) != expected) {
            state.SkipWithError("unexpected response code");
            break;
        }
    }
    state.counters["response_bytes"] = static_cast<double>(session->transport.last_sent().size());
}

void BM_ReadDeviceSenmlCbor(benchmark::State& state) {
    run_request(state, Message(kGet).path("3/0").uint_option(kAccept, kSenmlCbor), kContent);
}
BENCHMARK(BM_ReadDeviceSenmlCbor);

void BM_ReadManufacturerText(benchmark::State& state) {
    run_request(state, Message(kGet).path("3/0/0").uint_option(kAccept, kTextPlain), kContent);
}
BENCHMARK(BM_ReadManufacturerText);

void BM_DiscoverDevice(benchmark::State& state) {
    run_request(state, Message(kGet).path("3").uint_option(kAccept, kLinkFormat), kContent);
}
BENCHMARK(BM_DiscoverDevice);

void BM_WriteLifetimeText(benchmark::State& state) {
    const char* lifetime = "86400";
    run_request(state,
                Message(kPut)
                    .path("1/0/1")
                    .uint_option(kContentFormat, kTextPlain)
                    .payload({reinterpret_cast<const uint8_t*>(lifetime), std::strlen(lifetime)}),
                kChanged);
}
BENCHMARK(BM_WriteLifetimeText);

void BM_WriteTenResourcesTlv(benchmark::State& state) {
    const std::array<uint8_t, 40> tlv = ten_integers_tlv();
    run_request(state, Message(kPut).path("32770/0").uint_option(kContentFormat, kTlv).payload(tlv),
                kChanged);
}
BENCHMARK(BM_WriteTenResourcesTlv);

// A value change on a path that none of the LWM2M_MAX_OBSERVATIONS
// observations covers: the evaluation alone.
void BM_ValueChangeUnobserved(benchmark::State& state) {
    auto session = std::make_unique<Session>();
    if (!session->start() || !session->observe_sensors()) {
        state.SkipWithError("setup failed");
        return;
    }
    const lwm2m::Path path = lwm2m::Path::resource(bench::TenIntegers::kObjectId, 0, 0);
    for (auto _ : state) {
        session->client.value_changed(path);
    }
    state.counters["observations"] = LWM2M_MAX_OBSERVATIONS;
}
BENCHMARK(BM_ValueChangeUnobserved);

// A value change on the last observed path, and the step() that encodes and
// sends its notification (NON, SenML CBOR).
void BM_ValueChangeNotify(benchmark::State& state) {
    auto session = std::make_unique<Session>();
    if (!session->start() || !session->observe_sensors()) {
        state.SkipWithError("setup failed");
        return;
    }
    const uint16_t instance = LWM2M_MAX_OBSERVATIONS - 1;
    const lwm2m::Path path = lwm2m::Path::resource(bench::SensorArray::kObjectId, instance, 0);
    for (auto _ : state) {
        session->sensors.bump(instance);
        const uint64_t sent_before = session->transport.sent_count();
        session->client.value_changed(path);
        session->client.step();
        if (session->transport.sent_count() != sent_before + 1) {
            state.SkipWithError("no notification sent");
            break;
        }
    }
    state.counters["observations"] = LWM2M_MAX_OBSERVATIONS;
    state.counters["notification_bytes"] =
        static_cast<double>(session->transport.last_sent().size());
}
BENCHMARK(BM_ValueChangeNotify);

// A step() of a registered client with nothing to do.
void BM_IdleStep(benchmark::State& state) {
    auto session = std::make_unique<Session>();
    if (!session->start()) {
        state.SkipWithError("the client did not register");
        return;
    }
    for (auto _ : state) {
        session->client.step();
    }
}
BENCHMARK(BM_IdleStep);

// Register: construct a client, configure it and step once, which encodes
// and sends the Register. BM_ConstructConfigure is the same without the step;
// the difference is the Register.
template <bool kStep>
void construct_and_configure(benchmark::State& state) {
    bench::MemoryTransport transport;
    bench::ManualClock clock;
    bench::SeededRandom random;
    bench::TenIntegers ten_integers;
    bench::SensorArray sensors{LWM2M_MAX_OBSERVATIONS};
    const lwm2m::ClientConfig config = bench_config();
    alignas(lwm2m::Client) static unsigned char storage[sizeof(lwm2m::Client)];
    for (auto _ : state) {
        lwm2m::Client* client = new (storage) lwm2m::Client(transport, clock, random);
        (void)client->add_object(ten_integers);
        (void)client->add_object(sensors);
        (void)client->configure(config);
        if constexpr (kStep) {
            const uint64_t sent_before = transport.sent_count();
            client->step();
            if (transport.sent_count() != sent_before + 1) {
                state.SkipWithError("no Register sent");
                break;
            }
        }
        benchmark::DoNotOptimize(client);
        client->~Client();
    }
    if (kStep) {
        state.counters["register_bytes"] = static_cast<double>(transport.last_sent().size());
    }
}

void BM_ConstructConfigure(benchmark::State& state) {
    construct_and_configure<false>(state);
}
BENCHMARK(BM_ConstructConfigure);

void BM_ConstructConfigureRegister(benchmark::State& state) {
    construct_and_configure<true>(state);
}
BENCHMARK(BM_ConstructConfigureRegister);

}  // namespace

BENCHMARK_MAIN();
