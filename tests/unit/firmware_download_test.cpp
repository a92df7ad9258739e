// The package download of the Firmware Update object against a file server
// that breaks RFC 7252 and RFC 7959. It sends blocks larger than requested,
// malformed Block2 options, duplicated separate responses, 5.03 with
// Max-Age, blocks other than the one requested and repeated empty ACKs.
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "firmware_test_support.hpp"
#include "lwm2m/firmware_update.hpp"

namespace lwm2m {
namespace {

using fw::State;
using fw::UpdateResult;

// Keeps the package in memory and counts the calls to finish().
class PackageBuffer final : public fw::PackageHandler {
  public:
    UpdateResult begin(size_t resume_offset) override {
        package.resize(std::min(resume_offset, package.size()));
        return UpdateResult::kInitial;
    }
    UpdateResult write(size_t offset, std::span<const uint8_t> bytes) override {
        EXPECT_EQ(offset, package.size());
        package.insert(package.end(), bytes.begin(), bytes.end());
        return UpdateResult::kInitial;
    }
    UpdateResult finish() override {
        ++finish_calls;
        return UpdateResult::kInitial;
    }
    UpdateResult apply() override { return UpdateResult::kSuccess; }
    void cancel() override { package.clear(); }
    UpdateResult update_outcome() override { return UpdateResult::kSuccess; }

    std::vector<uint8_t> package;
    int finish_calls = 0;
};

// One response of the file server. Options are written in ascending order.
struct BlockResponse {
    Type type = Type::kAcknowledgement;
    uint8_t code = code::kContent;
    // For CON and NON responses; an ACK takes the message ID of the GET.
    uint16_t message_id = 0x7001;
    std::vector<uint8_t> etag = {0x11, 0x22};
    int64_t max_age_s = -1;
    // The Block2 option value as bytes, empty for none.
    std::vector<uint8_t> block2;
    std::vector<uint8_t> payload;
};

// A Block2 option value in its shortest form (RFC 7959, 2.2).
std::vector<uint8_t> block2_value(uint32_t number, bool more, uint8_t szx) {
    const uint32_t value = number << 4 | (more ? 8 : 0) | szx;
    std::vector<uint8_t> bytes;
    for (int shift = 16; shift >= 0; shift -= 8) {
        if ((value >> shift) != 0 || !bytes.empty()) {
            bytes.push_back(static_cast<uint8_t>(value >> shift));
        }
    }
    return bytes;
}

class FirmwareDownloadTest : public ClientTest {
  protected:
    static constexpr uint8_t kSzx = 2;
    static constexpr size_t kBlockSize = 64;

    FirmwareDownloadTest()
        : firmware_(handler_, testing::download_options(download_, 3, kBlockSize)) {
        config_.coap.ack_timeout_ms = 1000;
        config_.coap.ack_random_factor_percent = 100;
        config_.coap.max_retransmit = 1;
    }

    void SetUp() override {
        ASSERT_EQ(client_.add_object(firmware_), Status::kOk);
        register_client();
        write_package_uri("coap://192.0.2.9/fw");
        ASSERT_EQ(firmware_.state(), State::kDownloading);
        ASSERT_EQ(download_.sent_count, 1u);  // the GET of block 0
    }

    void write_package_uri(const char* uri) {
        testing::deliver_package_uri(transport_, client_, uri, next_server_id_++);
    }

    Message download_sent(size_t index) {
        Message message;
        EXPECT_LT(index, download_.sent_count);
        EXPECT_EQ(coap::decode(download_.sent[index % FakeTransport::kCapacity].view(), message),
                  coap::DecodeResult::kOk);
        return message;
    }

    Message last_get() {
        for (size_t i = download_.sent_count; i > 0; --i) {
            const Message message = download_sent(i - 1);
            if (message.code == code::kGet) {
                return message;
            }
        }
        ADD_FAILURE() << "no GET sent";
        return {};
    }

    // The Block2 value of the last GET.
    uint32_t requested_block2() {
        uint32_t block = 0;
        EXPECT_TRUE(last_get().find_uint(option::kBlock2, block, 3));
        return block;
    }

