#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "coap_server.hpp"
#include "command.hpp"
#include "event_log.hpp"
#include "registry.hpp"

namespace lwm2m::server {

/// Runs command lines in order. A wait or sleep blocks the commands after it, never the
/// CoAP loop: run() returns at once and is called again on the next loop turn.
class CommandRunner {
  public:
    CommandRunner(EventLog& log, Registry& registry, CoapServer& server)
        : log_(log), registry_(registry), server_(server) {}

    /// Appends one line of input, without its newline.
    void add_line(std::string line) { lines_.push_back(std::move(line)); }

    /// Marks the end of input: no line follows the ones already added.
    void close_input() { input_closed_ = true; }

    /// Runs lines until one blocks or none is left.
    void run();

    bool quit_requested() const { return quit_requested_; }

    /// True once input is closed and every line has finished.
    bool done() const { return input_closed_ && lines_.empty() && !waiting_; }

    /// Server time at which the running wait or sleep ends.
    std::optional<double> deadline() const;

  private:
    void start(Command command);
    bool wait_finished();

    EventLog& log_;
    Registry& registry_;
    CoapServer& server_;
    std::deque<std::string> lines_;
    std::optional<Command> waiting_;
    double wait_until_ = 0.0;
    std::uint64_t updates_before_wait_ = 0;
    int next_id_ = 1;
    bool input_closed_ = false;
    bool quit_requested_ = false;
};

}  // namespace lwm2m::server
