#include "lwm2m/posix/platform.hpp"

#include <sys/random.h>

#include <cstdio>
#include <ctime>

namespace lwm2m::posix {

uint64_t SystemClock::monotonic_ms() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000 + static_cast<uint64_t>(now.tv_nsec) / 1000000;
}

int64_t SystemClock::real_time_s() { return static_cast<int64_t>(std::time(nullptr)); }

uint32_t SystemRandom::next_u32() {
    uint32_t value = 0;
    // getrandom() of 4 bytes returns them all once the pool is initialised.
    if (getrandom(&value, sizeof(value), 0) != static_cast<ssize_t>(sizeof(value))) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        value = static_cast<uint32_t>(now.tv_nsec) * 2654435761u;
    }
    return value;
}

void stderr_log_output(LogLevel level, const char* module, const char* message) {
    static constexpr char kLetters[] = {'T', 'D', 'I', 'W', 'E', '-'};
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm local{};
    localtime_r(&now.tv_sec, &local);
    std::fprintf(stderr, "%02d:%02d:%02d.%03ld %c [%s] %s\n", local.tm_hour, local.tm_min,
                 local.tm_sec, now.tv_nsec / 1000000, kLetters[static_cast<int>(level)], module,
                 message);
}

}  // namespace lwm2m::posix
