// A Cortex-M4 image that runs the client over ports that do nothing, so that
// its flash and RAM figures are the library's alone. Never executed.
#include "lwm2m/client.hpp"
#if FOOTPRINT_FIRMWARE_UPDATE
#include "lwm2m/firmware_update.hpp"
#endif

namespace {

class StubTransport final : public lwm2m::net::Transport {
public:
    lwm2m::Status create() override { return lwm2m::Status::kOk; }
    lwm2m::Status connect(const char*, uint16_t) override { return lwm2m::Status::kOk; }
    lwm2m::Status send(std::span<const std::byte>) override { return lwm2m::Status::kOk; }
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
    uint16_t local_port() const override { return 0; }
    void set_receive_off(bool) override {}
    lwm2m::Status reuse_last_port() override { return lwm2m::Status::kOk; }
};

class StubClock final : public lwm2m::Clock {
public:
    uint64_t monotonic_ms() override { return ++ticks_; }
    int64_t real_time_s() override { return 0; }

private:
    uint64_t ticks_ = 0;
};

class StubRandom final : public lwm2m::Random {
public:
    uint32_t next_u32() override { return state_ = state_ * 1664525u + 1013904223u; }

private:
    uint32_t state_ = 1;
};

StubTransport g_transport;
StubClock g_clock;
StubRandom g_random;
lwm2m::Client g_client(g_transport, g_clock, g_random);

#if FOOTPRINT_FIRMWARE_UPDATE
class StubPackageHandler final : public lwm2m::fw::PackageHandler {
public:
    using Result = lwm2m::fw::UpdateResult;
    Result begin(size_t) override { return Result::kInitial; }
    Result write(size_t, std::span<const uint8_t>) override { return Result::kInitial; }
    Result finish() override { return Result::kInitial; }
    Result apply() override { return Result::kSuccess; }
    void cancel() override {}
    Result update_outcome() override { return Result::kSuccess; }
};

StubTransport g_download_transport;
StubPackageHandler g_package_handler;
lwm2m::FirmwareUpdate g_firmware(g_package_handler, [] {
    lwm2m::fw::Options options;
    options.transport = &g_download_transport;
    return options;
}());
#endif

}  // namespace

#if FOOTPRINT_FIRMWARE_UPDATE
/// Read by bench/footprint/run to report the size of the Firmware Update object.
extern "C" const unsigned lwm2m_firmware_object_size = sizeof(lwm2m::FirmwareUpdate);
#endif

/// Read by bench/footprint/run to report the size of the client object.
extern "C" const unsigned lwm2m_client_object_size = sizeof(lwm2m::Client);

// Stands in for a reset handler: runs the static constructors, then main().
extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();

[[noreturn]] void _start() {
    for (void (**init)() = __init_array_start; init != __init_array_end; ++init) {
        (*init)();
    }
    main();
    for (;;) {
    }
}
}

int main() {
    lwm2m::ClientConfig config;
    config.endpoint_name = "footprint";
    config.server_uri = "coap://192.0.2.1:5683";
#if FOOTPRINT_FIRMWARE_UPDATE
    (void)g_client.add_object(g_firmware);
#endif
    if (g_client.configure(config) != lwm2m::Status::kOk) {
        return 1;
    }
    for (;;) {
        g_client.step();
        (void)g_client.time_until_next_step_ms();
    }
}
