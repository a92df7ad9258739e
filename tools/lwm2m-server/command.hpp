#pragma once

#include <cstddef>
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
    kServe,
    kUnserve,
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
    /// FILE of `serve`, or of `write --file`, as given on the command line.
    std::string file;
    /// Contents of FILE for `serve`, read when the command is parsed. `write --file` puts the
    /// contents in request.payload instead.
    std::vector<std::uint8_t> file_content;

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

/// Largest FILE that `serve` and `write --file` read: 2^20 blocks of 1024 bytes, the largest
/// body that Block1 or Block2 can address (RFC 7959, 2.2: NUM has at most 20 bits).
inline constexpr std::size_t kMaxFileSize = std::size_t{1} << 30;

/// Parses one command line. Returns std::nullopt for a blank line or a `#` comment.
/// Throws CommandError for an unknown command, a missing argument or an invalid value, and
/// for a FILE of `serve` or `write --file` that cannot be read.
std::optional<Command> parse_command(std::string_view line);

}  // namespace lwm2m::server
