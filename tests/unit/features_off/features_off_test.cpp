// A client built with every feature switch of lwm2m/config.hpp at 0. The
// formats left (text/plain, opaque, SenML CBOR) work, the others get the CoAP
// codes for a format the client lacks, nothing goes to Storage, Send is
// unsupported, and a Bootstrap-Server URI is an invalid setting.
#include "client_fixture.hpp"

static_assert(LWM2M_WITH_TLV == 0 && LWM2M_WITH_JSON == 0 && LWM2M_WITH_LWM2M_CBOR == 0 &&
                  LWM2M_WITH_CBOR == 0 && LWM2M_WITH_PERSISTENCE == 0 && LWM2M_WITH_SEND == 0 &&
                  LWM2M_WITH_BOOTSTRAP == 0,
              "this test needs the library built with every feature switch off");

namespace lwm2m {
namespace {

using FeaturesOffTest = ClientTest;

TEST_F(FeaturesOffTest, ReadInSenmlCborWorks) {
    register_client();
    const Message response =
        server_request(code::kGet, {"3", "0"}, 0x2001, coap::format::kSenmlCbor);
    EXPECT_EQ(response.code, code::kContent);
    uint32_t format = 0;
    ASSERT_TRUE(response.find_uint(option::kContentFormat, format));
    EXPECT_EQ(format, coap::format::kSenmlCbor);
}

TEST_F(FeaturesOffTest, RemovedFormatsAreNotAcceptable) {
    register_client();
    for (const uint16_t accept : {coap::format::kLwm2mTlv, coap::format::kSenmlJson,
                                  coap::format::kLwm2mCbor, coap::format::kCbor}) {
        EXPECT_EQ(server_request(code::kGet, {"3", "0"},
                                 static_cast<uint16_t>(0x2100 + accept % 64), accept)
                      .code,
                  code::kNotAcceptable)
            << accept;
    }
}

TEST_F(FeaturesOffTest, WriteInTlvIsUnsupported) {
    register_client();
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t token[] = {0x31};
    writer.header(Type::kConfirmable, code::kPut, 0x2201, token);
    writer.add_option(option::kUriPath, "1");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "1");
    writer.add_uint_option(option::kContentFormat, coap::format::kLwm2mTlv);
    const uint8_t lifetime[] = {0xc1, 0x01, 0x3c};  // resource 1, one byte: 60
    writer.append_payload(lifetime);
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(last_sent().code, code::kUnsupportedContentFormat);
}

TEST_F(FeaturesOffTest, LwM2M10ReadsObjectsInSenmlCbor) {
    config_.version = Lwm2mVersion::k1_0;
    register_client();
    const Message response = server_request(code::kGet, {"3", "0"}, 0x2301);
    EXPECT_EQ(response.code, code::kContent);
    uint32_t format = 0;
    ASSERT_TRUE(response.find_uint(option::kContentFormat, format));
    EXPECT_EQ(format, coap::format::kSenmlCbor);
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

}  // namespace
}  // namespace lwm2m
