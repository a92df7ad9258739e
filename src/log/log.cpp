#include "lwm2m/log.hpp"

#include <cstdarg>
#include <cstdio>

namespace lwm2m::log {
namespace {

OutputFunction g_output = nullptr;
LogLevel g_level = LogLevel::kInfo;

}  // namespace

void set_output(OutputFunction output) { g_output = output; }

void set_level(LogLevel level) { g_level = level; }

void write(LogLevel level, const char* module, const char* format, ...) {
    if (g_output == nullptr || level < g_level) {
        return;
    }
    char message[LWM2M_LOG_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    std::vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    g_output(level, module, message);
}

}  // namespace lwm2m::log
