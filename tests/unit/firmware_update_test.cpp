// The Firmware Update object on fake ports: push, pull with Block2, ETag
// changes, retries, the saved state across a restart, cancel and Update.
#include "lwm2m/firmware_update.hpp"

#include <map>
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "firmware_test_support.hpp"
#include "fw/firmware_state.hpp"
#include "fw/package_uri.hpp"
#include "lwm2m/storage.hpp"
#include "persist/state_store.hpp"

namespace lwm2m {
namespace {

using fw::State;
using fw::UpdateResult;

// Storage with any number of blobs.
class MapStorage final : public Storage {
  public:
    Result<size_t> read(const char* name, std::span<std::byte> buffer) override {
        const auto found = blobs.find(name);
        if (found == blobs.end()) {
            return Status::kNotFound;
        }
        if (found->second.size() > buffer.size()) {
            return Status::kMessageTooLarge;
        }
        std::memcpy(buffer.data(), found->second.data(), found->second.size());
        return found->second.size();
    }
    Status write(const char* name, std::span<const std::byte> data) override {
        const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
        blobs[name] = std::vector<uint8_t>(bytes, bytes + data.size());
        return Status::kOk;
    }
    Status remove(const char* name) override {
        return blobs.erase(name) == 1 ? Status::kOk : Status::kNotFound;
    }

    std::map<std::string, std::vector<uint8_t>> blobs;
};

// Keeps the package in memory and records the calls.
class RecordingHandler final : public fw::PackageHandler {
  public:
    UpdateResult begin(size_t resume_offset) override {
        calls.push_back("begin " + std::to_string(resume_offset));
        package.resize(std::min(resume_offset, package.size()));
        return begin_result;
    }
    UpdateResult write(size_t offset, std::span<const uint8_t> bytes) override {
        if (offset != package.size()) {
            calls.push_back("write out of order");
        }
        package.insert(package.end(), bytes.begin(), bytes.end());
        return write_result;
    }
    UpdateResult finish() override {
        calls.push_back("finish");
        return finish_result;
    }
    UpdateResult apply() override {
        calls.push_back("apply");
        return apply_result;
    }
    void cancel() override {
        calls.push_back("cancel");
        package.clear();
    }
    UpdateResult update_outcome() override {
        calls.push_back("outcome");
        return outcome_result;
    }
    const char* package_name() const override { return "demo"; }
    const char* package_version() const override { return "2.0"; }

    bool called(const std::string& call) const {
        return std::find(calls.begin(), calls.end(), call) != calls.end();
    }

    std::vector<uint8_t> package;
    std::vector<std::string> calls;
    UpdateResult begin_result = UpdateResult::kInitial;
    UpdateResult write_result = UpdateResult::kInitial;
    UpdateResult finish_result = UpdateResult::kInitial;
    UpdateResult apply_result = UpdateResult::kSuccess;
    UpdateResult outcome_result = UpdateResult::kSuccess;
};

class FirmwareUpdateTest : public ClientTest {
  protected:
    FirmwareUpdateTest() : firmware_(handler_, testing::download_options(download_, 2)) {
        config_.storage = &storage_;
        config_.coap.ack_timeout_ms = 1000;
        config_.coap.ack_random_factor_percent = 100;
        config_.coap.max_retransmit = 1;
    }

    void SetUp() override {
        ASSERT_EQ(client_.add_object(firmware_), Status::kOk);
        register_client();
    }

    // Sends a CON request with a payload from the server and returns the reply.
    Message request(uint8_t method, std::vector<const char*> path,
                    std::span<const uint8_t> payload = {}, int format = -1, int64_t block1 = -1) {
        uint8_t buffer[1400];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0xa1, 0xb2};
        writer.header(Type::kConfirmable, method, next_id_++, token);
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        if (format >= 0) {
            writer.add_uint_option(option::kContentFormat, static_cast<uint32_t>(format));
        }
        if (block1 >= 0) {
            writer.add_uint_option(option::kBlock1, static_cast<uint32_t>(block1));
        }
        writer.append_payload(payload);
        EXPECT_FALSE(writer.overflow());
        const size_t before = transport_.sent_count;
        transport_.deliver(writer.bytes());
        client_.step();
        EXPECT_EQ(transport_.sent_count, before + 1);
        return last_sent();
    }

