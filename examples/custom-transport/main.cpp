// Runs a client over ExampleUdpTransport with a clock and random source written
// in a few lines, for a porting engineer to compare with their own port.
//   custom-transport-example 127.0.0.1 5683 my-endpoint
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "example_udp_transport.hpp"
#include "lwm2m/client.hpp"

namespace {

class SteadyClock final : public lwm2m::Clock {
public:
    uint64_t monotonic_ms() override {
        using namespace std::chrono;
        return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    }
    int64_t real_time_s() override {
        using namespace std::chrono;
        return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    }
};

class DeviceRandom final : public lwm2m::Random {
public:
    uint32_t next_u32() override { return device_(); }

private:
    std::random_device device_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s SERVER_IPV4 PORT ENDPOINT [SECONDS]\n", argv[0]);
        return 2;
    }
    const std::string uri = std::string("coap://") + argv[1] + ":" + argv[2];
    const int run_seconds = argc > 4 ? std::atoi(argv[4]) : 10;

    static ExampleUdpTransport transport;
    static SteadyClock clock;
    static DeviceRandom random;
    static lwm2m::Client client(transport, clock, random);

    lwm2m::ClientConfig config;
    config.endpoint_name = argv[3];
    config.server_uri = uri.c_str();
    config.lifetime_s = 60;
    config.device.manufacturer = "Example Inc.";
    if (client.configure(config) != lwm2m::Status::kOk) {
        std::fprintf(stderr, "error: invalid configuration for server %s\n", uri.c_str());
        return 2;
    }

    const uint64_t end_ms = clock.monotonic_ms() + run_seconds * 1000ull;
    while (clock.monotonic_ms() < end_ms) {
        client.step();
        pollfd descriptor{transport.socket_handle(), POLLIN, 0};
        const uint32_t wait = client.time_until_next_step_ms();
        poll(&descriptor, descriptor.fd >= 0 ? 1 : 0, wait > 1000 ? 1000 : static_cast<int>(wait));
    }
    const bool registered = client.registration_state() == lwm2m::RegistrationState::kRegistered;
    std::printf("%s\n", registered ? "registered" : "not registered");
    return registered ? 0 : 1;
}
