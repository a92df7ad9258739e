// Clock, random numbers and log output for POSIX systems.
#pragma once

#include "lwm2m/log.hpp"
#include "lwm2m/platform.hpp"

namespace lwm2m::posix {

/// CLOCK_MONOTONIC for monotonic_ms() and the system clock for real_time_s().
class SystemClock final : public Clock {
public:
    uint64_t monotonic_ms() override;
    int64_t real_time_s() override;
};

/// Random numbers from the kernel (getrandom(2)), suitable for tokens.
class SystemRandom final : public Random {
public:
    uint32_t next_u32() override;
};

/// Log output that prints "HH:MM:SS.mmm L [module] message" to stderr.
void stderr_log_output(LogLevel level, const char* module, const char* message);

}  // namespace lwm2m::posix