    Message write_text(uint16_t resource, const char* text) {
        const std::string path = std::to_string(resource);
        return request(code::kPut, {"5", "0", path.c_str()},
                       {reinterpret_cast<const uint8_t*>(text), std::strlen(text)},
                       coap::format::kTextPlain);
    }

    Message execute(const char* resource) { return request(code::kPost, {"5", "0", resource}); }

    int64_t read_integer(const char* resource) {
        const Message response =
            server_request(code::kGet, {"5", "0", resource}, next_id_++, coap::format::kTextPlain);
        EXPECT_EQ(response.code, code::kContent);
        return std::stoll(std::string(response.payload.begin(), response.payload.end()));
    }

    Message last_download_request() {
        Message message;
        EXPECT_GT(download_.sent_count, 0u);
        const auto& datagram =
            download_.sent[(download_.sent_count - 1) % FakeTransport::kCapacity];
        EXPECT_EQ(coap::decode(datagram.view(), message), coap::DecodeResult::kOk);
        return message;
    }

    // Responds to the last GET on the download transport with one block.
    void answer_block(uint32_t number, bool more, std::span<const uint8_t> payload,
                      std::vector<uint8_t> etag = {0x11, 0x22}, int size2 = -1,
                      uint8_t response_code = code::kContent) {
        const Message get = last_download_request();
        uint8_t buffer[1300];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, response_code, get.message_id, get.token_view());
        if (!etag.empty()) {
            writer.add_option(option::kETag, etag);
        }
        if (response_code == code::kContent) {
            writer.add_uint_option(option::kBlock2, number << 4 | (more ? 8 : 0) | 6);
            if (size2 >= 0) {
                writer.add_uint_option(option::kSize2, static_cast<uint32_t>(size2));
            }
        }
        writer.append_payload(payload);
        download_.deliver(writer.bytes());
        client_.step();
    }

    uint32_t requested_block(const Message& get) {
        uint32_t block = 0;
        EXPECT_TRUE(get.find_uint(option::kBlock2, block, 3));
        return block >> 4;
    }

    FakeTransport download_;
    MapStorage storage_;
    RecordingHandler handler_;
    FirmwareUpdate firmware_;
    uint16_t next_id_ = 0x4000;
};

TEST_F(FirmwareUpdateTest, ReadsItsResources) {
    EXPECT_EQ(read_integer("3"), 0);
    EXPECT_EQ(read_integer("5"), 0);
    EXPECT_EQ(read_integer("9"), 2);  // push and pull
    const Message protocols =
        server_request(code::kGet, {"5", "0", "8"}, next_id_++, coap::format::kLwm2mTlv);
    EXPECT_EQ(protocols.code, code::kContent);
    // One resource instance, CoAP (0): the fake transport does no DTLS.
    EXPECT_EQ(protocols.payload.size(), 5u);
}

TEST_F(FirmwareUpdateTest, RegistersObjectVersion) {
    // The Register payload listed </5/0> with ver=1.1 (object version 1.1).
    const Message registration = sent(0);
    const std::string links(registration.payload.begin(), registration.payload.end());
    EXPECT_NE(links.find("</5>;ver=1.1"), std::string::npos) << links;
}

TEST_F(FirmwareUpdateTest, PushInOneMessageThenUpdate) {
    const std::vector<uint8_t> package = testing::package_bytes(300, 1);
    EXPECT_EQ(request(code::kPut, {"5", "0", "0"}, package, coap::format::kOpaque).code,
              code::kChanged);
    EXPECT_EQ(handler_.package, package);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
    EXPECT_EQ(read_integer("3"), 2);

    EXPECT_EQ(execute("2").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kSuccess);
    EXPECT_TRUE(handler_.called("apply"));
}

