// SLIP framing and the serial-line transport of ports/slip, against a fake
// serial link that plays the bridge's part of the link protocol.
#include "lwm2m/slip/slip_transport.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

using lwm2m::Status;
using lwm2m::net::TransportState;
using lwm2m::slip::Decoder;
using lwm2m::slip::SlipTransport;

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
    std::vector<std::byte> result;
    for (const int value : values) {
        result.push_back(static_cast<std::byte>(value));
    }
    return result;
}

std::vector<std::byte> bytes_of(const std::string& text) {
    std::vector<std::byte> result;
    for (const char c : text) {
        result.push_back(static_cast<std::byte>(c));
    }
    return result;
}

// Records what the transport writes and feeds it what the test queues.
class FakeLink final : public lwm2m::slip::SerialLink {
  public:
    void write(std::span<const std::byte> bytes) override {
        written.insert(written.end(), bytes.begin(), bytes.end());
    }
    bool read_byte(std::byte& byte) override {
        if (incoming.empty()) {
            return false;
        }
        byte = incoming.front();
        incoming.pop_front();
        return true;
    }

    // Queues `frame` as the bridge would send it: END, escaped bytes, END.
    void queue_frame(const std::vector<std::byte>& frame) {
        incoming.push_back(lwm2m::slip::kEnd);
        for (const std::byte byte : frame) {
            if (byte == lwm2m::slip::kEnd) {
                incoming.push_back(lwm2m::slip::kEsc);
                incoming.push_back(lwm2m::slip::kEscEnd);
            } else if (byte == lwm2m::slip::kEsc) {
                incoming.push_back(lwm2m::slip::kEsc);
                incoming.push_back(lwm2m::slip::kEscEsc);
            } else {
                incoming.push_back(byte);
            }
        }
        incoming.push_back(lwm2m::slip::kEnd);
    }

    void queue_open_result(uint8_t sequence, uint8_t result, uint16_t port) {
        queue_frame(bytes_of({'o', sequence, result, port >> 8, port & 0xff}));
    }

    // Queues the open result for the open request `request`, a frame written earlier.
    void answer(const std::vector<std::byte>& request, uint8_t result, uint16_t port) {
        queue_open_result(std::to_integer<uint8_t>(request[1]), result, port);
    }

    // Decodes every frame written so far and clears the record.
    std::vector<std::vector<std::byte>> take_frames() {
        std::vector<std::vector<std::byte>> frames;
        std::array<std::byte, 2048> buffer;
        Decoder decoder(buffer);
        for (const std::byte byte : written) {
            if (decoder.push(byte) == Decoder::Event::kFrame) {
                const auto frame = decoder.frame();
                frames.emplace_back(frame.begin(), frame.end());
            }
        }
        written.clear();
        return frames;
    }

    std::vector<std::byte> written;
    std::deque<std::byte> incoming;
};

// Calls connect(), which sends an open request, and returns the frames it
// wrote; what the link recorded before is discarded.
std::vector<std::vector<std::byte>> request_open(SlipTransport& transport, FakeLink& link) {
    (void)link.take_frames();
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    return link.take_frames();
}

// Connects `transport` with the bridge opening `port`; returns the open request.
std::vector<std::byte> connect_on(SlipTransport& transport, FakeLink& link, uint16_t port) {
    auto frames = request_open(transport, link);
    EXPECT_EQ(frames.size(), 1u);
    if (frames.empty()) {
        return {};
    }
    link.answer(frames[0], 0, port);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    return frames[0];
}

TEST(SlipDecoder, EscapesAndEmptyFrames) {
    std::array<std::byte, 16> buffer;
    Decoder decoder(buffer);
    const auto input = bytes_of({0xc0, 0xc0, 'a', 0xdb, 0xdc, 0xdb, 0xdd, 'b', 0xc0});
    std::vector<Decoder::Event> events;
    for (const std::byte byte : input) {
        events.push_back(decoder.push(byte));
    }
    EXPECT_EQ(events.back(), Decoder::Event::kFrame);
    EXPECT_EQ(std::count(events.begin(), events.end(), Decoder::Event::kFrame), 1);
    const auto frame = decoder.frame();
    EXPECT_EQ(std::vector<std::byte>(frame.begin(), frame.end()), bytes_of({'a', 0xc0, 0xdb, 'b'}));
}

