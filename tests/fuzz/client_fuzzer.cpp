// Feeds arbitrary datagrams to a registered client through a fake transport,
// with clock jumps between them, so that every path from receive() to the
// response runs on hostile input. Input format: repeated records of
// [1 byte clock advance in 100 ms units][2 bytes length, big-endian][datagram].
// The input length picks the configuration: even lengths run in Queue Mode,
// lengths of 2 or 3 modulo 4 as LwM2M 1.2. Seeds: corpus/client/, written by
// client_seeds.py. The unit tests compile this file with
// LWM2M_FUZZ_NO_ENTRY_POINT to replay those seeds.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "coap/message.hpp"
#include "fakes.hpp"
#include "fuzz_targets.hpp"
#include "lwm2m/client.hpp"

namespace {

using lwm2m::coap::MessageWriter;
using lwm2m::coap::Type;

void answer_register(lwm2m::testing::FakeTransport& transport) {
    lwm2m::coap::Message request;
    if (lwm2m::coap::decode(transport.last_sent().view(), request) !=
        lwm2m::coap::DecodeResult::kOk) {
        return;
    }
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, lwm2m::coap::code::kCreated, request.message_id,
                  request.token_view());
    writer.add_option(lwm2m::coap::option::kLocationPath, "rd");
    writer.add_option(lwm2m::coap::option::kLocationPath, "0");
    transport.deliver(writer.bytes());
}

}  // namespace

namespace lwm2m::fuzz {

void run_client(std::span<const uint8_t> input) {
    const uint8_t* data = input.data();
    const size_t size = input.size();
    lwm2m::testing::FakeTransport transport;
    lwm2m::testing::FakeClock clock;
    lwm2m::testing::FakeRandom random;
    lwm2m::Client client(transport, clock, random);

    lwm2m::ClientConfig config;
    config.endpoint_name = "fuzz";
    config.server_uri = "coap://192.0.2.1:5683";
    config.lifetime_s = 60;
    config.queue_mode = (size % 2) == 0;
    // LwM2M 1.2 for half the inputs: con, edge and hqmax, and Default
    // Notification Mode (/1/0/26), which make notifications confirmable.
    config.version = (size % 4) >= 2 ? lwm2m::Lwm2mVersion::k1_2 : lwm2m::Lwm2mVersion::k1_1;
    config.queue_timeout_ms = 5000;
    if (client.configure(config) != lwm2m::Status::kOk) {
        __builtin_trap();
    }
    client.step();
    answer_register(transport);
    client.step();

    size_t pos = 0;
    int records = 0;
    while (pos + 3 <= size && records < 64) {
        clock.now_ms += uint64_t{data[pos]} * 100;
        const size_t length = (size_t{data[pos + 1]} << 8) | data[pos + 2];
        pos += 3;
        const size_t available = length < size - pos ? length : size - pos;
        if (available > sizeof(transport.inbox[0].bytes)) {
            break;
        }
        // The fake transport only has room for a bounded backlog.
        if (transport.inbox_count - transport.inbox_read < transport.kCapacity &&
            transport.state() == lwm2m::net::TransportState::kConnected) {
            transport.deliver({data + pos, available});
        }
        pos += available;
        client.step();
        (void)client.time_until_next_step_ms();
        ++records;
    }
    client.deregister();
    client.step();
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_client({data, size});
    return 0;
}
#endif
