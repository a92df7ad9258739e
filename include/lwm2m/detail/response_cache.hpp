// Cache of recent responses, so that a retransmitted request is processed once
// and every copy gets the same bytes back (RFC 7252, 4.5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/config.hpp"

namespace lwm2m::detail {

#if LWM2M_WITH_RESPONSE_CACHE

class ResponseCache {
  public:
    /// Returns the response cached for the request with `key` (its message
    /// ID, and the server's session above bit 15), or an empty span. The view
    /// stays valid until the next store() or clear().
    std::span<const uint8_t> find(uint32_t key, uint64_t now_ms);

    /// Stores `response` for `key` until `now_ms + lifetime_ms`, rounded
    /// up to a whole second, evicting the oldest entries to make room.
    /// An older entry for the same key is replaced.
    /// NOTE: a response longer than LWM2M_RESPONSE_CACHE_SIZE is not cached, and
    /// only the last LWM2M_RESPONSE_CACHE_ENTRIES responses are kept, so a
    /// retransmission arriving after that many newer requests is processed again.
    void store(uint32_t key, std::span<const uint8_t> response, uint64_t now_ms,
               uint32_t lifetime_ms);

    void clear() { count_ = 0; }

    size_t size() const { return count_; }

  private:
    struct Entry {
        uint32_t expires_s;
        uint32_t key;
        uint16_t length;
    };

    void remove(uint8_t index);
    void drop_expired(uint64_t now_ms);
    size_t used_bytes() const;

    // Entries are oldest first, and their bytes lie in `data_` in the same order.
    Entry entries_[LWM2M_RESPONSE_CACHE_ENTRIES] = {};
    uint8_t data_[LWM2M_RESPONSE_CACHE_SIZE] = {};
    uint8_t count_ = 0;
};

#else

// Built without LWM2M_WITH_RESPONSE_CACHE: nothing is kept, and a
// retransmitted request is served again.
class ResponseCache {
  public:
    std::span<const uint8_t> find(uint32_t, uint64_t) { return {}; }
    void store(uint32_t, std::span<const uint8_t>, uint64_t, uint32_t) {}
    void clear() {}
    size_t size() const { return 0; }
};

#endif  // LWM2M_WITH_RESPONSE_CACHE

}  // namespace lwm2m::detail