TEST(SlipDecoder, NextFrameStartsEmpty) {
    std::array<std::byte, 16> buffer;
    Decoder decoder(buffer);
    for (const std::byte byte : bytes_of({'a', 'b', 0xc0})) {
        (void)decoder.push(byte);
    }
    EXPECT_EQ(decoder.push(std::byte{'c'}), Decoder::Event::kNone);
    EXPECT_EQ(decoder.push(lwm2m::slip::kEnd), Decoder::Event::kFrame);
    EXPECT_EQ(decoder.frame().size(), 1u);
}

TEST(SlipDecoder, InvalidEscapeIsMalformed) {
    std::array<std::byte, 16> buffer;
    Decoder decoder(buffer);
    Decoder::Event last = Decoder::Event::kNone;
    for (const std::byte byte : bytes_of({'a', 0xdb, 'x', 'b', 0xc0})) {
        last = decoder.push(byte);
    }
    EXPECT_EQ(last, Decoder::Event::kMalformed);
    // An escape cut off by END is malformed too.
    for (const std::byte byte : bytes_of({'a', 0xdb, 0xc0})) {
        last = decoder.push(byte);
    }
    EXPECT_EQ(last, Decoder::Event::kMalformed);
    for (const std::byte byte : bytes_of({'o', 'k', 0xc0})) {
        last = decoder.push(byte);
    }
    EXPECT_EQ(last, Decoder::Event::kFrame);
}

TEST(SlipDecoder, FrameLongerThanBufferIsDropped) {
    std::array<std::byte, 4> buffer;
    Decoder decoder(buffer);
    Decoder::Event last = Decoder::Event::kNone;
    for (const std::byte byte : bytes_of({1, 2, 3, 4, 5, 0xc0})) {
        last = decoder.push(byte);
    }
    EXPECT_EQ(last, Decoder::Event::kTooLong);
    for (const std::byte byte : bytes_of({1, 2, 3, 4, 0xc0})) {
        last = decoder.push(byte);
    }
    EXPECT_EQ(last, Decoder::Event::kFrame);
    EXPECT_EQ(decoder.frame().size(), 4u);
}

TEST(SlipEncoder, EscapesAcrossChunks) {
    FakeLink link;
    // More than one 64-byte chunk, with bytes that need escapes at the edges.
    std::vector<std::byte> body(150, std::byte{0xc0});
    body[75] = std::byte{0xdb};
    lwm2m::slip::write_frame(link, bytes_of({'D'}), body);
    EXPECT_EQ(link.written.front(), lwm2m::slip::kEnd);
    EXPECT_EQ(link.written.back(), lwm2m::slip::kEnd);
    EXPECT_EQ(link.written.size(), 2u + 1u + 2u * body.size());
    const auto frames = link.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].size(), 1u + body.size());
    EXPECT_TRUE(std::equal(body.begin(), body.end(), frames[0].begin() + 1));
}

// A transport on a fake link, created, with the link's record of the close
// frame that create() sends.
class SlipTransportTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_EQ(transport.create(), Status::kOk); }

    FakeLink link;
    SlipTransport transport{link};
};

TEST(SlipTransport, CreateClosesBridgeSocket) {
    FakeLink link;
    SlipTransport transport(link);
    EXPECT_EQ(transport.create(), Status::kOk);
    const auto frames = link.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0], bytes_of({'C'}));
    EXPECT_EQ(transport.state(), TransportState::kClosed);
}

TEST_F(SlipTransportTest, ConnectSendsOpenAndWaits) {
    (void)link.take_frames();

    const auto frames = request_open(transport, link);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0][0], std::byte{'O'});
    EXPECT_EQ(std::vector<std::byte>(frames[0].begin() + 2, frames[0].begin() + 6),
              bytes_of({0, 0, 0x16, 0x33}));
    EXPECT_EQ(std::vector<std::byte>(frames[0].begin() + 6, frames[0].end()),
              bytes_of(std::string("127.0.0.1")));

    // Still no open result: in progress, and no second request.
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    EXPECT_TRUE(link.take_frames().empty());
    EXPECT_EQ(transport.state(), TransportState::kClosed);

    link.answer(frames[0], 0, 40000);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    EXPECT_EQ(transport.state(), TransportState::kConnected);
    EXPECT_EQ(transport.local_port(), 40000);
}

