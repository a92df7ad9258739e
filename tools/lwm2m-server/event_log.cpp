#include "event_log.hpp"

#include <cstdio>
#include <stdexcept>

namespace lwm2m::server {

EventLog::EventLog(const std::string& events_path) : start_(std::chrono::steady_clock::now()) {
    if (events_path.empty()) {
        return;
    }

    file_.open(events_path, std::ios::out | std::ios::app);
    if (!file_) {
        throw std::runtime_error("failed to open events file '" + events_path + "' for appending");
    }
}

double EventLog::now() const {
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    return elapsed.count();
}

Json EventLog::make(std::string_view name) const {
    Json event;
    event["event"] = name;
    event["time"] = now();
    return event;
}

void EventLog::write(const Json& event) {
    std::string line = event.dump(-1, ' ', false, Json::error_handler_t::replace);
    line += '\n';

    // A closed stdout must not stop the server, so write errors are ignored here.
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);

    if (file_.is_open()) {
        file_ << line;
        file_.flush();
    }
}

void EventLog::error(std::string_view message, int command_id) {
    Json event = make("error");
    if (command_id > 0) {
        event["id"] = command_id;
    }
    event["message"] = message;
    write(event);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";

    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (std::uint8_t byte : bytes) {
        hex += kDigits[byte >> 4];
        hex += kDigits[byte & 0x0f];
    }
    return hex;
}

}  // namespace lwm2m::server
