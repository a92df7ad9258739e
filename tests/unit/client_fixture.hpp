// The fixture of the client tests: a Client on fake ports, with helpers that
// play the LwM2M server's side.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coap/message.hpp"
#include "fakes.hpp"
#include "lwm2m/client.hpp"

namespace lwm2m {
namespace {

using coap::Message;
using coap::MessageWriter;
using coap::Type;
using testing::FakeClock;
using testing::FakeRandom;
using testing::FakeTransport;
namespace code = coap::code;
namespace option = coap::option;

[[maybe_unused]] std::string option_text(const coap::Option& option) {
    return {reinterpret_cast<const char*>(option.value.data()), option.value.size()};
}

[[maybe_unused]] std::vector<std::string> options_of(const Message& message, uint16_t number) {
    std::vector<std::string> values;
    for (uint8_t i = 0; i < message.option_count; ++i) {
        if (message.options[i].number == number) {
            values.push_back(option_text(message.options[i]));
        }
    }
    return values;
}

// Delivers on `transport` a piggybacked response with `response_code` and the
// given Location-Path segments to `request`.
[[maybe_unused]] void deliver_response(FakeTransport& transport, const Message& request,
                                       uint8_t response_code,
                                       const std::vector<const char*>& location) {
    uint8_t buffer[128];
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, response_code, request.message_id, request.token_view());
    for (const char* segment : location) {
        writer.add_option(option::kLocationPath, segment);
    }
    transport.deliver(writer.bytes());
}

class ClientTest : public ::testing::Test {
  protected:
    ClientTest() : client_(transport_, clock_, random_) {
        config_.endpoint_name = "dev1";
        config_.server_uri = "coap://192.0.2.1:5683";
        config_.lifetime_s = 300;
        config_.device.manufacturer = "Acme";
    }

    void configure() { ASSERT_EQ(client_.configure(config_), Status::kOk); }

    Message sent(size_t index) {
        Message message;
        EXPECT_LT(index, transport_.sent_count);
        // The fake transport keeps the last kCapacity datagrams.
        EXPECT_LT(transport_.sent_count - index, FakeTransport::kCapacity + 1);
        const auto& datagram = transport_.sent[index % FakeTransport::kCapacity];
        EXPECT_EQ(coap::decode(datagram.view(), message), coap::DecodeResult::kOk);
        return message;
    }

    Message last_sent() { return sent(transport_.sent_count - 1); }

    // Sends a piggybacked response with `response_code` and the given
    // Location-Path segments to the last request the client sent.
    void respond(uint8_t response_code, std::vector<const char*> location = {}) {
        deliver_response(transport_, last_sent(), response_code, location);
        client_.step();
    }

    void register_client() {
        configure();
        client_.step();
        respond(code::kCreated, {"rd", "5a"});
        ASSERT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    }

    void advance(uint64_t ms) {
        clock_.now_ms += ms;
        client_.step();
    }

    // Sends a CON request from the server and returns the client's reply.
    Message server_request(uint8_t method, std::vector<const char*> path, uint16_t message_id,
                           int accept = -1) {
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0xa1, 0xb2};
        writer.header(Type::kConfirmable, method, message_id, token);
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        if (accept >= 0) {
            writer.add_uint_option(option::kAccept, static_cast<uint32_t>(accept));
        }
        const size_t before = transport_.sent_count;
        transport_.deliver(writer.bytes());
        client_.step();
        EXPECT_EQ(transport_.sent_count, before + 1);
        return last_sent();
    }

    // Returns the messages sent since `before` whose two-byte token starts
    // with 0x70, the tokens the observation tests give their Observe requests.
    std::vector<Message> notifications_since(size_t before) {
        std::vector<Message> messages;
        for (size_t i = before; i < transport_.sent_count; ++i) {
            const Message message = sent(i);
            if (message.token_length == 2 && message.token[0] == 0x70) {
                messages.push_back(message);
            }
        }
        return messages;
    }

    // Steps with the clock moved by `ms` and returns the notifications sent.
    std::vector<Message> advance_and_collect(uint64_t ms) {
        const size_t before = transport_.sent_count;
        advance(ms);
        return notifications_since(before);
    }

    FakeTransport transport_;
    FakeClock clock_;
    FakeRandom random_;
    ClientConfig config_;
    Client client_;
};

}  // namespace
}  // namespace lwm2m