TEST_F(SlipTransportTest, OpenRequestRepeatedUntilAnswered) {
    const auto first = request_open(transport, link);
    ASSERT_EQ(first.size(), 1u);

    // Nine more polls without a result send nothing; the tenth repeats the request.
    for (int poll = 1; poll < 10; ++poll) {
        EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
        EXPECT_TRUE(link.take_frames().empty()) << "poll " << poll;
    }
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    const auto repeat = link.take_frames();
    ASSERT_EQ(repeat.size(), 1u);
    EXPECT_EQ(repeat[0], first[0]);

    // The bridge replies to both; the second reply is neither an error nor a datagram.
    const uint8_t sequence = std::to_integer<uint8_t>(first[0][1]);
    link.queue_open_result(sequence, 0, 40000);
    link.queue_open_result(sequence, 0, 40000);
    link.queue_frame(bytes_of({'D', 7}));
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    std::array<std::byte, 16> buffer{};
    const auto received = transport.receive(buffer);
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(received.value(), 1u);
    EXPECT_EQ(buffer[0], std::byte{7});
    EXPECT_EQ(transport.dropped_frames(), 0u);
}

TEST_F(SlipTransportTest, StaleOpenResultIgnored) {
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    const auto frames = link.take_frames();
    ASSERT_EQ(frames.size(), 2u);
    const uint8_t sequence = std::to_integer<uint8_t>(frames[1][1]);
    link.queue_open_result(static_cast<uint8_t>(sequence - 1), 0, 1111);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    EXPECT_EQ(transport.state(), TransportState::kClosed);
    // A late result is not a link fault, so it is not counted as dropped.
    EXPECT_EQ(transport.dropped_frames(), 0u);

    link.queue_open_result(sequence, 0, 2222);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    EXPECT_EQ(transport.local_port(), 2222);
}

TEST_F(SlipTransportTest, RebindRepeatAndLateReplyAfterFallback) {
    (void)connect_on(transport, link, 40000);
    ASSERT_EQ(transport.close(), Status::kOk);
    ASSERT_EQ(transport.reuse_last_port(), Status::kOk);
    const auto first = request_open(transport, link);
    ASSERT_EQ(first.size(), 1u);
    for (int poll = 0; poll < 10; ++poll) {
        EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    }

    // The repeat requests the same port again.
    const auto repeat = link.take_frames();
    ASSERT_EQ(repeat.size(), 1u);
    EXPECT_EQ(repeat[0], first[0]);
    EXPECT_EQ(std::vector<std::byte>(repeat[0].begin() + 2, repeat[0].begin() + 4),
              bytes_of({40000 >> 8, 40000 & 0xff}));

    // The port is taken: the transport requests a new one, and the reply to
    // the repeat arrives after that.
    const uint8_t sequence = std::to_integer<uint8_t>(first[0][1]);
    link.queue_open_result(sequence, 1, 0);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    const auto fallback = link.take_frames();
    ASSERT_EQ(fallback.size(), 1u);
    EXPECT_EQ(fallback[0][1], std::byte(sequence + 1));
    EXPECT_EQ(std::vector<std::byte>(fallback[0].begin() + 2, fallback[0].begin() + 4),
              bytes_of({0, 0}));
    link.queue_open_result(sequence, 1, 0);
    link.queue_open_result(static_cast<uint8_t>(sequence + 1), 0, 41000);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    EXPECT_EQ(transport.local_port(), 41000);
    EXPECT_EQ(transport.dropped_frames(), 0u);
}

TEST_F(SlipTransportTest, OtherPeerStartsNewRequest) {
    const auto first = request_open(transport, link);
    ASSERT_EQ(first.size(), 1u);

    EXPECT_EQ(transport.connect("127.0.0.1", 5684), Status::kInProgress);
    const auto second = link.take_frames();
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0][1], std::byte(std::to_integer<uint8_t>(first[0][1]) + 1));
    EXPECT_EQ(std::vector<std::byte>(second[0].begin() + 4, second[0].begin() + 6),
              bytes_of({0x16, 0x34}));

    EXPECT_EQ(transport.connect("::1", 5684), Status::kInProgress);
    const auto third = link.take_frames();
    ASSERT_EQ(third.size(), 1u);
    EXPECT_EQ(std::vector<std::byte>(third[0].begin() + 6, third[0].end()),
              bytes_of(std::string("::1")));
}

TEST_F(SlipTransportTest, DatagramsBothWays) {
    (void)link.take_frames();
    connect_on(transport, link, 40000);

    const auto datagram = bytes_of({0x40, 0x01, 0xc0, 0xdb, 0x00});
    EXPECT_EQ(transport.send(datagram), Status::kOk);
    const auto frames = link.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0][0], std::byte{'D'});
    EXPECT_EQ(std::vector<std::byte>(frames[0].begin() + 1, frames[0].end()), datagram);

    auto incoming = bytes_of({'D'});
    incoming.insert(incoming.end(), datagram.begin(), datagram.end());
    link.queue_frame(incoming);
    std::array<std::byte, 64> buffer;
    const auto received = transport.receive(buffer);
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(std::vector<std::byte>(buffer.begin(), buffer.begin() + received.value()), datagram);
    EXPECT_EQ(transport.receive(buffer).status(), Status::kWouldBlock);
}

