#include "event_log.hpp"

#include <cstdio>

namespace lwm2m::dtls_frontend {

double EventLog::now() const {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
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

    // A closed stdout must not stop the front end, so write errors are ignored here.
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
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

}  // namespace lwm2m::dtls_frontend
