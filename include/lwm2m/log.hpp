// Logging: level macros with a module tag per source file. Levels below
// LWM2M_LOG_LEVEL compile to nothing, but their format strings are still checked.
//
// Usage in a source file:
//   LWM2M_LOG_MODULE("reg");
//   LWM2M_LOG_INFO("registered at %s, lifetime %u s", location, lifetime);
#pragma once

#include <cstdint>

#include "lwm2m/config.hpp"

namespace lwm2m {

enum class LogLevel : uint8_t { kTrace, kDebug, kInfo, kWarning, kError, kOff };

namespace log {

/// Receives each formatted message, without a trailing newline. Supplied by the
/// port (ports/posix has one that prints to stderr).
using OutputFunction = void (*)(LogLevel level, const char* module, const char* message);

/// Sets the function that receives log messages; nullptr discards them.
void set_output(OutputFunction output);

/// Sets the runtime threshold; messages below it are discarded. Levels removed
/// at compile time by LWM2M_LOG_LEVEL cannot be enabled here.
void set_level(LogLevel level);

/// Formats a message and passes it to the output function. Use the macros.
[[gnu::format(printf, 3, 4)]] void write(LogLevel level, const char* module, const char* format,
                                         ...);

/// Does nothing; lets the compiler check the format of a removed log call.
[[gnu::format(printf, 1, 2)]] inline void check_format(const char*, ...) {}

}  // namespace log
}  // namespace lwm2m

#define LWM2M_LOG_MODULE(name) [[maybe_unused]] static constexpr const char kLwm2mLogModule[] = name

#define LWM2M_LOG_WRITE(level, ...) \
    ::lwm2m::log::write(::lwm2m::LogLevel::level, kLwm2mLogModule, __VA_ARGS__)
#define LWM2M_LOG_DISCARD(...)                       \
    do {                                             \
        if (false) {                                 \
            ::lwm2m::log::check_format(__VA_ARGS__); \
        }                                            \
    } while (0)

#if LWM2M_LOG_LEVEL <= 0
#define LWM2M_LOG_TRACE(...) LWM2M_LOG_WRITE(kTrace, __VA_ARGS__)
#else
#define LWM2M_LOG_TRACE(...) LWM2M_LOG_DISCARD(__VA_ARGS__)
#endif

#if LWM2M_LOG_LEVEL <= 1
#define LWM2M_LOG_DEBUG(...) LWM2M_LOG_WRITE(kDebug, __VA_ARGS__)
#else
#define LWM2M_LOG_DEBUG(...) LWM2M_LOG_DISCARD(__VA_ARGS__)
#endif

#if LWM2M_LOG_LEVEL <= 2
#define LWM2M_LOG_INFO(...) LWM2M_LOG_WRITE(kInfo, __VA_ARGS__)
#else
#define LWM2M_LOG_INFO(...) LWM2M_LOG_DISCARD(__VA_ARGS__)
#endif

#if LWM2M_LOG_LEVEL <= 3
#define LWM2M_LOG_WARNING(...) LWM2M_LOG_WRITE(kWarning, __VA_ARGS__)
#else
#define LWM2M_LOG_WARNING(...) LWM2M_LOG_DISCARD(__VA_ARGS__)
#endif

#if LWM2M_LOG_LEVEL <= 4
#define LWM2M_LOG_ERROR(...) LWM2M_LOG_WRITE(kError, __VA_ARGS__)
#else
#define LWM2M_LOG_ERROR(...) LWM2M_LOG_DISCARD(__VA_ARGS__)
#endif
