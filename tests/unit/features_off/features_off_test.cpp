// A client built in the minimal configuration (cmake/lwm2m-configurations.cmake),
// with every feature switch of lwm2m/config.hpp at 0. SenML CBOR works, and
// the other formats get the CoAP codes for a format the client lacks. Nothing
// goes to Storage, Send is unsupported and a Bootstrap-Server URI is an
// invalid setting. An Observe is a plain Read, Write-Attributes gets 4.05 and
// there is no Access Control object. Block1 gets 4.02 and the composite
// operations 4.05.
#include "client_fixture.hpp"
#include "io/cbor_reader.hpp"

static_assert(LWM2M_WITH_TLV == 0 && LWM2M_WITH_JSON == 0 && LWM2M_WITH_LWM2M_CBOR == 0 &&
                  LWM2M_WITH_CBOR == 0 && LWM2M_WITH_PERSISTENCE == 0 && LWM2M_WITH_SEND == 0 &&
                  LWM2M_WITH_BOOTSTRAP == 0 && LWM2M_WITH_OBSERVE == 0 &&
                  LWM2M_WITH_ACCESS_CONTROL == 0 && LWM2M_WITH_RESPONSE_CACHE == 0 &&
                  LWM2M_WITH_TEXT_PLAIN == 0 && LWM2M_WITH_OPAQUE == 0 &&
                  LWM2M_WITH_CBOR_EXTRAS == 0 && LWM2M_WITH_BLOCK1 == 0 &&
                  LWM2M_WITH_COMPOSITE == 0,
              "this test needs the library built with every feature switch off");

namespace lwm2m {
namespace {

// The options of a request that send() adds besides Uri-Path; a negative
// number or a null query is left out.
struct Extras {
    int observe = -1;
    int content_format = -1;
    const char* query = nullptr;
    int block1 = -1;
};

class FeaturesOffTest : public ClientTest {
  protected:
    // Sends a CON request with token 0x70 0x01 (the token that
    // notifications_since() looks for) and returns the client's reply.
    Message send(uint8_t method, std::vector<const char*> path, Extras extras = {},
                 std::span<const uint8_t> payload = {}) {
        uint8_t buffer[96];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0x70, 0x01};
        writer.header(Type::kConfirmable, method, ++message_id_, token);
        if (extras.observe >= 0) {
            writer.add_uint_option(option::kObserve, static_cast<uint32_t>(extras.observe));
        }
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        if (extras.content_format >= 0) {
            writer.add_uint_option(option::kContentFormat,
                                   static_cast<uint32_t>(extras.content_format));
        }
        if (extras.query != nullptr) {
            writer.add_option(option::kUriQuery, extras.query);
        }
        if (extras.block1 >= 0) {
            writer.add_uint_option(option::kBlock1, static_cast<uint32_t>(extras.block1));
        }
        writer.append_payload(payload);
        transport_.deliver(writer.bytes());
        client_.step();
        return last_sent();
    }

    // Sends a PUT of `payload` to /1/0/2 (Default Minimum Period) in `format`
    // (none if negative) and returns the response code.
    uint8_t write_default_pmin(std::span<const uint8_t> payload, int format) {
        return send(code::kPut, {"1", "0", "2"}, {.content_format = format}, payload).code;
    }

    // Checks that `response` is 2.05 Content in SenML CBOR.
    static void expect_senml_cbor(const Message& response) {
        EXPECT_EQ(response.code, code::kContent);
        uint32_t format = 0;
        ASSERT_TRUE(response.find_uint(option::kContentFormat, format));
        EXPECT_EQ(format, coap::format::kSenmlCbor);
    }