TEST_F(SlipTransportTest, ReceiveReadsOneDatagramAtATime) {
    connect_on(transport, link, 40000);
    link.queue_frame(bytes_of({'D', 1}));
    link.queue_frame(bytes_of({'D', 2, 2}));
    std::array<std::byte, 8> buffer;
    auto received = transport.receive(buffer);
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(received.value(), 1u);
    received = transport.receive(buffer);
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(received.value(), 2u);
}

TEST_F(SlipTransportTest, DatagramLargerThanBufferReported) {
    connect_on(transport, link, 40000);
    link.queue_frame(bytes_of({'D', 1, 2, 3, 4, 5}));
    link.queue_frame(bytes_of({'D', 7}));
    std::array<std::byte, 4> buffer;
    EXPECT_EQ(transport.receive(buffer).status(), Status::kMessageTooLarge);
    const auto next = transport.receive(buffer);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(buffer[0], std::byte{7});
}

TEST_F(SlipTransportTest, FrameLongerThanMaxDatagramReported) {
    connect_on(transport, link, 40000);
    std::vector<std::byte> huge(SlipTransport::kMaxDatagramSize + 2, std::byte{1});
    huge[0] = std::byte{'D'};
    link.queue_frame(huge);
    std::array<std::byte, SlipTransport::kMaxDatagramSize> buffer;
    EXPECT_EQ(transport.receive(buffer).status(), Status::kMessageTooLarge);
    EXPECT_EQ(transport.send(std::span(huge).first(SlipTransport::kMaxDatagramSize + 1)),
              Status::kMessageTooLarge);
}

TEST_F(SlipTransportTest, MalformedAndUnknownFramesSkipped) {
    connect_on(transport, link, 40000);
    for (const std::byte byte : bytes_of({0xc0, 'D', 0xdb, 0x01, 0xc0})) {
        link.incoming.push_back(byte);
    }
    link.queue_frame(bytes_of({'Z', 1, 2}));
    link.queue_frame(bytes_of({'o', 1}));
    link.queue_frame(bytes_of({'D', 9}));
    std::array<std::byte, 8> buffer;
    const auto received = transport.receive(buffer);
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(received.value(), 1u);
    EXPECT_EQ(buffer[0], std::byte{9});
    EXPECT_EQ(transport.dropped_frames(), 3u);
}

TEST_F(SlipTransportTest, SendBeforeConnectRejected) {
    EXPECT_EQ(transport.send(bytes_of({1})), Status::kInvalidState);
}

TEST_F(SlipTransportTest, PollDropsDatagramWhileClosed) {
    link.queue_frame(bytes_of({'D', 1}));
    std::array<std::byte, 8> buffer;
    EXPECT_EQ(transport.receive(buffer).status(), Status::kInvalidState);
    EXPECT_EQ(transport.dropped_frames(), 0u);
    transport.poll();
    EXPECT_TRUE(link.incoming.empty());
    EXPECT_EQ(transport.dropped_frames(), 1u);
}

TEST_F(SlipTransportTest, PollTakesOpenResult) {
    const auto frames = request_open(transport, link);
    ASSERT_EQ(frames.size(), 1u);
    link.answer(frames[0], 0, 40000);
    transport.poll();
    EXPECT_TRUE(link.incoming.empty());
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    EXPECT_EQ(transport.local_port(), 40000);
}

TEST_F(SlipTransportTest, DatagramBehindOpenResultKept) {
    const auto frames = request_open(transport, link);
    ASSERT_EQ(frames.size(), 1u);
    link.answer(frames[0], 0, 40000);
    link.queue_frame(bytes_of({'D', 7}));
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
    std::array<std::byte, 8> buffer;
    const auto received = transport.receive(buffer);
    ASSERT_TRUE(received.ok());
    EXPECT_EQ(received.value(), 1u);
    EXPECT_EQ(transport.dropped_frames(), 0u);
}

TEST(SlipTransport, FirstSequenceFromConstructor) {
    FakeLink link;
    SlipTransport transport(link, 200);
    ASSERT_EQ(transport.create(), Status::kOk);
    const auto frames = request_open(transport, link);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0][1], std::byte{201});
    // An open result numbered as the first request after a restart is stale.
    link.queue_open_result(1, 0, 1111);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
}

