// Proves that the core never allocates: malloc and its relatives are replaced
// in this executable, and every call made while a client call runs is counted.
// A separate executable, because sanitizers replace malloc themselves.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "coap/message.hpp"
#include "fakes.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/log.hpp"

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* pointer);
}

namespace {

bool g_counting = false;
int g_allocations = 0;

void count() {
    if (g_counting) {
        ++g_allocations;
    }
}

}  // namespace

extern "C" {
void* malloc(size_t size) {
    count();
    return __libc_malloc(size);
}
void* calloc(size_t count_, size_t size) {
    count();
    return __libc_calloc(count_, size);
}
void* realloc(void* pointer, size_t size) {
    count();
    return __libc_realloc(pointer, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}
int posix_memalign(void** result, size_t alignment, size_t size) {
    count();
    *result = __libc_memalign(alignment, size);
    return *result == nullptr ? ENOMEM : 0;
}
void free(void* pointer) { __libc_free(pointer); }
}

namespace lwm2m {
namespace {

using coap::MessageWriter;
using coap::Type;
namespace code = coap::code;
namespace option = coap::option;

// Runs `action` with allocation counting on.
template <typename Action>
int allocations_during(Action action) {
    g_allocations = 0;
    g_counting = true;
    action();
    g_counting = false;
    return g_allocations;
}

TEST(NoHeap, CounterSeesAllocations) {
    // The replacement must be in effect, or the test below proves nothing.
    const int counted = allocations_during([] {
        void* volatile pointer = std::malloc(16);
        std::free(pointer);
        int* volatile number = new int(1);
        delete number;
    });
    EXPECT_EQ(counted, 2);
}

TEST(NoHeap, ClientSessionAllocatesNothing) {
    static testing::FakeTransport transport;
    static testing::FakeClock clock;
    static testing::FakeRandom random;
    static Client client(transport, clock, random);
    ClientConfig config;
    config.endpoint_name = "no-heap";
    config.server_uri = "coap://192.0.2.1:5683";
    config.lifetime_s = 60;
    config.queue_mode = true;
    config.queue_timeout_ms = 1000;
    config.device.manufacturer = "Acme";
    // Format every log message too, and throw it away.
    log::set_output([](LogLevel, const char*, const char*) {});
    log::set_level(LogLevel::kTrace);

    uint8_t buffer[128];
    auto reply_to_last = [&](uint8_t response_code, bool with_location) {
        coap::Message request;
        (void)coap::decode(transport.last_sent().view(), request);
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, response_code, request.message_id,
                      request.token_view());
        if (with_location) {
            writer.add_option(option::kLocationPath, "rd");
            writer.add_option(option::kLocationPath, "1");
        }
        transport.deliver(writer.bytes());
    };
    // A Read of /3/0 in `format`, and a SenML JSON Write of the timezone.
    auto server_read_instance = [&](uint16_t message_id, uint16_t format) {
        MessageWriter writer(buffer);
        const uint8_t token[] = {8};
        writer.header(Type::kConfirmable, code::kGet, message_id, token);
        writer.add_option(option::kUriPath, "3");
        writer.add_option(option::kUriPath, "0");
        writer.add_uint_option(option::kAccept, format);
        transport.deliver(writer.bytes());
    };
    auto server_write_timezone = [&](uint16_t message_id) {
        MessageWriter writer(buffer);
        const uint8_t token[] = {9};
        writer.header(Type::kConfirmable, code::kPut, message_id, token);
        writer.add_option(option::kUriPath, "3");
        writer.add_option(option::kUriPath, "0");
        writer.add_option(option::kUriPath, "15");
        writer.add_uint_option(option::kContentFormat, coap::format::kSenmlJson);
        writer.append_payload(R"([{"bn":"/3/0/15","vs":"Europe\/Oslo"}])");
        transport.deliver(writer.bytes());
    };
    auto server_get = [&](uint16_t message_id, const char* resource) {
        MessageWriter writer(buffer);
        const uint8_t token[] = {7};
        writer.header(Type::kConfirmable, code::kGet, message_id, token);
        writer.add_option(option::kUriPath, "3");
        writer.add_option(option::kUriPath, "0");
        writer.add_option(option::kUriPath, resource);
        transport.deliver(writer.bytes());
    };

    const int counted = allocations_during([&] {
        (void)client.configure(config);
        client.step();
        reply_to_last(code::kCreated, true);
        client.step();
        server_get(1, "0");
        server_get(1, "0");  // duplicate
        server_get(2, "13");
        server_get(3, "99");
        client.step();
        for (uint16_t format : {coap::format::kLwm2mTlv, coap::format::kSenmlJson,
                                coap::format::kSenmlCbor}) {
            server_read_instance(static_cast<uint16_t>(10 + format % 100), format);
            client.step();
        }
        server_write_timezone(20);
        const uint8_t malformed[] = {0x49, 0x01, 0x00, 0x01};
        transport.deliver(malformed);
        client.step();
        clock.now_ms += 1000;
        client.step();  // offline
        clock.now_ms += 30000;
        client.step();  // wake-up and Update
        reply_to_last(code::kNotFound, false);
        client.step();  // Register again
        reply_to_last(code::kCreated, true);
        client.step();
        client.deregister();
        client.step();
        reply_to_last(code::kDeleted, false);
        client.step();
    });

    EXPECT_EQ(client.registration_state(), RegistrationState::kDeregistered);
    EXPECT_GE(transport.sent_count, 8u);
    EXPECT_EQ(counted, 0);

    // The reads in TLV, SenML JSON and SenML CBOR and the write were served.
    int content = 0;
    int changed = 0;
    for (size_t i = 0; i < transport.sent_count && i < testing::FakeTransport::kCapacity; ++i) {
        coap::Message message;
        if (coap::decode(transport.sent[i].view(), message) != coap::DecodeResult::kOk) {
            continue;
        }
        content += message.code == code::kContent ? 1 : 0;
        changed += message.code == code::kChanged ? 1 : 0;
    }
    EXPECT_GE(content, 5);
    EXPECT_GE(changed, 1);
}

}  // namespace
}  // namespace lwm2m