TEST_F(FirmwareUpdateTest, PushInBlock1Blocks) {
    const std::vector<uint8_t> package = testing::package_bytes(256 * 3 + 10, 3);
    for (uint32_t number = 0; number < 4; ++number) {
        const size_t begin = number * 256;
        const size_t end = std::min(package.size(), begin + 256);
        const bool more = number < 3;
        const Message reply =
            request(code::kPut, {"5", "0", "0"}, std::span(package).subspan(begin, end - begin),
                    coap::format::kOpaque, number << 4 | (more ? 8 : 0) | 4);
        EXPECT_EQ(reply.code, more ? code::kContinue : code::kChanged) << number;
        if (more) {
            EXPECT_EQ(firmware_.state(), State::kDownloading);
        }
    }
    EXPECT_EQ(handler_.package, package);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
    EXPECT_EQ(firmware_.progress().received, package.size());
}

TEST_F(FirmwareUpdateTest, PushRefusedByTheApplication) {
    handler_.finish_result = UpdateResult::kIntegrityFailure;
    const std::vector<uint8_t> package = testing::package_bytes(64, 9);
    EXPECT_EQ(request(code::kPut, {"5", "0", "0"}, package, coap::format::kOpaque).code,
              code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kIntegrityFailure);
    EXPECT_TRUE(handler_.called("cancel"));
}

TEST_F(FirmwareUpdateTest, PushWithoutSpaceGets413) {
    handler_.begin_result = UpdateResult::kNotEnoughSpace;
    const std::vector<uint8_t> package = testing::package_bytes(64, 9);
    EXPECT_EQ(request(code::kPut, {"5", "0", "0"}, package, coap::format::kOpaque).code,
              code::kRequestEntityTooLarge);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kNotEnoughSpace);
}

TEST_F(FirmwareUpdateTest, ZeroByteOrEmptyUriResets) {
    const std::vector<uint8_t> package = testing::package_bytes(64, 9);
    (void)request(code::kPut, {"5", "0", "0"}, package, coap::format::kOpaque);
    ASSERT_EQ(firmware_.state(), State::kDownloaded);
    const uint8_t zero[] = {0};
    EXPECT_EQ(request(code::kPut, {"5", "0", "0"}, zero, coap::format::kOpaque).code,
              code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kInitial);
    EXPECT_TRUE(handler_.called("cancel"));
    EXPECT_EQ(write_text(1, "").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);
}

TEST_F(FirmwareUpdateTest, UpdateOnlyWhenDownloaded) {
    EXPECT_EQ(execute("2").code, code::kMethodNotAllowed);
    EXPECT_FALSE(handler_.called("apply"));
}

TEST_F(FirmwareUpdateTest, FailedUpdateKeepsThePackage) {
    handler_.apply_result = UpdateResult::kUpdateFailed;
    (void)request(code::kPut, {"5", "0", "0"}, testing::package_bytes(64, 2),
                  coap::format::kOpaque);
    EXPECT_EQ(execute("2").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
    EXPECT_EQ(firmware_.result(), UpdateResult::kUpdateFailed);
}

TEST_F(FirmwareUpdateTest, CancelInEachState) {
    EXPECT_EQ(execute("10").code, code::kChanged);  // Idle
    EXPECT_EQ(firmware_.result(), UpdateResult::kCancelled);

    EXPECT_EQ(write_text(1, "coap://192.0.2.9/fw").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kDownloading);
    EXPECT_EQ(execute("10").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kCancelled);
    EXPECT_EQ(read_integer("5"), 10);

    (void)request(code::kPut, {"5", "0", "0"}, testing::package_bytes(64, 2),
                  coap::format::kOpaque);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
    EXPECT_EQ(execute("10").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);

    handler_.apply_result = UpdateResult::kInitial;  // the update goes on
    (void)request(code::kPut, {"5", "0", "0"}, testing::package_bytes(64, 2),
                  coap::format::kOpaque);
    EXPECT_EQ(execute("2").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kUpdating);
    EXPECT_EQ(execute("10").code, code::kMethodNotAllowed);
    EXPECT_EQ(write_text(1, "").code, code::kMethodNotAllowed);
    firmware_.update_finished(UpdateResult::kSuccess);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kSuccess);
}

