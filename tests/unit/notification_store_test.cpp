// The notification store (report/notification_store.hpp) on its own: the
// order of stored values, dropping when the store is full or for hqmax, values
// too long to store, and the values of an observation that ends.
#include "report/notification_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lwm2m::report {
namespace {

using detail::NotificationStore;

// Bytes of one stored float at a resource path: 13 bytes of header, 3 IDs of
// 2 bytes, the data type and 8 bytes of value (notification_store.cpp).
constexpr size_t kFloatEntrySize = 13 + 6 + 1 + 8;
constexpr size_t kFloatsThatFit = sizeof(NotificationStore::bytes) / kFloatEntrySize;

constexpr Path kSensorValue = Path::resource(3303, 0, 5700);
constexpr Path kSensorUnits = Path::resource(3303, 0, 5701);

io::OutputRecord float_record(const Path& path, double number) {
    io::OutputRecord record;
    record.path = path;
    record.value = Value::make_float(number);
    return record;
}

struct Stored {
    double number;
    int64_t timestamp_s;
};

class NotificationStoreTest : public ::testing::Test {
  protected:
    // Stores a snapshot of `observation` with one float at time `timestamp_s`.
    bool store_float(uint8_t observation, double number, int64_t timestamp_s,
                     uint32_t max_snapshots = 0) {
        const uint8_t snapshot = begin_snapshot(*store_, observation, max_snapshots);
        return store_record(*store_, observation, snapshot, timestamp_s,
                            float_record(kSensorValue, number));
    }

    // Decodes the stored floats of `observation`, oldest first.
    std::vector<Stored> floats_of(uint8_t observation, bool first_snapshot_only = false) {
        const StoredRecords records = stored_records(*store_, observation, first_snapshot_only);
        const io::RecordSource source = record_source(records);
        std::vector<Stored> values;
        for (size_t i = 0; i < source.count; ++i) {
            io::OutputRecord record;
            EXPECT_TRUE(source.get(source.context, i, record)) << "record " << i;
            EXPECT_EQ(record.value.type, DataType::kFloat) << "record " << i;
            values.push_back({record.value.floating, record.timestamp_s});
        }
        return values;
    }

    std::vector<double> numbers_of(uint8_t observation, bool first_snapshot_only = false) {
        std::vector<double> numbers;
        for (const Stored& stored : floats_of(observation, first_snapshot_only)) {
            numbers.push_back(stored.number);
        }
        return numbers;
    }

    // On the heap, because a large store would crowd the test's stack.
    std::unique_ptr<NotificationStore> store_ = std::make_unique<NotificationStore>();
};

TEST_F(NotificationStoreTest, ValuesComeBackInOrderWithTimes) {
    ASSERT_TRUE(store_float(0, 20.5, 1000));
    ASSERT_TRUE(store_float(0, 21.5, 1010));
    ASSERT_TRUE(store_float(0, 22.5, 1020));

    const std::vector<Stored> stored = floats_of(0);
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[0].number, 20.5);
    EXPECT_EQ(stored[0].timestamp_s, 1000);
    EXPECT_EQ(stored[1].number, 21.5);
    EXPECT_EQ(stored[1].timestamp_s, 1010);
    EXPECT_EQ(stored[2].number, 22.5);
    EXPECT_EQ(stored[2].timestamp_s, 1020);
    EXPECT_EQ(store_->used, 3 * kFloatEntrySize);
    EXPECT_EQ(store_->dropped, 0u);
}

TEST_F(NotificationStoreTest, FullStoreDropsOldestFirst) {
    constexpr size_t kStoredCount = kFloatsThatFit + 3;
    for (size_t i = 0; i < kStoredCount; ++i) {
        ASSERT_TRUE(store_float(0, static_cast<double>(i), 1000 + static_cast<int64_t>(i)));
    }

    EXPECT_EQ(store_->dropped, 3u);
    const std::vector<Stored> stored = floats_of(0);
    ASSERT_EQ(stored.size(), kFloatsThatFit);
    for (size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(stored[i].number, static_cast<double>(i + 3)) << "position " << i;
        EXPECT_EQ(stored[i].timestamp_s, 1003 + static_cast<int64_t>(i)) << "position " << i;
    }
}

TEST_F(NotificationStoreTest, FullStoreDropsOldestOfAnyObservation) {
    // Observations 0 and 1 alternate, and the oldest snapshots go first, whichever
    // observation they belong to.
    for (size_t i = 0; i < kFloatsThatFit + 2; ++i) {
        const auto observation = static_cast<uint8_t>(i % 2);
        ASSERT_TRUE(store_float(observation, static_cast<double>(i), static_cast<int64_t>(i)));
    }

    EXPECT_EQ(store_->dropped, 2u);
    const std::vector<double> even = numbers_of(0);
    const std::vector<double> odd = numbers_of(1);
    ASSERT_FALSE(even.empty());
    ASSERT_FALSE(odd.empty());
    EXPECT_EQ(even.front(), 2);
    EXPECT_EQ(odd.front(), 3);
    EXPECT_EQ(even.size() + odd.size(), kFloatsThatFit);
    EXPECT_EQ(oldest_stored_observation(*store_), 0);
}

TEST_F(NotificationStoreTest, HqmaxKeepsNewestSnapshotsOfObservation) {
    ASSERT_TRUE(store_float(1, 99, 900));
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(store_float(0, 20 + i, 1000 + i, 2));
    }

    EXPECT_EQ(numbers_of(0), (std::vector<double>{23, 24}));
    EXPECT_EQ(store_->dropped, 3u);
    // Another observation keeps its snapshot.
    EXPECT_EQ(numbers_of(1), (std::vector<double>{99}));
}

