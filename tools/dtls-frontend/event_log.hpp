#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace lwm2m::dtls_frontend {

/// JSON object that keeps keys in insertion order, so "event" and "time" come first.
using Json = nlohmann::ordered_json;

/// Writer of events: one JSON object per line on stdout, flushed per line.
class EventLog {
  public:
    EventLog() : start_(std::chrono::steady_clock::now()) {}

    /// Seconds since the front end started, the "time" of every event.
    double now() const;

    /// Creates an event object with "event" and "time" set.
    Json make(std::string_view name) const;

    /// Writes one event line. Invalid UTF-8 is written as U+FFFD instead of raising.
    void write(const Json& event);

  private:
    std::chrono::steady_clock::time_point start_;
};

/// Formats bytes as lower-case hex without separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace lwm2m::dtls_frontend