TEST_F(FirmwareUpdateTest, PullsInBlock2Blocks) {
    EXPECT_EQ(write_text(1, "coap://192.0.2.9:5690/fw/image.bin?v=2").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kDownloading);
    client_.step();
    EXPECT_STREQ(download_.connected_host, "192.0.2.9");
    EXPECT_EQ(download_.connected_port, 5690);
    Message get = last_download_request();
    EXPECT_EQ(get.code, code::kGet);
    EXPECT_EQ(options_of(get, option::kUriPath), (std::vector<std::string>{"fw", "image.bin"}));
    EXPECT_EQ(options_of(get, option::kUriQuery), (std::vector<std::string>{"v=2"}));
    EXPECT_TRUE(options_of(get, option::kUriHost).empty());
    EXPECT_EQ(requested_block(get), 0u);
    EXPECT_NE(get.find(option::kSize2), nullptr);

    const std::vector<uint8_t> package = testing::package_bytes(1024 * 2 + 100, 5);
    answer_block(0, true, std::span(package).first(1024), {0x11, 0x22},
                 static_cast<int>(package.size()));
    EXPECT_EQ(firmware_.progress().total, package.size());
    client_.step();
    EXPECT_EQ(requested_block(last_download_request()), 1u);
    answer_block(1, true, std::span(package).subspan(1024, 1024));
    client_.step();
    EXPECT_EQ(requested_block(last_download_request()), 2u);
    answer_block(2, false, std::span(package).subspan(2048));
    EXPECT_EQ(handler_.package, package);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
    EXPECT_EQ(read_integer("3"), 2);
    EXPECT_TRUE(handler_.called("finish"));
}

TEST_F(FirmwareUpdateTest, ChangedETagRestartsTheDownload) {
    (void)write_text(1, "coap://192.0.2.9/fw");
    client_.step();
    const std::vector<uint8_t> old_package = testing::package_bytes(2048, 1);
    const std::vector<uint8_t> new_package = testing::package_bytes(1500, 2);
    answer_block(0, true, std::span(old_package).first(1024), {0x01});
    client_.step();
    answer_block(1, true, std::span(old_package).subspan(1024, 1024), {0x02});
    client_.step();
    EXPECT_TRUE(handler_.called("cancel"));
    EXPECT_EQ(requested_block(last_download_request()), 0u);
    answer_block(0, true, std::span(new_package).first(1024), {0x02});
    client_.step();
    answer_block(1, false, std::span(new_package).subspan(1024), {0x02});
    EXPECT_EQ(handler_.package, new_package);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
}

TEST_F(FirmwareUpdateTest, RetriesThenReportsConnectionLost) {
    (void)write_text(1, "coap://192.0.2.9/fw");
    client_.step();
    const size_t first = download_.sent_count;
    advance(1000);  // retransmission
    EXPECT_EQ(download_.sent_count, first + 1);
    advance(2000);  // no response: attempt 1 fails, the next starts in 1 s
    EXPECT_EQ(firmware_.state(), State::kDownloading);
    EXPECT_GE(download_.renew_calls, 1);
    advance(1000);
    EXPECT_EQ(download_.sent_count, first + 2);
    advance(1000);
    advance(2000);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kConnectionLost);
}

TEST_F(FirmwareUpdateTest, NotFoundIsAnInvalidUri) {
    (void)write_text(1, "coap://192.0.2.9/missing");
    client_.step();
    answer_block(0, false, {}, {}, -1, code::kNotFound);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kInvalidUri);
}