    uint16_t message_id_ = 0x2600;
};

TEST_F(FeaturesOffTest, ReadsAreInSenmlCbor) {
    register_client();
    // An object instance asked in SenML CBOR, and one value with no Accept.
    const Message instance =
        server_request(code::kGet, {"3", "0"}, 0x2001, coap::format::kSenmlCbor);
    const Message value = server_request(code::kGet, {"3", "0", "0"}, 0x2002);
    expect_senml_cbor(instance);
    expect_senml_cbor(value);
}

TEST_F(FeaturesOffTest, RemovedFormatsAreNotAcceptable) {
    register_client();
    for (const uint16_t accept :
         {coap::format::kLwm2mTlv, coap::format::kSenmlJson, coap::format::kLwm2mCbor,
          coap::format::kCbor, coap::format::kTextPlain, coap::format::kOpaque}) {
        EXPECT_EQ(server_request(code::kGet, {"3", "0"},
                                 static_cast<uint16_t>(0x2100 + accept % 64), accept)
                      .code,
                  code::kNotAcceptable)
            << accept;
    }
}

TEST_F(FeaturesOffTest, WriteInTlvIsUnsupported) {
    register_client();
    const uint8_t lifetime[] = {0xc1, 0x01, 0x3c};  // resource 1, one byte: 60
    EXPECT_EQ(
        send(code::kPut, {"1", "0", "1"}, {.content_format = coap::format::kLwm2mTlv}, lifetime)
            .code,
        code::kUnsupportedContentFormat);
}

TEST_F(FeaturesOffTest, LwM2M10ReadsObjectsInSenmlCbor) {
    config_.version = Lwm2mVersion::k1_0;
    register_client();
    expect_senml_cbor(server_request(code::kGet, {"3", "0"}, 0x2301));
}

TEST_F(FeaturesOffTest, SendIsUnsupported) {
    register_client();
    const Path paths[] = {Path::resource(3, 0, 0)};
    const size_t before = transport_.sent_count;
    EXPECT_EQ(client_.send(paths, nullptr, nullptr, SendFormat::kSenmlCbor), Status::kUnsupported);
    client_.step();
    EXPECT_EQ(transport_.sent_count, before);
}

TEST_F(FeaturesOffTest, NothingIsSavedInStorage) {
    testing::FakeStorage storage;
    config_.storage = &storage;
    register_client();
    client_.deregister();
    client_.step();
    respond(code::kDeleted);
    EXPECT_EQ(storage.read_calls, 0);
    EXPECT_EQ(storage.write_calls, 0);
}

TEST_F(FeaturesOffTest, BootstrapServerUriIsInvalid) {
    config_.bootstrap_server_uri = "coap://192.0.2.2:5683";
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
    config_.bootstrap_server_uri = nullptr;
    EXPECT_EQ(client_.configure(config_), Status::kOk);
}

TEST_F(FeaturesOffTest, BootstrapRequestTriggerIsNotAllowed) {
    register_client();
    EXPECT_EQ(server_request(code::kPost, {"1", "0", "9"}, 0x2401).code, code::kMethodNotAllowed);
}

TEST_F(FeaturesOffTest, TextPlainWriteIsUnsupported) {
    register_client();
    const uint8_t text[] = {'6', '0'};
    EXPECT_EQ(write_default_pmin(text, coap::format::kTextPlain), code::kUnsupportedContentFormat);
    // A Write without Content-Format is text/plain.
    EXPECT_EQ(write_default_pmin(text, -1), code::kUnsupportedContentFormat);
}

TEST(FeaturesOffCborTest, HalfFloatsAndIndefiniteStringsAreMalformed) {
    using io::cbor::CborReader;
    using io::cbor::Item;
    using io::cbor::ItemType;
    Item item;
    const uint8_t single[] = {0xfa, 0x42, 0x70, 0x00, 0x00};  // 60.0
    CborReader single_reader(single);
    ASSERT_EQ(single_reader.read(item), Status::kOk);
    EXPECT_EQ(item.type, ItemType::kFloat);
    const uint8_t half[] = {0xf9, 0x53, 0x80};  // 60.0 in half precision
    CborReader half_reader(half);
    EXPECT_EQ(half_reader.read(item), Status::kMalformed);
    const uint8_t chunked[] = {0x7f, 0x61, 'a', 0xff};  // "a" in one chunk
    CborReader chunked_reader(chunked);
    EXPECT_EQ(chunked_reader.read(item), Status::kMalformed);
    const uint8_t whole[] = {0x61, 'a'};
    CborReader whole_reader(whole);
    ASSERT_EQ(whole_reader.read(item), Status::kOk);
    EXPECT_EQ(item.type, ItemType::kTextString);
}

TEST_F(FeaturesOffTest, ObserveIsServedAsPlainRead) {
    register_client();
    const Message response = send(code::kGet, {"3", "0", "0"}, {.observe = 0});
    EXPECT_EQ(response.code, code::kContent);
    EXPECT_EQ(response.find(option::kObserve), nullptr);
    // No notification follows a change.
    const size_t before = transport_.sent_count;
    client_.value_changed(Path::resource(3, 0, 0));
    advance(120'000);
    EXPECT_TRUE(notifications_since(before).empty());
}

TEST_F(FeaturesOffTest, WriteAttributesIsNotAllowed) {
    register_client();
    EXPECT_EQ(send(code::kPut, {"3", "0", "0"}, {.query = "pmin=10"}).code,
              code::kMethodNotAllowed);
}

TEST_F(FeaturesOffTest, Block1RequestHasUnrecognizedCriticalOption) {
    register_client();
    const uint8_t part[16] = {0x81, 0xa2, 0x00, 0x66, '/', '1', '/', '0', '/', '2'};
    // Block 0 of more to come, 16 bytes.
    const Extras block = {.content_format = coap::format::kSenmlCbor, .block1 = 0x08};
    EXPECT_EQ(send(code::kPut, {"1", "0", "2"}, block, part).code, code::kBadOption);
}

TEST_F(FeaturesOffTest, CompositeOperationsAreNotAllowed) {
    register_client();
    // [{0: "/3/0/0"}]
    const uint8_t paths[] = {0x81, 0xa1, 0x00, 0x66, '/', '3', '/', '0', '/', '0'};
    for (const uint8_t method : {code::kFetch, code::kIPatch}) {
        EXPECT_EQ(send(method, {}, {.content_format = coap::format::kSenmlCbor}, paths).code,
                  code::kMethodNotAllowed)
            << static_cast<int>(method);
    }
}

TEST_F(FeaturesOffTest, HasNoAccessControlObject) {
    register_client();
    EXPECT_EQ(server_request(code::kGet, {"2"}, 0x2901, coap::format::kSenmlCbor).code,
              code::kNotFound);
    EXPECT_EQ(server_request(code::kGet, {"3"}, 0x2902, coap::format::kSenmlCbor).code,
              code::kContent);
}

}  // namespace
}  // namespace lwm2m