TEST_F(SlipTransportTest, CloseKeepsPortAndReuseRequestsIt) {
    EXPECT_EQ(transport.reuse_last_port(), Status::kInvalidState);
    connect_on(transport, link, 40000);
    EXPECT_EQ(transport.reuse_last_port(), Status::kInvalidState);

    EXPECT_EQ(transport.close(), Status::kOk);
    auto frames = link.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0], bytes_of({'C'}));
    EXPECT_EQ(transport.local_port(), 40000);

    EXPECT_EQ(transport.reuse_last_port(), Status::kOk);
    EXPECT_EQ(transport.state(), TransportState::kBound);
    const auto open = connect_on(transport, link, 40000);
    ASSERT_GE(open.size(), 4u);
    EXPECT_EQ(std::vector<std::byte>(open.begin() + 2, open.begin() + 4),
              bytes_of({40000 >> 8, 40000 & 0xff}));
    EXPECT_EQ(transport.local_port(), 40000);
}

TEST(SlipTransport, RebindFailureFallsBackToNewPort) {
    // Result 1 (the port is in use) and 3 (another error) both make the
    // transport request any port, as reuse_last_port() has already returned.
    for (const uint8_t result : {1, 3}) {
        SCOPED_TRACE(result);
        FakeLink link;
        SlipTransport transport(link);
        ASSERT_EQ(transport.create(), Status::kOk);
        connect_on(transport, link, 40000);
        ASSERT_EQ(transport.close(), Status::kOk);
        ASSERT_EQ(transport.reuse_last_port(), Status::kOk);
        (void)link.take_frames();

        auto frames = request_open(transport, link);
        ASSERT_EQ(frames.size(), 1u);
        link.answer(frames[0], result, 0);

        EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
        frames = link.take_frames();
        ASSERT_EQ(frames.size(), 1u);
        EXPECT_EQ(std::vector<std::byte>(frames[0].begin() + 2, frames[0].begin() + 4),
                  bytes_of({0, 0}));
        link.answer(frames[0], 0, 41000);
        EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kOk);
        EXPECT_EQ(transport.local_port(), 41000);
    }
}

TEST_F(SlipTransportTest, OpenedWithoutPortIsError) {
    const auto frames = request_open(transport, link);
    ASSERT_EQ(frames.size(), 1u);
    link.answer(frames[0], 0, 0);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kNetworkError);
    EXPECT_EQ(transport.state(), TransportState::kClosed);
    EXPECT_EQ(transport.local_port(), 0);
}

TEST_F(SlipTransportTest, OpenFailuresMapToStatus) {
    (void)link.take_frames();

    EXPECT_EQ(transport.connect("no.such.host", 5683), Status::kInProgress);
    auto frames = link.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    link.answer(frames[0], 2, 0);
    EXPECT_EQ(transport.connect("no.such.host", 5683), Status::kResolveFailed);
    EXPECT_EQ(transport.state(), TransportState::kClosed);

    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    frames = link.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    link.answer(frames[0], 3, 0);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kNetworkError);
    EXPECT_EQ(transport.local_port(), 0);
}

TEST_F(SlipTransportTest, CloseDuringOpenIgnoresLateResult) {
    auto frames = request_open(transport, link);
    ASSERT_EQ(frames.size(), 1u);
    const uint8_t old_sequence = std::to_integer<uint8_t>(frames[0][1]);

    // The client gives up, so the bridge's late result belongs to the old request.
    EXPECT_EQ(transport.close(), Status::kOk);
    EXPECT_EQ(link.take_frames().size(), 1u);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    (void)link.take_frames();
    link.queue_open_result(old_sequence, 0, 1234);
    EXPECT_EQ(transport.connect("127.0.0.1", 5683), Status::kInProgress);
    EXPECT_EQ(transport.state(), TransportState::kClosed);
}

TEST_F(SlipTransportTest, HostTooLongRejected) {
    const std::string host(LWM2M_MAX_URI_LENGTH + 1, 'a');
    EXPECT_EQ(transport.connect(host.c_str(), 5683), Status::kInvalidArgument);
    EXPECT_EQ(transport.connect("", 5683), Status::kInvalidArgument);
}

TEST_F(SlipTransportTest, CleanupForgetsPort) {
    connect_on(transport, link, 40000);
    EXPECT_EQ(transport.cleanup(), Status::kOk);
    EXPECT_EQ(transport.local_port(), 0);
    EXPECT_EQ(transport.reuse_last_port(), Status::kInvalidState);
}

}  // namespace