TEST_F(FirmwareUpdateTest, UnsupportedSchemeAndInvalidUri) {
    EXPECT_EQ(write_text(1, "http://192.0.2.9/fw").code, code::kChanged);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kUnsupportedProtocol);
    EXPECT_EQ(write_text(1, "coaps://192.0.2.9/fw").code, code::kChanged);  // no DTLS here
    EXPECT_EQ(firmware_.result(), UpdateResult::kUnsupportedProtocol);
    EXPECT_EQ(write_text(1, "coap://:99999/x").code, code::kChanged);
    EXPECT_EQ(firmware_.result(), UpdateResult::kInvalidUri);
    EXPECT_EQ(write_text(1, "coap://host/a%zz").code, code::kChanged);
    EXPECT_EQ(firmware_.result(), UpdateResult::kInvalidUri);
    EXPECT_EQ(download_.sent_count, 0u);
}

// A second client on the same storage plays the device after a reboot.
class RestartedDevice {
  public:
    explicit RestartedDevice(MapStorage& storage)
        : client(transport, clock, random),
          firmware(handler, testing::download_options(download, 2)) {
        config.endpoint_name = "dev1";
        config.server_uri = "coap://192.0.2.1:5683";
        config.lifetime_s = 300;
        config.storage = &storage;
        EXPECT_EQ(client.add_object(firmware), Status::kOk);
        EXPECT_EQ(client.configure(config), Status::kOk);
        client.step();
    }

    FakeTransport transport;
    FakeTransport download;
    FakeClock clock;
    FakeRandom random;
    ClientConfig config;
    Client client;
    RecordingHandler handler;
    FirmwareUpdate firmware;
};

TEST_F(FirmwareUpdateTest, DownloadResumesAfterARestart) {
    (void)write_text(1, "coap://192.0.2.9/fw");
    client_.step();
    const std::vector<uint8_t> package = testing::package_bytes(3000, 4);
    answer_block(0, true, std::span(package).first(1024), {0x33});
    client_.step();  // offset 1024 saved (save interval 0)

    RestartedDevice device(storage_);
    EXPECT_EQ(device.firmware.state(), State::kDownloading);
    EXPECT_TRUE(device.handler.called("begin 1024"));
    Message get;
    ASSERT_GT(device.download.sent_count, 0u);
    ASSERT_EQ(coap::decode(device.download.sent[device.download.sent_count - 1].view(), get),
              coap::DecodeResult::kOk);
    uint32_t block = 0;
    ASSERT_TRUE(get.find_uint(option::kBlock2, block, 3));
    EXPECT_EQ(block >> 4, 1u);
}

TEST_F(FirmwareUpdateTest, ReportsTheUpdateAfterARestart) {
    handler_.apply_result = UpdateResult::kInitial;  // the device reboots in apply()
    (void)request(code::kPut, {"5", "0", "0"}, testing::package_bytes(64, 2),
                  coap::format::kOpaque);
    EXPECT_EQ(execute("2").code, code::kChanged);
    ASSERT_EQ(firmware_.state(), State::kUpdating);

    RestartedDevice device(storage_);
    EXPECT_TRUE(device.handler.called("outcome"));
    EXPECT_EQ(device.firmware.state(), State::kIdle);
    EXPECT_EQ(device.firmware.result(), UpdateResult::kSuccess);
}

TEST_F(FirmwareUpdateTest, PushCutByARestartEndsInConnectionLost) {
    const std::vector<uint8_t> package = testing::package_bytes(512, 3);
    (void)request(code::kPut, {"5", "0", "0"}, std::span(package).first(256), coap::format::kOpaque,
                  0 << 4 | 8 | 4);
    ASSERT_EQ(firmware_.state(), State::kDownloading);
    RestartedDevice device(storage_);
    EXPECT_EQ(device.firmware.state(), State::kIdle);
    EXPECT_EQ(device.firmware.result(), UpdateResult::kConnectionLost);
}