    // Delivers `response` to the last GET on the download transport and steps.
    void respond(const BlockResponse& response) {
        const Message get = last_get();
        uint8_t buffer[1300];
        MessageWriter writer(buffer);
        const uint16_t message_id =
            response.type == Type::kAcknowledgement ? get.message_id : response.message_id;
        // An Empty message has no token (RFC 7252, 4.1).
        const std::span<const uint8_t> token =
            response.code == code::kEmpty ? std::span<const uint8_t>() : get.token_view();
        writer.header(response.type, response.code, message_id, token);
        if (!response.etag.empty()) {
            writer.add_option(option::kETag, response.etag);
        }
        if (response.max_age_s >= 0) {
            writer.add_uint_option(option::kMaxAge, static_cast<uint32_t>(response.max_age_s));
        }
        if (!response.block2.empty()) {
            writer.add_option(option::kBlock2, response.block2);
        }
        writer.append_payload(response.payload);
        ASSERT_FALSE(writer.overflow());
        last_response_.assign(writer.bytes().begin(), writer.bytes().end());
        download_.deliver(writer.bytes());
        client_.step();
    }

    // Delivers the last response again, as a server that retransmits it.
    void repeat_last_response() {
        download_.deliver(last_response_);
        client_.step();
    }

    // Responds to the last GET with the block it requested, cut from `package`.
    void respond_with_block(const std::vector<uint8_t>& package) {
        const uint32_t number = requested_block2() >> 4;
        const size_t begin = number * kBlockSize;
        const size_t end = std::min(package.size(), begin + kBlockSize);
        BlockResponse response;
        response.block2 = block2_value(number, end < package.size(), kSzx);
        response.payload.assign(package.begin() + begin, package.begin() + end);
        respond(response);
    }

    // The number of empty ACKs with `message_id` sent on the download transport.
    int acks_sent(uint16_t message_id) {
        int count = 0;
        for (size_t i = 0; i < download_.sent_count; ++i) {
            const Message message = download_sent(i);
            if (message.type == Type::kAcknowledgement && message.code == code::kEmpty &&
                message.message_id == message_id) {
                ++count;
            }
        }
        return count;
    }

    size_t gets_sent() {
        size_t count = 0;
        for (size_t i = 0; i < download_.sent_count; ++i) {
            count += download_sent(i).code == code::kGet ? 1 : 0;
        }
        return count;
    }

