#include "command.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

namespace lwm2m::server {
namespace {

constexpr double kDefaultWaitSeconds = 30.0;
constexpr std::uint16_t kTextPlain = 0;
constexpr std::uint16_t kLinkFormat = 40;
constexpr std::uint16_t kOctetStream = 42;
constexpr std::uint16_t kTlv = 11542;

struct Token {
    std::string text;
    bool quoted = false;
    std::size_t end = 0;  // offset just past the token in the line
};

struct CommandSpec {
    CommandKind kind;
    int positionals;   // required positional arguments after the command name
    bool takes_value;  // one more optional positional argument
    std::vector<std::string_view> options;
};

const std::map<std::string, CommandSpec, std::less<>>& command_specs() {
    static const std::map<std::string, CommandSpec, std::less<>> kSpecs = {
        {"read", {CommandKind::kRead, 2, false, {"--accept"}}},
        {"write", {CommandKind::kWrite, 2, true, {"--format", "--hex", "--file", "--partial"}}},
        {"execute", {CommandKind::kExecute, 2, false, {}}},
        {"observe", {CommandKind::kObserve, 2, false, {"--accept"}}},
        {"cancel-observe", {CommandKind::kCancelObserve, 2, false, {}}},
        {"discover", {CommandKind::kDiscover, 2, false, {}}},
        {"create", {CommandKind::kCreate, 2, true, {"--format", "--hex"}}},
        {"delete", {CommandKind::kDelete, 2, false, {}}},
        {"write-attributes", {CommandKind::kWriteAttributes, 3, false, {}}},
        {"bootstrap-write", {CommandKind::kBootstrapWrite, 2, true, {"--format", "--hex"}}},
        {"bootstrap-read", {CommandKind::kBootstrapRead, 2, false, {"--accept"}}},
        {"bootstrap-discover", {CommandKind::kBootstrapDiscover, 1, true, {}}},
        {"bootstrap-delete", {CommandKind::kBootstrapDelete, 1, true, {}}},
        {"bootstrap-finish", {CommandKind::kBootstrapFinish, 1, false, {}}},
        {"wait-for-registration", {CommandKind::kWaitForRegistration, 1, true, {}}},
        {"wait-for-update", {CommandKind::kWaitForUpdate, 1, true, {}}},
        {"sleep", {CommandKind::kSleep, 1, false, {}}},
        {"quit", {CommandKind::kQuit, 0, false, {}}},
        {"serve", {CommandKind::kServe, 2, false, {}}},
        {"unserve", {CommandKind::kUnserve, 1, false, {}}},
    };
    return kSpecs;
}

// Splits on blanks. A double-quoted token may contain blanks, `\"` and `\\`.
std::vector<Token> tokenize(std::string_view line) {
    std::vector<Token> tokens;
    std::size_t i = 0;

    while (i < line.size()) {
        if (line[i] == ' ' || line[i] == '\t') {
            ++i;
            continue;
        }

        Token token;
        if (line[i] == '"') {
            token.quoted = true;
            ++i;
            while (i < line.size() && line[i] != '"') {
                if (line[i] == '\\' && i + 1 < line.size()) {
                    ++i;
                }
                token.text += line[i++];
            }
            if (i >= line.size()) {
                throw CommandError("unterminated double quote in command line");
            }
            ++i;
        } else {
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
                token.text += line[i++];
            }
        }
        token.end = i;
        tokens.push_back(std::move(token));
    }
    return tokens;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::uint16_t parse_uint16(std::string_view option, std::string_view text) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > 0xffff) {
        throw CommandError(std::string(option) + " expects an integer 0..65535, got '" +
                           std::string(text) + "'");
    }
    return static_cast<std::uint16_t>(value);
}

double parse_seconds(std::string_view text) {
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < 0.0) {
        throw CommandError("expected a non-negative number of seconds, got '" + std::string(text) +
                           "'");
    }
    return value;
}