TEST_F(FirmwareUpdateTest, StateChangesAreNotified) {
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t token[] = {0x70, 0x01};
    writer.header(Type::kConfirmable, code::kGet, next_id_++, token);
    writer.add_uint_option(option::kObserve, 0);
    writer.add_option(option::kUriPath, "5");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "3");
    writer.add_uint_option(option::kAccept, coap::format::kTextPlain);
    transport_.deliver(writer.bytes());
    client_.step();
    ASSERT_EQ(last_sent().code, code::kContent);

    const size_t before = transport_.sent_count;
    (void)request(code::kPut, {"5", "0", "0"}, testing::package_bytes(64, 2),
                  coap::format::kOpaque);
    client_.step();
    const std::vector<Message> notifications = notifications_since(before);
    ASSERT_FALSE(notifications.empty());
    const Message& last = notifications.back();
    EXPECT_EQ(std::string(last.payload.begin(), last.payload.end()), "2");
}

// A downloader for http:// URIs that the test drives by hand.
class HttpDownloader final : public fw::Downloader {
  public:
    bool supports(const char* uri) const override { return std::strncmp(uri, "http://", 7) == 0; }
    uint8_t protocol() const override { return 2; }
    UpdateResult start(const char* uri, size_t offset) override {
        started = uri;
        start_offset = offset;
        return UpdateResult::kInitial;
    }
    void stop() override { stopped = true; }

    std::string started;
    size_t start_offset = 0;
    bool stopped = false;
};

class DownloaderTest : public ClientTest {
  protected:
    DownloaderTest()
        : firmware_(handler_, [this] {
              fw::Options options;
              options.downloader = &downloader_;
              options.push = false;
              return options;
          }()) {}

    void SetUp() override {
        ASSERT_EQ(client_.add_object(firmware_), Status::kOk);
        register_client();
    }

    Message write_uri(const char* uri) {
        testing::deliver_package_uri(transport_, client_, uri, next_id_++);
        return last_sent();
    }

    HttpDownloader downloader_;
    RecordingHandler handler_;
    FirmwareUpdate firmware_;
    uint16_t next_id_ = 0x5000;
};

TEST_F(DownloaderTest, FetchesOtherSchemes) {
    EXPECT_EQ(write_uri("http://192.0.2.7/fw.bin").code, code::kChanged);
    EXPECT_EQ(downloader_.started, "http://192.0.2.7/fw.bin");
    EXPECT_EQ(firmware_.state(), State::kDownloading);
    const std::vector<uint8_t> package = testing::package_bytes(100, 8);
    EXPECT_EQ(firmware_.downloaded_bytes(0, std::span(package).first(60)), Status::kOk);
    EXPECT_EQ(firmware_.downloaded_bytes(10, std::span(package).first(5)), Status::kInvalidState);
    EXPECT_EQ(firmware_.downloaded_bytes(60, std::span(package).subspan(60)), Status::kOk);
    firmware_.download_finished(UpdateResult::kInitial);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
    EXPECT_EQ(handler_.package, package);

    // coap:// has no transport here, and push is off.
    EXPECT_EQ(write_uri("coap://192.0.2.7/fw.bin").code, code::kChanged);
    EXPECT_EQ(firmware_.result(), UpdateResult::kUnsupportedProtocol);
}

TEST_F(DownloaderTest, CancelStopsTheDownloader) {
    (void)write_uri("http://192.0.2.7/fw.bin");
    EXPECT_EQ(write_uri("").code, code::kChanged);
    EXPECT_TRUE(downloader_.stopped);
    EXPECT_EQ(firmware_.state(), State::kIdle);
    firmware_.download_finished(UpdateResult::kInitial);  // too late: ignored
    EXPECT_EQ(firmware_.state(), State::kIdle);
}

TEST(FirmwareStateTest, RoundTripAndDamage) {
    fw::SavedState saved;
    saved.state = 1;
    saved.result = 0;
    saved.source = 2;
    saved.size_exponent = 5;
    saved.etag_length = 2;
    saved.etag[0] = 0xab;
    saved.offset = 65536;
    saved.changed_s = 1700000000;
    saved.uri = "coap://[::1]:5683/fw";
    uint8_t buffer[fw::kMaxSavedStateSize];
    const size_t length = fw::encode_state(saved, buffer);
    char uri[fw::kMaxSavedUriLength + 1];
    fw::SavedState decoded;
    ASSERT_TRUE(fw::decode_state(std::span(buffer, length), decoded, uri));
    EXPECT_EQ(decoded.offset, 65536u);
    EXPECT_EQ(decoded.changed_s, 1700000000);
    EXPECT_STREQ(decoded.uri, "coap://[::1]:5683/fw");
    for (size_t i = 0; i < length; ++i) {
        uint8_t damaged[fw::kMaxSavedStateSize];
        std::memcpy(damaged, buffer, length);
        damaged[i] ^= 0x40;
        EXPECT_FALSE(fw::decode_state(std::span(damaged, length), decoded, uri)) << i;
    }
    EXPECT_FALSE(fw::decode_state(std::span(buffer, length - 1), decoded, uri));
}

