// Notifications stored while the server cannot be reached ("Notification
// Storing When Disabled or Offline", LwM2M Core, Server object resource 6):
// the values of each notification that could not go, with their time, kept
// in order in a fixed buffer until they can be delivered.
#pragma once

#include <cstddef>
#include <cstdint>

#include "io/codec.hpp"
#include "lwm2m/detail/client_data.hpp"

#if LWM2M_WITH_OBSERVE

namespace lwm2m::report {

/// Starts a snapshot: the values of one notification of `observation`,
/// taken at `timestamp_s`. Drops the oldest snapshots, counting them, while
/// the observation has `max_snapshots` (hqmax) or more. Returns its number.
uint8_t begin_snapshot(detail::NotificationStore& store, uint8_t observation,
                       uint32_t max_snapshots);

/// Appends one value to the snapshot `snapshot` of `observation`. Drops the
/// oldest snapshots, counting them, until it fits. Returns false if the value
/// alone does not fit the store.
bool store_record(detail::NotificationStore& store, uint8_t observation, uint8_t snapshot,
                  int64_t timestamp_s, const io::OutputRecord& record);

/// True if `observation` has stored values.
bool has_stored(const detail::NotificationStore& store, uint8_t observation);

/// The stored values of `observation`, oldest first; `first_snapshot_only`
/// limits them to its oldest snapshot. The byte views point into the store
/// and stay valid until it changes.
struct StoredRecords {
    const detail::NotificationStore* store = nullptr;
    uint8_t observation = 0;
    bool first_snapshot_only = false;
    size_t count = 0;
};
StoredRecords stored_records(const detail::NotificationStore& store, uint8_t observation,
                             bool first_snapshot_only);

/// A RecordSource over `records`, for the encoders.
io::RecordSource record_source(const StoredRecords& records);

/// Removes the values that `records` listed.
void remove_stored(detail::NotificationStore& store, const StoredRecords& records);

/// Removes every value of `observation`, counting its snapshots as dropped.
/// Returns how many snapshots it dropped.
uint32_t drop_stored(detail::NotificationStore& store, uint8_t observation);

/// Among `observations` (bit i for observation i), the one with the oldest
/// stored value, or -1.
int oldest_stored_observation(const detail::NotificationStore& store,
                              uint64_t observations = UINT64_MAX);

}  // namespace lwm2m::report

#endif  // LWM2M_WITH_OBSERVE