TEST_F(NotificationStoreTest, HqmaxCountsSnapshotsNotValues) {
    // Two values per snapshot, as an instance observation stores them.
    const uint8_t text[] = {'C', 'e', 'l'};
    for (int i = 0; i < 3; ++i) {
        const uint8_t snapshot = begin_snapshot(*store_, 0, 2);
        ASSERT_TRUE(store_record(*store_, 0, snapshot, 1000 + i, float_record(kSensorValue, i)));
        io::OutputRecord units;
        units.path = kSensorUnits;
        units.value = Value::make_bytes(DataType::kString, text);
        ASSERT_TRUE(store_record(*store_, 0, snapshot, 1000 + i, units));
    }

    EXPECT_EQ(store_->dropped, 1u);
    const StoredRecords records = stored_records(*store_, 0, false);
    EXPECT_EQ(records.count, 4u);
    const StoredRecords oldest = stored_records(*store_, 0, true);
    ASSERT_EQ(oldest.count, 2u);
    io::OutputRecord record;
    const io::RecordSource source = record_source(oldest);
    ASSERT_TRUE(source.get(source.context, 0, record));
    EXPECT_EQ(record.value.floating, 1);
    ASSERT_TRUE(source.get(source.context, 1, record));
    ASSERT_EQ(record.value.type, DataType::kString);
    EXPECT_EQ(std::string(record.value.bytes.begin(), record.value.bytes.end()), "Cel");
}

TEST_F(NotificationStoreTest, RemoveOldestSnapshotKeepsOthers) {
    ASSERT_TRUE(store_float(0, 1, 1000));
    ASSERT_TRUE(store_float(0, 2, 1001));
    ASSERT_TRUE(store_float(0, 3, 1002));

    EXPECT_EQ(numbers_of(0, true), (std::vector<double>{1}));
    remove_stored(*store_, stored_records(*store_, 0, true));
    EXPECT_EQ(numbers_of(0), (std::vector<double>{2, 3}));
    remove_stored(*store_, stored_records(*store_, 0, false));
    EXPECT_FALSE(has_stored(*store_, 0));
    EXPECT_EQ(store_->used, 0u);
    EXPECT_EQ(oldest_stored_observation(*store_), -1);
    // Delivered values are not dropped ones.
    EXPECT_EQ(store_->dropped, 0u);
}

TEST_F(NotificationStoreTest, TooLongValueIsNotStored) {
    ASSERT_TRUE(store_float(0, 20, 1000));
    const size_t used = store_->used;
    std::vector<uint8_t> long_text(sizeof(NotificationStore::bytes), 'x');

    const uint8_t snapshot = begin_snapshot(*store_, 0, 0);
    io::OutputRecord record;
    record.path = kSensorUnits;
    record.value = Value::make_bytes(DataType::kString, long_text);
    EXPECT_FALSE(store_record(*store_, 0, snapshot, 1001, record));

    EXPECT_EQ(store_->used, used);
    EXPECT_EQ(store_->dropped, 0u);
    EXPECT_EQ(numbers_of(0), (std::vector<double>{20}));
    // The store still takes values.
    ASSERT_TRUE(store_float(0, 21, 1002));
    EXPECT_EQ(numbers_of(0), (std::vector<double>{20, 21}));
}

TEST_F(NotificationStoreTest, ValueFillingStoreDropsAllOthers) {
    ASSERT_TRUE(store_float(0, 20, 1000));
    ASSERT_TRUE(store_float(1, 30, 1000));
    // With 20 bytes of header, path and data type, the entry fills the store exactly.
    std::vector<uint8_t> long_text(sizeof(NotificationStore::bytes) - 20, 'x');

    const uint8_t snapshot = begin_snapshot(*store_, 2, 0);
    io::OutputRecord record;
    record.path = kSensorUnits;
    record.value = Value::make_bytes(DataType::kString, long_text);
    ASSERT_TRUE(store_record(*store_, 2, snapshot, 1001, record));

    EXPECT_EQ(store_->used, sizeof(NotificationStore::bytes));
    EXPECT_EQ(store_->dropped, 2u);
    EXPECT_FALSE(has_stored(*store_, 0));
    EXPECT_FALSE(has_stored(*store_, 1));
    const StoredRecords records = stored_records(*store_, 2, false);
    ASSERT_EQ(records.count, 1u);
    const io::RecordSource source = record_source(records);
    io::OutputRecord stored;
    ASSERT_TRUE(source.get(source.context, 0, stored));
    EXPECT_EQ(stored.value.bytes.size(), long_text.size());
}

TEST_F(NotificationStoreTest, EndedObservationDropsItsSnapshots) {
    ASSERT_TRUE(store_float(0, 20, 1000));
    ASSERT_TRUE(store_float(1, 30, 1001));
    ASSERT_TRUE(store_float(0, 21, 1002));
    ASSERT_TRUE(store_float(0, 22, 1003));

    EXPECT_EQ(drop_stored(*store_, 0), 3u);
    EXPECT_EQ(store_->dropped, 3u);
    EXPECT_FALSE(has_stored(*store_, 0));
    EXPECT_EQ(numbers_of(1), (std::vector<double>{30}));
    EXPECT_EQ(oldest_stored_observation(*store_), 1);
    EXPECT_EQ(store_->used, kFloatEntrySize);
    // Nothing more to drop.
    EXPECT_EQ(drop_stored(*store_, 0), 0u);
    EXPECT_EQ(store_->dropped, 3u);
}

}  // namespace
}  // namespace lwm2m::report