    FakeTransport download_;
    PackageBuffer handler_;
    FirmwareUpdate firmware_;
    std::vector<uint8_t> last_response_;
    uint16_t next_server_id_ = 0x4000;
};

TEST_F(FirmwareDownloadTest, LargerBlockThanRequestedIsRejected) {
    // RFC 7959, 2.4: the server uses the block size of the request or a
    // smaller one. Here a request for 64 bytes gets a 256-byte block.
    ASSERT_EQ(requested_block2() & 7, kSzx);
    BlockResponse response;
    response.block2 = block2_value(0, true, 4);
    response.payload = testing::package_bytes(256, 1);
    respond(response);

    EXPECT_TRUE(handler_.package.empty());
    advance(1000);  // the retry delay
    ASSERT_EQ(firmware_.state(), State::kDownloading);
    EXPECT_EQ(requested_block2(), uint32_t{kSzx});  // block 0, still 64 bytes
}

TEST_F(FirmwareDownloadTest, FourByteBlock2IsRejected) {
    // RFC 7959, 2.2: a Block2 value has 0 to 3 bytes. This one encodes block
    // 0 of 64 bytes with more to come in 4 bytes. Read as no Block2 at all,
    // it would make the first block the whole package.
    BlockResponse response;
    response.block2 = {0x00, 0x00, 0x00, 0x08 | kSzx};
    response.payload = testing::package_bytes(kBlockSize, 2);
    respond(response);

    EXPECT_EQ(handler_.finish_calls, 0);
    EXPECT_TRUE(handler_.package.empty());
    EXPECT_EQ(firmware_.state(), State::kDownloading);
}

TEST_F(FirmwareDownloadTest, LastBlockLongerThanBlockSizeIsRejected) {
    const std::vector<uint8_t> package = testing::package_bytes(kBlockSize + 100, 3);
    respond_with_block(package);
    ASSERT_EQ(handler_.package.size(), kBlockSize);

    // Block 1 of 64 bytes, the last, with 100 bytes.
    BlockResponse response;
    response.block2 = block2_value(1, false, kSzx);
    response.payload.assign(package.begin() + kBlockSize, package.end());
    respond(response);

    EXPECT_EQ(handler_.finish_calls, 0);
    EXPECT_EQ(handler_.package.size(), kBlockSize);
    EXPECT_EQ(firmware_.state(), State::kDownloading);
}

TEST_F(FirmwareDownloadTest, DuplicateSeparateResponseIsAcknowledgedAgain) {
    const std::vector<uint8_t> package = testing::package_bytes(3 * kBlockSize, 4);
    BlockResponse empty_ack;
    empty_ack.code = code::kEmpty;
    empty_ack.etag.clear();
    respond(empty_ack);

    // The block as a CON separate response (RFC 7252, 5.2.2).
    BlockResponse response;
    response.type = Type::kConfirmable;
    response.message_id = 0x7001;
    response.block2 = block2_value(0, true, kSzx);
    response.payload.assign(package.begin(), package.begin() + kBlockSize);
    random_.value = 0x5a;  // the next GET gets another token
    respond(response);
    ASSERT_EQ(acks_sent(0x7001), 1);
    ASSERT_EQ(handler_.package.size(), kBlockSize);
    const size_t gets = gets_sent();

    // The ACK was lost, so the server sends the response again. RFC 7252,
    // 4.5: acknowledge each copy, process the response once.
    repeat_last_response();
    EXPECT_EQ(acks_sent(0x7001), 2);
    EXPECT_EQ(handler_.package.size(), kBlockSize);
    EXPECT_EQ(gets_sent(), gets);

    respond_with_block(package);
    respond_with_block(package);
    EXPECT_EQ(handler_.package, package);
    EXPECT_EQ(firmware_.state(), State::kDownloaded);
}

TEST_F(FirmwareDownloadTest, ServiceUnavailableWaitsForMaxAge) {
    // RFC 7252, 5.9.3.4: Max-Age of a 5.03 is the number of seconds after
    // which to retry.
    BlockResponse response;
    response.code = coap::make_code(5, 3);
    response.etag.clear();
    response.max_age_s = 30;
    respond(response);
    const size_t gets = gets_sent();

    advance(29000);
    EXPECT_EQ(gets_sent(), gets);
    advance(1000);
    EXPECT_EQ(gets_sent(), gets + 1);
    EXPECT_EQ(firmware_.state(), State::kDownloading);
}

TEST_F(FirmwareDownloadTest, OtherBlockThanRequestedCountsAsFailedAttempt) {
    const std::vector<uint8_t> package = testing::package_bytes(3 * kBlockSize, 5);
    respond_with_block(package);
    ASSERT_EQ(requested_block2() >> 4, 1u);

    // A server that responds to every GET with block 0 again: each response
    // is a failed attempt, so the download ends after Options::attempts.
    for (int i = 0; i < 3 && firmware_.state() == State::kDownloading; ++i) {
        BlockResponse response;
        response.block2 = block2_value(0, true, kSzx);
        response.payload.assign(package.begin(), package.begin() + kBlockSize);
        respond(response);
        advance(10000);
    }
    EXPECT_EQ(firmware_.state(), State::kIdle);
    EXPECT_EQ(firmware_.result(), UpdateResult::kConnectionLost);
}

TEST_F(FirmwareDownloadTest, RepeatedEmptyAckDoesNotExtendTheWait) {
    // EXCHANGE_LIFETIME with these parameters: 1 s of retransmissions, twice
    // MAX_LATENCY (100 s) and PROCESSING_DELAY (1 s), so 202 s.
    BlockResponse empty_ack;
    empty_ack.code = code::kEmpty;
    empty_ack.etag.clear();
    respond(empty_ack);
    advance(150000);
    repeat_last_response();  // a duplicate of the empty ACK
    advance(60000);

    // The separate response is overdue: the attempt has failed.
    EXPECT_EQ(download_.renew_calls, 1);
}

TEST_F(FirmwareDownloadTest, UnmatchedConMessagesGetReset) {
    // A CON response with another token, from an exchange the client no longer has.
    uint8_t buffer[64];
    MessageWriter stale(buffer);
    const uint8_t token[] = {0xde, 0xad, 0xbe, 0xef};
    stale.header(Type::kConfirmable, code::kContent, 0x6001, token);
    stale.append_payload(testing::package_bytes(8, 1));
    download_.deliver(stale.bytes());
    client_.step();
    const Message reset = download_sent(download_.sent_count - 1);
    EXPECT_EQ(reset.type, Type::kReset);
    EXPECT_EQ(reset.message_id, 0x6001);
    EXPECT_TRUE(handler_.package.empty());

    // A CoAP ping.
    MessageWriter ping(buffer);
    ping.header(Type::kConfirmable, code::kEmpty, 0x6002, {});
    download_.deliver(ping.bytes());
    client_.step();
    const Message pong = download_sent(download_.sent_count - 1);
    EXPECT_EQ(pong.type, Type::kReset);
    EXPECT_EQ(pong.message_id, 0x6002);
    EXPECT_EQ(firmware_.state(), State::kDownloading);
}

}  // namespace
}  // namespace lwm2m
