// Progress of a firmware download on stderr: a bar redrawn in place on a
// terminal, plain log lines otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lwm2m/firmware_update.hpp"
#include "lwm2m/log.hpp"

namespace demo {

/// Shows the bytes received, the total when known and the rate in KB/s
/// (1 KB = 1000 bytes), averaged since the download started or resumed.
///
/// On a terminal, one line is redrawn at most every 100 ms. Otherwise a log
/// line goes out each time another 10 % has arrived, or every 64 KiB when the
/// total is unknown, and one when the download ends, for example
/// `firmware: 131072 of 262144 bytes (50%), 812.4 KB/s`.
class FirmwareProgress {
  public:
    explicit FirmwareProgress(bool terminal) : terminal_(terminal) {}

    /// Updates the display from the object's state; call after each step().
    void update(lwm2m::fw::State state, lwm2m::fw::Progress progress, uint64_t now_ms);

    /// Log output for lwm2m::log::set_output() while the bar is shown: erases
    /// the bar, prints the message as lwm2m::posix::stderr_log_output() does,
    /// and lets the next update() draw the bar again.
    static void log_output(lwm2m::LogLevel level, const char* module, const char* message);

  private:
    void start(size_t received, uint64_t now_ms);
    void report(lwm2m::fw::Progress progress, uint64_t now_ms, bool final);
    void draw_bar(lwm2m::fw::Progress progress, uint64_t now_ms);
    double rate_kb_per_s(size_t received, uint64_t now_ms) const;

    bool terminal_;
    bool active_ = false;
    uint64_t start_ms_ = 0;
    size_t start_bytes_ = 0;
    lwm2m::fw::Progress last_{};
    uint64_t last_draw_ms_ = 0;
    // The next tenth of the total, or the next multiple of 64 KiB, to log.
    size_t next_tenth_ = 1;
    size_t next_bytes_ = 0;
};

}  // namespace demo