TEST(FirmwareStateTest, RejectsNulInUri) {
    // The encoder writes the URI up to its NUL, so a blob with a NUL inside
    // the URI was not written by it: decoding it would cut the URI short.
    fw::SavedState saved;
    saved.uri = "coap://h/fw";
    uint8_t buffer[fw::kMaxSavedStateSize];
    const size_t length = fw::encode_state(saved, buffer);
    const size_t uri_begin = length - 4 - std::strlen(saved.uri);
    buffer[uri_begin + 9] = '\0';  // "coap://h/" NUL "w"
    const uint32_t crc = persist::crc32({buffer, length - 4});
    for (size_t i = 0; i < 4; ++i) {
        buffer[length - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
    char uri[fw::kMaxSavedUriLength + 1];
    fw::SavedState decoded;
    EXPECT_FALSE(fw::decode_state(std::span(buffer, length), decoded, uri));
    EXPECT_STREQ(uri, "");
}

TEST(PackageUriTest, SplitsAndChecks) {
    fw::PackageUri parts;
    ASSERT_EQ(fw::parse_package_uri("coaps://[2001:db8::1]:6000/a/b%20c?x=1&y", parts),
              Status::kOk);
    EXPECT_TRUE(parts.secure);
    EXPECT_STREQ(parts.host, "2001:db8::1");
    EXPECT_EQ(parts.port, 6000);
    uint8_t buffer[128];
    coap::MessageWriter writer(buffer);
    writer.header(coap::Type::kConfirmable, coap::code::kGet, 1, {});
    ASSERT_TRUE(fw::add_uri_options(parts, writer));
    Message message;
    ASSERT_EQ(coap::decode(writer.bytes(), message), coap::DecodeResult::kOk);
    EXPECT_EQ(options_of(message, option::kUriPath), (std::vector<std::string>{"a", "b c"}));
    EXPECT_EQ(options_of(message, option::kUriQuery), (std::vector<std::string>{"x=1", "y"}));

    ASSERT_EQ(fw::parse_package_uri("coap://fw.example.com/img", parts), Status::kOk);
    EXPECT_EQ(parts.port, 5683);
    coap::MessageWriter named(buffer);
    named.header(coap::Type::kConfirmable, coap::code::kGet, 1, {});
    ASSERT_TRUE(fw::add_uri_options(parts, named));
    ASSERT_EQ(coap::decode(named.bytes(), message), coap::DecodeResult::kOk);
    EXPECT_EQ(options_of(message, option::kUriHost), (std::vector<std::string>{"fw.example.com"}));

    EXPECT_EQ(fw::parse_package_uri("http://h/x", parts), Status::kUnsupported);
    EXPECT_EQ(fw::parse_package_uri("coap://h/x#frag", parts), Status::kInvalidArgument);
    EXPECT_EQ(fw::parse_package_uri("coap://user@h/x", parts), Status::kInvalidArgument);
    EXPECT_EQ(fw::parse_package_uri("coap://h:0/x", parts), Status::kInvalidArgument);
    EXPECT_EQ(fw::parse_package_uri("coap://[::1/x", parts), Status::kInvalidArgument);
    EXPECT_EQ(fw::parse_package_uri("coap:///x", parts), Status::kInvalidArgument);
    EXPECT_EQ(fw::parse_package_uri("not a uri", parts), Status::kInvalidArgument);
}

}  // namespace
}  // namespace lwm2m
