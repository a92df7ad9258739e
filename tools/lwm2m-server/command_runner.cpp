#include "command_runner.hpp"

#include <sstream>

namespace lwm2m::server {

void CommandRunner::run() {
    while (!quit_requested_ && wait_finished() && !lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();

        std::optional<Command> command;
        try {
            command = parse_command(line);
        } catch (const CommandError& error) {
            log_.error(std::string("invalid command: ") + error.what(), next_id_++);
            continue;
        }

        if (command) {
            command->id = next_id_++;
            start(std::move(*command));
        }
    }
}

std::optional<double> CommandRunner::deadline() const {
    if (!waiting_) {
        return std::nullopt;
    }
    return wait_until_;
}

void CommandRunner::start(Command command) {
    switch (command.kind) {
        case CommandKind::kQuit:
            quit_requested_ = true;
            return;
        case CommandKind::kSleep:
        case CommandKind::kWaitForRegistration:
        case CommandKind::kWaitForUpdate:
            wait_until_ = log_.now() + command.seconds;
            updates_before_wait_ = registry_.update_count(command.endpoint);
            waiting_ = std::move(command);
            return;
        case CommandKind::kServe:
            server_.serve(std::move(command));
            return;
        case CommandKind::kUnserve:
            server_.unserve(command);
            return;
        default:
            server_.submit(std::move(command));
            return;
    }
}

bool CommandRunner::wait_finished() {
    if (!waiting_) {
        return true;
    }

    const Command& command = *waiting_;
    bool satisfied = false;
    if (command.kind == CommandKind::kWaitForRegistration) {
        satisfied = registry_.find_by_endpoint(command.endpoint) != nullptr;
    } else if (command.kind == CommandKind::kWaitForUpdate) {
        satisfied = registry_.update_count(command.endpoint) > updates_before_wait_;
    }

    const bool timed_out = log_.now() >= wait_until_;
    if (timed_out && !satisfied && command.kind != CommandKind::kSleep) {
        std::ostringstream message;
        message << command.name << " " << command.endpoint << " timed out after " << command.seconds
                << " s";
        log_.error(message.str(), command.id);
    }

    if (satisfied || timed_out) {
        waiting_.reset();
        return true;
    }
    return false;
}

}  // namespace lwm2m::server
