#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bootstrap_payload.hpp"

namespace lwm2m::server {

enum class CommandKind {
    kRead,
    kWrite,
    kExecute,
    kObserve,
    kCancelObserve,
    kDiscover,
    kCreate,
    kDelete,
    kWriteAttributes,
    kBootstrapWrite,
    kBootstrapRead,
    kBootstrapDiscover,
    kBootstrapDelete,
    kBootstrapFinish,
    kWaitForRegistration,
    kWaitForUpdate,
    kSleep,
    kQuit,
};

enum class Method { kGet, kPost, kPut, kDelete };

/// CoAP request that a command sends to a client, still free of libcoap types.
struct DownlinkRequest {
    Method method = Method::kGet;
    std::vector<std::string> uri_path;
    std::vector<std::string> uri_query;
    std::optional<std::uint16_t> content_format;
    std::optional<std::uint16_t> accept;
    std::optional<std::uint32_t> observe;
    std::vector<std::uint8_t> payload;
};

/// One parsed command line.
struct Command {
    int id = 0;
    CommandKind kind = CommandKind::kQuit;
    std::string name;
    std::string endpoint;
    std::string path;
    DownlinkRequest request;
    /// Wait limit of wait-for-registration and wait-for-update, or the sleep duration.
    double seconds = 0.0;
    /// Resource values of a bootstrap-write given as JSON. The server encodes them when it
    /// sends the request, in the Content-Format chosen for the client.
    std::optional<WriteContent> write_content;

    /// True for commands that send a request to a client.
    bool is_downlink() const;
    /// True for the commands of the Bootstrap interface, sent to a client that has sent a
    /// Bootstrap-Request instead of one that has registered.
    bool is_bootstrap() const;
};

/// Error in a command line; the message names the command and the invalid value.
class CommandError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Parses one command line. Returns std::nullopt for a blank line or a `#` comment.
/// Throws CommandError for an unknown command, a missing argument or an invalid value.
std::optional<Command> parse_command(std::string_view line);

}  // namespace lwm2m::server
