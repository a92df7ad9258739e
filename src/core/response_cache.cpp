#include "lwm2m/detail/response_cache.hpp"

#include <cstring>

#if LWM2M_WITH_RESPONSE_CACHE

namespace lwm2m::detail {
namespace {

// Expiry times are kept in whole seconds, rounded up, to keep entries small.
uint32_t to_seconds(uint64_t ms) {
    return static_cast<uint32_t>((ms + 999) / 1000);
}

}  // namespace

size_t ResponseCache::used_bytes() const {
    size_t total = 0;
    for (uint8_t i = 0; i < count_; ++i) {
        total += entries_[i].length;
    }
    return total;
}

void ResponseCache::remove(uint8_t index) {
    size_t offset = 0;
    for (uint8_t i = 0; i < index; ++i) {
        offset += entries_[i].length;
    }
    const size_t length = entries_[index].length;
    std::memmove(data_ + offset, data_ + offset + length, used_bytes() - offset - length);
    std::memmove(entries_ + index, entries_ + index + 1, (count_ - index - 1) * sizeof(Entry));
    --count_;
}

void ResponseCache::drop_expired(uint64_t now_ms) {
    // Entries may expire out of order when lifetimes differ, so check each one.
    const uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
    uint8_t i = 0;
    while (i < count_) {
        if (entries_[i].expires_s <= now_s) {
            remove(i);
        } else {
            ++i;
        }
    }
}

std::span<const uint8_t> ResponseCache::find(uint32_t key, uint64_t now_ms) {
    drop_expired(now_ms);
    size_t offset = 0;
    for (uint8_t i = 0; i < count_; ++i) {
        if (entries_[i].key == key) {
            return {data_ + offset, entries_[i].length};
        }
        offset += entries_[i].length;
    }
    return {};
}

void ResponseCache::store(uint32_t key, std::span<const uint8_t> response, uint64_t now_ms,
                          uint32_t lifetime_ms) {
    drop_expired(now_ms);
    for (uint8_t i = 0; i < count_; ++i) {
        if (entries_[i].key == key) {
            remove(i);  // replaced by the response to the newer request
            break;
        }
    }
    if (response.size() > sizeof(data_)) {
        return;
    }
    while (count_ > 0 && (count_ == LWM2M_RESPONSE_CACHE_ENTRIES ||
                          used_bytes() + response.size() > sizeof(data_))) {
        remove(0);
    }
    std::memcpy(data_ + used_bytes(), response.data(), response.size());
    entries_[count_++] = {to_seconds(now_ms + lifetime_ms), key,
                          static_cast<uint16_t>(response.size())};
}

}  // namespace lwm2m::detail

#endif  // LWM2M_WITH_RESPONSE_CACHE