std::vector<std::uint8_t> parse_hex(std::string_view text) {
    if (text.size() % 2 != 0) {
        throw CommandError("--hex expects an even number of hex digits, got '" + std::string(text) +
                           "'");
    }

    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned byte = 0;
        const char* first = text.data() + i;
        const auto [end, ec] = std::from_chars(first, first + 2, byte, 16);
        if (ec != std::errc() || end != first + 2) {
            throw CommandError("--hex contains a character that is not a hex digit: '" +
                               std::string(text) + "'");
        }
        bytes.push_back(static_cast<std::uint8_t>(byte));
    }
    return bytes;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t stop = text.find(separator, start);
        if (stop == std::string_view::npos) {
            stop = text.size();
        }
        if (stop > start) {
            parts.emplace_back(text.substr(start, stop - start));
        }
        start = stop + 1;
    }
    return parts;
}

std::vector<std::string> parse_path(std::string_view path) {
    if (path.empty() || path.front() != '/') {
        throw CommandError("path must start with '/', got '" + std::string(path) + "'");
    }
    return split(path, '/');
}

// Checks the URI_PATH of serve and unserve and returns it as "/a/b", without empty segments.
// Segments take only the unreserved characters of RFC 3986, so the Uri-Path options of a
// request match the path without percent-encoding. The paths of the LwM2M interfaces and
// of CoRE discovery stay with their handlers.
std::string parse_served_path(std::string_view command_name, std::string_view path) {
    const std::vector<std::string> segments = parse_path(path);
    const std::string prefix = std::string(command_name) + ": ";
    if (segments.empty()) {
        throw CommandError(prefix + "URI_PATH needs at least one segment, got '" +
                           std::string(path) + "'");
    }

    static constexpr std::string_view kReserved[] = {"rd", "bs", "bspack", "dp", ".well-known"};
    for (std::string_view reserved : kReserved) {
        if (segments.front() == reserved) {
            throw CommandError(prefix + "'/" + segments.front() +
                               "' belongs to the server's own interfaces; pick another path");
        }
    }

    std::string normalized;
    for (const std::string& segment : segments) {
        const bool dot_segment = segment == "." || segment == "..";
        const bool unreserved = segment.find_first_not_of(
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-._~") == std::string::npos;
        if (dot_segment || !unreserved) {
            throw CommandError(prefix + "invalid segment '" + segment +
                               "' in URI_PATH: use letters, digits and - . _ ~");
        }
        normalized += "/" + segment;
    }
    return normalized;
}

// Reads a whole file of at most kMaxFileSize bytes. Errors start with `command_label`.
std::vector<std::uint8_t> read_file_bytes(const std::string& command_label,
                                          const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw CommandError(command_label + ": failed to open '" + path +
                           "': " + std::strerror(errno));
    }

    // Each turn either reads a whole chunk or ends, so the loop stops after at most
    // kMaxFileSize / kChunk + 1 turns.
    constexpr std::size_t kChunk = 64 * 1024;
    std::vector<std::uint8_t> bytes;
    while (bytes.size() <= kMaxFileSize) {
        const std::size_t old_size = bytes.size();
        bytes.resize(old_size + kChunk);
        file.read(reinterpret_cast<char*>(bytes.data() + old_size), kChunk);
        bytes.resize(old_size + static_cast<std::size_t>(file.gcount()));
        if (!file) {
            break;
        }
    }

    if (file.bad()) {
        throw CommandError(command_label + ": failed to read '" + path +
                           "': " + std::strerror(errno));
    }
    if (bytes.size() > kMaxFileSize) {
        throw CommandError(command_label + ": '" + path + "' is larger than " +
                           std::to_string(kMaxFileSize) + " bytes");
    }
    return bytes;
}

WriteContent parse_write_json(const std::string& path, const std::string& text) {
    const nlohmann::json description = nlohmann::json::parse(text, nullptr, false);
    if (description.is_discarded()) {
        throw CommandError("bootstrap-write: invalid JSON '" + text + "'");
    }
    try {
        return parse_write_content(path, description);
    } catch (const WriteContentError& error) {
        throw CommandError(std::string("bootstrap-write: ") + error.what());
    }
}

