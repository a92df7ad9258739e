// The Observe sequence number of notifications at the top of its 24-bit range
// (RFC 7641, 4.4), tested on the reporting functions with a ClientData whose
// next_observe_sequence the test sets, which the Client does not expose.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "fakes.hpp"
#include "report/notification_store.hpp"
#include "report/observe.hpp"

namespace lwm2m::report {
namespace {

using coap::Message;
namespace option = coap::option;

constexpr uint16_t kCounterObject = 30002;
constexpr Path kCount = Path::resource(kCounterObject, 0, 0);

// One instance with one readable integer.
class CounterObject final : public Object {
  public:
    CounterObject() : Object(kCounterObject, kResources) {}

    int32_t next_instance(int32_t after) const override { return after < 0 ? 0 : -1; }

    Status read(uint16_t, uint16_t, uint16_t, Value& value) override {
        value = Value::make_integer(count);
        return Status::kOk;
    }

    int64_t count = 0;

  private:
    static constexpr ResourceDefinition kResources[] = {
        {0, Operations::kRead, DataType::kInteger, false, false},
    };
};

struct Sent {
    uint32_t observe = 0;
    std::string payload;
};

class ObserveSequenceTest : public ::testing::Test {
  protected:
    ObserveSequenceTest() {
        data_->objects[0] = &counter_;
        data_->object_count = 1;
        data_->session->state = RegistrationState::kRegistered;
        // A NON notification of the counter in text/plain, token 0x70 0x01.
        detail::Observation& observation = data_->observations[0];
        observation.active = true;
        observation.path = kCount;
        observation.token[0] = 0x70;
        observation.token[1] = 0x01;
        observation.token_length = 2;
        observation.format = coap::format::kTextPlain;
    }

    // Changes the counter and steps the notifications; returns what was sent.
    std::vector<Sent> change_and_step(int64_t count) {
        counter_.count = count;
        core::Context ctx{transport_, clock_, random_, *data_, clock_.now_ms};
        value_changed(ctx, kCount);
        return step();
    }

    std::vector<Sent> step() {
        const size_t before = transport_.sent_count;
        core::Context ctx{transport_, clock_, random_, *data_, clock_.now_ms};
        step_notifications(ctx);
        std::vector<Sent> sent;
        for (size_t i = before; i < transport_.sent_count; ++i) {
            Message message;
            const auto& datagram = transport_.sent[i % testing::FakeTransport::kCapacity];
            EXPECT_EQ(coap::decode(datagram.view(), message), coap::DecodeResult::kOk);
            Sent copy;
            EXPECT_TRUE(message.find_uint(option::kObserve, copy.observe, 3))
                << "notification " << i << " without Observe";
            copy.payload.assign(message.payload.begin(), message.payload.end());
            sent.push_back(copy);
        }
        return sent;
    }

    testing::FakeTransport transport_;
    testing::FakeClock clock_;
    testing::FakeRandom random_;
    CounterObject counter_;
    // On the heap, because ClientData with its buffers would crowd the test's stack.
    std::unique_ptr<detail::ClientData> data_ = std::make_unique<detail::ClientData>();
};

TEST_F(ObserveSequenceTest, WrapsFromTopToZero) {
    data_->next_observe_sequence = 0xFFFFFE;

    const uint32_t expected[] = {0xFFFFFE, 0xFFFFFF, 0, 1};
    for (size_t i = 0; i < std::size(expected); ++i) {
        const std::vector<Sent> sent = change_and_step(static_cast<int64_t>(i));
        ASSERT_EQ(sent.size(), 1u) << "change " << i;
        EXPECT_EQ(sent[0].observe, expected[i]) << "change " << i;
        EXPECT_EQ(sent[0].payload, std::to_string(i)) << "change " << i;
    }
    EXPECT_EQ(data_->observations[0].sequence, 1u);
    EXPECT_EQ(data_->next_observe_sequence, 2u);
}

TEST_F(ObserveSequenceTest, StoredNotificationsWrapToZero) {
    // Two stored snapshots of observation 0, as if the server had been
    // unreachable, go one per text/plain notification.
    for (int64_t count = 7; count <= 8; ++count) {
        const uint8_t snapshot = begin_snapshot(data_->notification_store, 0, 0);
        io::OutputRecord record;
        record.path = kCount;
        record.value = Value::make_integer(count);
        ASSERT_TRUE(store_record(data_->notification_store, 0, snapshot, 1000 + count, record));
    }
    data_->next_observe_sequence = 0xFFFFFF;

    const std::vector<Sent> sent = step();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].observe, 0xFFFFFFu);
    EXPECT_EQ(sent[0].payload, "7");
    EXPECT_EQ(sent[1].observe, 0u);
    EXPECT_EQ(sent[1].payload, "8");
    EXPECT_EQ(data_->notification_store.used, 0u);
}

}  // namespace
}  // namespace lwm2m::report
