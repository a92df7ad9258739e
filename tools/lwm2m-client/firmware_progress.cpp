#include "firmware_progress.hpp"

#include <cstdio>
#include <string>

#include "lwm2m/posix/platform.hpp"

namespace demo {
namespace {

using lwm2m::fw::Progress;
using lwm2m::fw::State;

constexpr const char kLogModule[] = "fw-demo";
constexpr uint64_t kRedrawIntervalMs = 100;
// Log step when the total is unknown.
constexpr size_t kUnknownTotalStep = 64 * 1024;
constexpr size_t kBarWidth = 30;

// True while the bar is on the last line of the terminal.
bool g_bar_shown = false;

size_t percent(Progress progress) {
    if (progress.total == 0) {
        return 0;
    }
    const size_t value = progress.received * 100 / progress.total;
    return value > 100 ? 100 : value;
}

}  // namespace

void FirmwareProgress::log_output(lwm2m::LogLevel level, const char* module, const char* message) {
    if (g_bar_shown) {
        std::fputs("\r\033[K", stderr);
        g_bar_shown = false;
    }
    lwm2m::posix::stderr_log_output(level, module, message);
}

void FirmwareProgress::update(State state, Progress progress, uint64_t now_ms) {
    if (state == State::kDownloading) {
        // A new download, or one that started again from byte 0.
        if (!active_ || progress.received < last_.received) {
            start(progress.received, now_ms);
        }
        last_ = progress;
        if (terminal_) {
            if (!g_bar_shown || now_ms - last_draw_ms_ >= kRedrawIntervalMs) {
                draw_bar(progress, now_ms);
            }
            return;
        }
        const bool due = progress.total > 0
                             ? progress.received * 10 / progress.total >= next_tenth_ &&
                                   progress.received < progress.total
                             : progress.received >= next_bytes_;
        if (due) {
            report(progress, now_ms, false);
            next_tenth_ = progress.total > 0 ? progress.received * 10 / progress.total + 1 : 1;
            next_bytes_ = (progress.received / kUnknownTotalStep + 1) * kUnknownTotalStep;
        }
        return;
    }
    if (!active_) {
        return;
    }
    active_ = false;
    // The library resets the progress when a download fails, so a failure
    // shows the last bytes seen.
    const bool downloaded = state == State::kDownloaded;
    const Progress final_progress = downloaded ? progress : last_;
    if (terminal_) {
        draw_bar(final_progress, now_ms);
        std::fputc('\n', stderr);
        g_bar_shown = false;
    }
    if (!terminal_ || !downloaded) {
        report(final_progress, now_ms, true);
    }
}

void FirmwareProgress::start(size_t received, uint64_t now_ms) {
    active_ = true;
    start_ms_ = now_ms;
    start_bytes_ = received;
    last_ = {};
    next_tenth_ = 1;
    next_bytes_ = kUnknownTotalStep;
}

double FirmwareProgress::rate_kb_per_s(size_t received, uint64_t now_ms) const {
    const uint64_t elapsed_ms = now_ms - start_ms_;
    if (elapsed_ms == 0 || received < start_bytes_) {
        return 0.0;
    }
    // Bytes per millisecond are kilobytes per second.
    return static_cast<double>(received - start_bytes_) / static_cast<double>(elapsed_ms);
}

void FirmwareProgress::report(Progress progress, uint64_t now_ms, bool final) {
    const char* verb = final && progress.received != progress.total ? "stopped at " : "";
    const double rate = rate_kb_per_s(progress.received, now_ms);
    if (progress.total > 0) {
        lwm2m::log::write(lwm2m::LogLevel::kInfo, kLogModule,
                          "firmware: %s%zu of %zu bytes (%zu%%), %.1f KB/s", verb,
                          progress.received, progress.total, percent(progress), rate);
    } else {
        lwm2m::log::write(lwm2m::LogLevel::kInfo, kLogModule, "firmware: %s%zu bytes, %.1f KB/s",
                          verb, progress.received, rate);
    }
}

void FirmwareProgress::draw_bar(Progress progress, uint64_t now_ms) {
    last_draw_ms_ = now_ms;
    g_bar_shown = true;
    const double rate = rate_kb_per_s(progress.received, now_ms);
    if (progress.total == 0) {
        std::fprintf(stderr, "\rfirmware  %zu bytes  %.1f KB/s\033[K", progress.received, rate);
        std::fflush(stderr);
        return;
    }
    const size_t filled = percent(progress) * kBarWidth / 100;
    const std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, '-');
    std::fprintf(stderr, "\rfirmware [%s] %3zu%%  %zu of %zu bytes  %.1f KB/s\033[K", bar.c_str(),
                 percent(progress), progress.received, progress.total, rate);
    std::fflush(stderr);
}

}  // namespace demo
