#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace lwm2m::server {

/// JSON object that keeps keys in insertion order, so "event" and "time" come first.
using Json = nlohmann::ordered_json;

/// Writer of events: one JSON object per line on stdout, flushed per line, and the same
/// line appended to an optional events file.
class EventLog {
  public:
    /// Opens `events_path` for appending unless it is empty.
    /// Throws std::runtime_error if the file cannot be opened.
    explicit EventLog(const std::string& events_path);

    /// Seconds since the log was created, the "time" of every event.
    double now() const;

    /// Creates an event object with "event" and "time" set.
    Json make(std::string_view name) const;

    /// Writes one event line. Invalid UTF-8 is written as U+FFFD instead of raising.
    void write(const Json& event);

    /// Writes an "error" event with a message and, when `command_id` is positive, an "id".
    void error(std::string_view message, int command_id = 0);

  private:
    std::chrono::steady_clock::time_point start_;
    std::ofstream file_;
};

/// Formats bytes as lower-case hex without separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace lwm2m::server