// Fills the request of a command that talks to a client from its arguments.
void build_request(Command& command, const std::optional<std::string>& value,
                   const std::map<std::string, std::string, std::less<>>& options) {
    DownlinkRequest& request = command.request;
    request.uri_path = parse_path(command.path);

    if (auto it = options.find("--accept"); it != options.end()) {
        request.accept = parse_uint16("--accept", it->second);
    }
    if (auto it = options.find("--format"); it != options.end()) {
        request.content_format = parse_uint16("--format", it->second);
    }

    const auto hex = options.find("--hex");
    const auto file = options.find("--file");
    if (hex != options.end() && value) {
        throw CommandError(command.name + " takes either a VALUE or --hex, not both");
    }
    if (file != options.end() && (value || hex != options.end())) {
        throw CommandError(command.name + " takes --file alone, without a VALUE or --hex");
    }
    if (hex != options.end()) {
        request.payload = parse_hex(hex->second);
        const bool is_bootstrap_write = command.kind == CommandKind::kBootstrapWrite;
        request.content_format =
            request.content_format.value_or(is_bootstrap_write ? kTlv : kOctetStream);
    } else if (file != options.end()) {
        command.file = file->second;
        request.payload = read_file_bytes(command.name + " --file", command.file);
        request.content_format = request.content_format.value_or(kOctetStream);
    } else if (value) {
        request.payload.assign(value->begin(), value->end());
        request.content_format = request.content_format.value_or(kTextPlain);
    }

    switch (command.kind) {
        case CommandKind::kRead:
            request.method = Method::kGet;
            break;
        case CommandKind::kWrite:
            if (!value && hex == options.end() && file == options.end()) {
                throw CommandError("write needs a VALUE, --hex HEX or --file FILE");
            }
            request.method = options.contains("--partial") ? Method::kPost : Method::kPut;
            break;
        case CommandKind::kExecute:
            request.method = Method::kPost;
            break;
        case CommandKind::kObserve:
            request.method = Method::kGet;
            request.observe = 0;
            break;
        case CommandKind::kCancelObserve:
            request.method = Method::kGet;
            request.observe = 1;
            break;
        case CommandKind::kDiscover:
            request.method = Method::kGet;
            request.accept = kLinkFormat;
            break;
        case CommandKind::kCreate:
            request.method = Method::kPost;
            break;
        case CommandKind::kDelete:
            request.method = Method::kDelete;
            break;
        case CommandKind::kWriteAttributes:
            request.method = Method::kPut;
            break;
        case CommandKind::kBootstrapWrite:
            request.method = Method::kPut;
            break;
        case CommandKind::kBootstrapRead:
            request.method = Method::kGet;
            break;
        case CommandKind::kBootstrapDiscover:
            request.method = Method::kGet;
            request.accept = kLinkFormat;
            break;
        case CommandKind::kBootstrapDelete:
            request.method = Method::kDelete;
            break;
        case CommandKind::kBootstrapFinish:
            request.method = Method::kPost;
            break;
        default:
            break;
    }
}

}  // namespace

bool Command::is_bootstrap() const {
    switch (kind) {
        case CommandKind::kBootstrapWrite:
        case CommandKind::kBootstrapRead:
        case CommandKind::kBootstrapDiscover:
        case CommandKind::kBootstrapDelete:
        case CommandKind::kBootstrapFinish:
            return true;
        default:
            return false;
    }
}

bool Command::is_downlink() const {
    switch (kind) {
        case CommandKind::kWaitForRegistration:
        case CommandKind::kWaitForUpdate:
        case CommandKind::kSleep:
        case CommandKind::kQuit:
        case CommandKind::kServe:
        case CommandKind::kUnserve:
            return false;
        default:
            return true;
    }
}

