#include "report/notification_store.hpp"

#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("obs");

#if LWM2M_WITH_OBSERVE

namespace lwm2m::report {
namespace {

using detail::NotificationStore;

// Layout of one stored value, in host byte order: u16 entry length, u8
// observation, u8 snapshot, i64 timestamp, u8 path length, u16 IDs, u8 data
// type, then the value. The value takes 8 bytes for numbers and time, 1 for
// a boolean and 4 for an objlnk. A string, opaque or corelnk value is its
// bytes, and none takes nothing.
constexpr size_t kHeaderSize = 2 + 1 + 1 + 8 + 1;

struct Entry {
    size_t offset = 0;
    size_t length = 0;
    uint8_t observation = 0;
    uint8_t snapshot = 0;
};

uint16_t read_u16(const uint8_t* at) {
    uint16_t value = 0;
    std::memcpy(&value, at, sizeof(value));
    return value;
}

Entry entry_at(const NotificationStore& store, size_t offset) {
    Entry entry;
    entry.offset = offset;
    entry.length = read_u16(store.bytes + offset);
    entry.observation = store.bytes[offset + 2];
    entry.snapshot = store.bytes[offset + 3];
    return entry;
}

// Calls visit(entry) for each entry in order; stops when it returns false.
template <typename Visit>
void for_each_entry(const NotificationStore& store, Visit&& visit) {
    for (size_t offset = 0; offset < store.used;) {
        const Entry entry = entry_at(store, offset);
        if (entry.length == 0 || !visit(entry)) {
            return;
        }
        offset += entry.length;
    }
}

size_t value_size(const Value& value) {
    switch (value.type) {
        case DataType::kBoolean:
            return 1;
        case DataType::kObjlnk:
            return 4;
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            return value.bytes.size();
        case DataType::kNone:
            return 0;
        default:
            return 8;
    }
}

void remove_range(NotificationStore& store, size_t offset, size_t length) {
    std::memmove(store.bytes + offset, store.bytes + offset + length, store.used - offset - length);
    store.used -= length;
}

// Removes the oldest snapshot of any observation and counts it.
void drop_oldest(NotificationStore& store) {
    const Entry first = entry_at(store, 0);
    size_t end = 0;
    for_each_entry(store, [&](const Entry& entry) {
        if (entry.observation != first.observation || entry.snapshot != first.snapshot) {
            return false;
        }
        end = entry.offset + entry.length;
        return true;
    });
    remove_range(store, 0, end);
    ++store.dropped;
    LWM2M_LOG_WARNING("stored notification of observation %u dropped, store full (%lu lost)",
                      static_cast<unsigned>(first.observation),
                      static_cast<unsigned long>(store.dropped));
}

uint32_t snapshot_count(const NotificationStore& store, uint8_t observation) {
    uint32_t count = 0;
    bool have_last = false;
    uint8_t last = 0;
    for_each_entry(store, [&](const Entry& entry) {
        if (entry.observation == observation && (!have_last || entry.snapshot != last)) {
            ++count;
            last = entry.snapshot;
            have_last = true;
        }
        return true;
    });
    return count;
}

// Removes the oldest snapshot of `observation` and counts it.
void drop_oldest_of(NotificationStore& store, uint8_t observation) {
    bool found = false;
    uint8_t snapshot = 0;
    for (size_t offset = 0; offset < store.used;) {
        const Entry entry = entry_at(store, offset);
        if (entry.observation == observation && (!found || entry.snapshot == snapshot)) {
            found = true;
            snapshot = entry.snapshot;
            remove_range(store, offset, entry.length);
            continue;
        }
        if (found && entry.observation == observation) {
            break;
        }
        offset += entry.length;
    }
    if (found) {
        ++store.dropped;
        LWM2M_LOG_WARNING("stored notification of observation %u dropped for hqmax (%lu lost)",
                          static_cast<unsigned>(observation),
                          static_cast<unsigned long>(store.dropped));
    }
}

bool decode_entry(const NotificationStore& store, const Entry& entry, io::OutputRecord& record) {
    const uint8_t* at = store.bytes + entry.offset + 4;
    std::memcpy(&record.timestamp_s, at, 8);
    at += 8;
    record.path = Path();
    record.path.length = *at++;
    if (record.path.length > 4) {
        return false;
    }
    for (uint8_t i = 0; i < record.path.length; ++i) {
        record.path.ids[i] = read_u16(at);
        at += 2;
    }
    record.value = Value();
    record.value.type = static_cast<DataType>(*at++);
    const size_t header = static_cast<size_t>(at - (store.bytes + entry.offset));
    const size_t size = entry.length - header;
    switch (record.value.type) {
        case DataType::kBoolean:
            record.value.boolean = *at != 0;
            break;
        case DataType::kObjlnk:
            record.value.objlnk.object_id = read_u16(at);
            record.value.objlnk.instance_id = read_u16(at + 2);
            break;
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            record.value.bytes = {at, size};
            break;
        case DataType::kNone:
            break;
        default:
            std::memcpy(&record.value.integer, at, 8);
            break;
    }
    return true;
}

bool in_selection(const StoredRecords& records, const Entry& entry, bool& have_first,
                  uint8_t& first) {
    if (entry.observation != records.observation) {
        return false;
    }
    if (!have_first) {
        have_first = true;
        first = entry.snapshot;
    }
    return !records.first_snapshot_only || entry.snapshot == first;
}

bool get_stored(const void* context, size_t index, io::OutputRecord& record) {
    const auto& records = *static_cast<const StoredRecords*>(context);
    size_t position = 0;
    bool found = false;
    bool have_first = false;
    uint8_t first = 0;
    for_each_entry(*records.store, [&](const Entry& entry) {
        if (!in_selection(records, entry, have_first, first)) {
            return true;
        }
        if (position++ != index) {
            return true;
        }
        found = decode_entry(*records.store, entry, record);
        return false;
    });
    return found;
}

}  // namespace

uint8_t begin_snapshot(NotificationStore& store, uint8_t observation, uint32_t max_snapshots) {
    while (max_snapshots > 0 && snapshot_count(store, observation) >= max_snapshots) {
        drop_oldest_of(store, observation);
    }
    return store.next_snapshot++;
}

bool store_record(NotificationStore& store, uint8_t observation, uint8_t snapshot,
                  int64_t timestamp_s, const io::OutputRecord& record) {
    const size_t length = kHeaderSize + 2u * record.path.length + 1 + value_size(record.value);
    if (length > sizeof(store.bytes) || length > UINT16_MAX) {
        LWM2M_LOG_WARNING("value of observation %u too long to store (%lu bytes)",
                          static_cast<unsigned>(observation), static_cast<unsigned long>(length));
        return false;
    }
    while (store.used + length > sizeof(store.bytes)) {
        drop_oldest(store);
    }
    uint8_t* at = store.bytes + store.used;
    const auto entry_length = static_cast<uint16_t>(length);
    std::memcpy(at, &entry_length, 2);
    at[2] = observation;
    at[3] = snapshot;
    std::memcpy(at + 4, &timestamp_s, 8);
    at += 12;
    *at++ = record.path.length;
    for (uint8_t i = 0; i < record.path.length; ++i) {
        std::memcpy(at, &record.path.ids[i], 2);
        at += 2;
    }
    *at++ = static_cast<uint8_t>(record.value.type);
    const Value& value = record.value;
    switch (value.type) {
        case DataType::kBoolean:
            *at = value.boolean ? 1 : 0;
            break;
        case DataType::kObjlnk:
            std::memcpy(at, &value.objlnk.object_id, 2);
            std::memcpy(at + 2, &value.objlnk.instance_id, 2);
            break;
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            if (!value.bytes.empty()) {
                std::memcpy(at, value.bytes.data(), value.bytes.size());
            }
            break;
        case DataType::kNone:
            break;
        default:
            std::memcpy(at, &value.integer, 8);
            break;
    }
    store.used += length;
    return true;
}

bool has_stored(const NotificationStore& store, uint8_t observation) {
    bool found = false;
    for_each_entry(store, [&](const Entry& entry) {
        found = entry.observation == observation;
        return !found;
    });
    return found;
}

StoredRecords stored_records(const NotificationStore& store, uint8_t observation,
                             bool first_snapshot_only) {
    StoredRecords records;
    records.store = &store;
    records.observation = observation;
    records.first_snapshot_only = first_snapshot_only;
    bool have_first = false;
    uint8_t first = 0;
    for_each_entry(store, [&](const Entry& entry) {
        records.count += in_selection(records, entry, have_first, first) ? 1 : 0;
        return true;
    });
    return records;
}

io::RecordSource record_source(const StoredRecords& records) {
    return io::RecordSource{records.count, &records, get_stored};
}

void remove_stored(NotificationStore& store, const StoredRecords& records) {
    bool have_first = false;
    uint8_t first = 0;
    size_t removed = 0;
    for (size_t offset = 0; offset < store.used && removed < records.count;) {
        const Entry entry = entry_at(store, offset);
        if (in_selection(records, entry, have_first, first)) {
            remove_range(store, offset, entry.length);
            ++removed;
            continue;
        }
        offset += entry.length;
    }
}

uint32_t drop_stored(NotificationStore& store, uint8_t observation) {
    const uint32_t count = snapshot_count(store, observation);
    for (size_t offset = 0; offset < store.used;) {
        const Entry entry = entry_at(store, offset);
        if (entry.observation == observation) {
            remove_range(store, offset, entry.length);
            continue;
        }
        offset += entry.length;
    }
    store.dropped += count;
    return count;
}

int oldest_stored_observation(const NotificationStore& store, uint64_t observations) {
    for (size_t offset = 0; offset < store.used;) {
        const Entry entry = entry_at(store, offset);
        if ((observations >> entry.observation & 1) != 0) {
            return entry.observation;
        }
        offset += entry.length;
    }
    return -1;
}

}  // namespace lwm2m::report

#endif  // LWM2M_WITH_OBSERVE
