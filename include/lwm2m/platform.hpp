// Time and random-number ports. ports/posix has implementations for Linux.
#pragma once

#include <cstdint>

namespace lwm2m {

class Clock {
  public:
    /// Milliseconds from an arbitrary start; never goes backwards.
    virtual uint64_t monotonic_ms() = 0;

    /// Seconds since 1970-01-01T00:00:00Z, for the Device object's Current Time.
    virtual int64_t real_time_s() = 0;

  protected:
    ~Clock() = default;
};

/// Source of message IDs and tokens. Tokens should be hard to guess (RFC 7252,
/// 5.3.1), so use a hardware or cryptographic generator where there is one.
class Random {
  public:
    virtual uint32_t next_u32() = 0;

  protected:
    ~Random() = default;
};

}  // namespace lwm2m