std::optional<Command> parse_command(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') {
        return std::nullopt;
    }

    const std::vector<Token> tokens = tokenize(line);
    Command command;
    command.name = tokens.front().text;

    const auto spec_it = command_specs().find(command.name);
    if (spec_it == command_specs().end()) {
        throw CommandError("unknown command '" + command.name + "'");
    }
    const CommandSpec& spec = spec_it->second;
    command.kind = spec.kind;

    // execute takes the rest of the line after PATH verbatim as its arguments, and
    // bootstrap-write the rest of the line from a token starting with '{' as JSON.
    std::vector<std::string> positionals;
    std::map<std::string, std::string, std::less<>> options;
    std::string execute_arguments;
    std::optional<std::string> write_json;

    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const Token& token = tokens[i];
        if (spec.kind == CommandKind::kExecute && positionals.size() == 2) {
            execute_arguments = trim(line.substr(tokens[i - 1].end));
            break;
        }
        if (spec.kind == CommandKind::kBootstrapWrite && positionals.size() == 2 && !token.quoted &&
            token.text.starts_with("{")) {
            write_json = std::string(trim(line.substr(tokens[i - 1].end)));
            break;
        }

        const bool is_option = !token.quoted && token.text.starts_with("--");
        if (!is_option) {
            positionals.push_back(token.text);
            continue;
        }

        bool allowed = false;
        for (std::string_view name : spec.options) {
            allowed = allowed || name == token.text;
        }
        if (!allowed) {
            throw CommandError(command.name + " does not take option '" + token.text + "'");
        }

        if (token.text == "--partial") {
            options[token.text] = "";
        } else if (i + 1 < tokens.size()) {
            options[token.text] = tokens[++i].text;
        } else {
            throw CommandError("option " + token.text + " needs a value");
        }
    }

    const std::size_t required = static_cast<std::size_t>(spec.positionals);
    const std::size_t allowed = required + (spec.takes_value ? 1 : 0);
    if (positionals.size() < required || positionals.size() > allowed) {
        throw CommandError(command.name + " expects " + std::to_string(required) +
                           (spec.takes_value ? " or " + std::to_string(allowed) : "") +
                           " arguments, got " + std::to_string(positionals.size()));
    }

    switch (spec.kind) {
        case CommandKind::kSleep:
            command.seconds = parse_seconds(positionals[0]);
            return command;
        case CommandKind::kQuit:
            return command;
        case CommandKind::kWaitForRegistration:
        case CommandKind::kWaitForUpdate:
            command.endpoint = positionals[0];
            command.seconds =
                positionals.size() > 1 ? parse_seconds(positionals[1]) : kDefaultWaitSeconds;
            return command;
        case CommandKind::kServe:
            command.path = parse_served_path(command.name, positionals[0]);
            command.file = positionals[1];
            command.file_content = read_file_bytes(command.name, command.file);
            if (command.file_content.empty()) {
                throw CommandError("serve: '" + command.file +
                                   "' is empty; a served file needs at least one byte");
            }
            return command;
        case CommandKind::kUnserve:
            command.path = parse_served_path(command.name, positionals[0]);
            return command;
        default:
            break;
    }

    command.endpoint = positionals[0];
    if (spec.kind == CommandKind::kBootstrapFinish) {
        command.path = "/bs";
    } else if (positionals.size() > 1) {
        command.path = positionals[1];
    } else {
        // bootstrap-discover and bootstrap-delete default to the root path.
        command.path = "/";
    }

    if (spec.kind == CommandKind::kBootstrapWrite && !write_json && positionals.size() > 2) {
        write_json = positionals[2];
    }

    std::optional<std::string> value;
    if (spec.kind == CommandKind::kExecute && !execute_arguments.empty()) {
        value = execute_arguments;
    } else if (spec.kind == CommandKind::kBootstrapWrite && write_json) {
        command.write_content = parse_write_json(command.path, *write_json);
        if (options.contains("--hex")) {
            throw CommandError("bootstrap-write takes either JSON or --hex, not both");
        }
    } else if (spec.takes_value && positionals.size() > 2 && !command.is_bootstrap()) {
        value = positionals[2];
    } else if (spec.kind == CommandKind::kBootstrapWrite && !options.contains("--hex")) {
        throw CommandError("bootstrap-write needs a JSON object or --hex HEX after PATH");
    }
    build_request(command, value, options);

    if (spec.kind == CommandKind::kWriteAttributes) {
        command.request.uri_query = split(positionals[2], '&');
    }
    return command;
}

}  // namespace lwm2m::server
