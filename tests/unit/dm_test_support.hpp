// Serves data model requests without a client: a configured ClientData with
// the built-in objects, and Exchange, which builds a request, serves it and
// decodes the response. Shared by the data model tests.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <initializer_list>
#include <string>

#include "dm/data_model.hpp"

namespace lwm2m::dm::test_support {

namespace code = coap::code;
namespace option = coap::option;
using coap::DecodeResult;
using coap::Message;
using coap::MessageWriter;
using coap::Type;

inline constexpr const char* kManufacturer = "Example Devices Ltd";

class FakeClock final : public Clock {
  public:
    uint64_t monotonic_ms() override { return monotonic_ms_; }
    int64_t real_time_s() override { return real_time_s_; }

    uint64_t monotonic_ms_ = 5000;
    int64_t real_time_s_ = 1'700'000'000;
};

inline void configure(detail::ClientData& data) {
    data.config.short_server_id = 101;
    data.config.device.manufacturer = kManufacturer;
    data.config.device.model_number = "M-1";
    data.config.device.serial_number = "0042";
    data.config.device.firmware_version = "1.0.0";
    data.session->server.instance_id = 0;
    data.session->server.short_server_id = 101;
    data.session->server.lifetime_s = 86400;
    data.session->server.binding[0] = 'U';
    data.security[0].id = 0;
    data.security[0].short_server_id = 101;
    std::strcpy(data.security[0].uri, "coap://192.0.2.1:5683");
}

// Builds a request with MessageWriter, decodes it as the client does, and
// serves it through parse_path() and handle_request(). Options must be added
// in ascending number order: Uri-Path, Content-Format, Accept.
class Exchange {
  public:
    explicit Exchange(uint8_t method) : request_writer_(request_bytes_) {
        const uint8_t token[] = {0xca, 0xfe};
        request_writer_.header(Type::kConfirmable, method, 0x2001, token);
    }
    // The writer and the decoded views point into this object's own buffers.
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    Exchange& path(std::initializer_list<const char*> segments) {
        for (const char* segment : segments) {
            request_writer_.add_option(option::kUriPath, segment);
        }
        return *this;
    }

    Exchange& query(const char* text) {
        request_writer_.add_option(option::kUriQuery, text);
        return *this;
    }

    Exchange& uint_option(uint16_t number, uint32_t value) {
        request_writer_.add_uint_option(number, value);
        return *this;
    }

    Exchange& payload(const char* text) {
        request_writer_.append_payload(text);
        return *this;
    }

    // Returns false if the request has no valid LwM2M path.
    bool parse() {
        EXPECT_FALSE(request_writer_.overflow());
        EXPECT_EQ(coap::decode(request_writer_.bytes(), request_), DecodeResult::kOk);
        return parse_path(request_, path_);
    }

    // Serves the request and returns the response code, or 0 if the path is invalid.
    uint8_t serve(detail::ClientData& data, Clock& clock) {
        if (!parse()) {
            ADD_FAILURE() << "parse_path() rejected the request path";
            return 0;
        }
        MessageWriter writer(response_bytes_);
        writer.header(Type::kAcknowledgement, code::kEmpty, request_.message_id,
                      request_.token_view());
        const uint8_t response_code = handle_request(request_, path_, data, clock, writer);
        writer.set_code(response_code);
        EXPECT_FALSE(writer.overflow());
        EXPECT_EQ(coap::decode(writer.bytes(), response_), DecodeResult::kOk);
        return response_code;
    }

    const Path& parsed_path() const { return path_; }
    const Message& response() const { return response_; }

    std::string response_payload() const {
        return {reinterpret_cast<const char*>(response_.payload.data()), response_.payload.size()};
    }

    // Returns the response's Content-Format, or -1 if it has none.
    int64_t response_format() const {
        uint32_t value = 0;
        if (!response_.find_uint(option::kContentFormat, value)) {
            return -1;
        }
        return value;
    }

  private:
    std::array<uint8_t, 256> request_bytes_{};
    std::array<uint8_t, 1024> response_bytes_{};
    MessageWriter request_writer_;
    Message request_;
    Message response_;
    Path path_;
};

struct DataModel {
    DataModel() {
        configure(data);
        register_builtin_objects(data, clock);
    }

    detail::ClientData data;
    FakeClock clock;
};

}  // namespace lwm2m::dm::test_support
