#include "coap_server.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/select.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "senml.hpp"

namespace lwm2m::server {
namespace {

constexpr std::size_t kTokenLength = 8;
constexpr std::uint16_t kTextPlain = 0;
constexpr std::uint16_t kLinkFormat = 40;
constexpr std::uint16_t kJson = 50;
constexpr std::uint16_t kSenmlJson = 110;
constexpr std::uint16_t kSenmlCbor = 112;
constexpr std::uint16_t kLwm2mJson = 11543;

void log_to_stderr(coap_log_t /*level*/, const char* message) {
    std::fprintf(stderr, "libcoap: %s", message);
}

coap_address_t parse_listen_address(const std::string& text, std::uint16_t port) {
    std::string host = text;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }

    coap_address_t address;
    coap_address_init(&address);
    if (inet_pton(AF_INET, host.c_str(), &address.addr.sin.sin_addr) == 1) {
        address.addr.sin.sin_family = AF_INET;
        address.addr.sin.sin_port = htons(port);
        address.size = sizeof(address.addr.sin);
        return address;
    }
    if (inet_pton(AF_INET6, host.c_str(), &address.addr.sin6.sin6_addr) == 1) {
        address.addr.sin6.sin6_family = AF_INET6;
        address.addr.sin6.sin6_port = htons(port);
        address.size = sizeof(address.addr.sin6);
        return address;
    }
    throw std::runtime_error("invalid --listen address '" + text +
                             "': expected a numeric IPv4 or IPv6 address");
}

// libcoap 4.3.1 has no getter for an endpoint's bound address, but coap_endpoint_str()
// prints it after getsockname(), e.g. "[::]:5683 UDP", so the port follows the last ':'.
std::uint16_t bound_port(const coap_endpoint_t* endpoint) {
    const std::string text = coap_endpoint_str(endpoint);
    const std::size_t space = text.find(' ');
    const std::size_t colon = text.rfind(':', space);
    if (colon == std::string::npos) {
        throw std::runtime_error("failed to read the bound port from '" + text + "'");
    }
    return static_cast<std::uint16_t>(std::stoul(text.substr(colon + 1, space - colon - 1)));
}

coap_pdu_code_t method_code(Method method) {
    switch (method) {
        case Method::kGet:
            return COAP_REQUEST_CODE_GET;
        case Method::kPost:
            return COAP_REQUEST_CODE_POST;
        case Method::kPut:
            return COAP_REQUEST_CODE_PUT;
        case Method::kDelete:
            return COAP_REQUEST_CODE_DELETE;
    }
    return COAP_REQUEST_CODE_GET;
}

std::optional<Method> method_of(const coap_pdu_t* request) {
    switch (coap_pdu_get_code(request)) {
        case COAP_REQUEST_CODE_GET:
            return Method::kGet;
        case COAP_REQUEST_CODE_POST:
            return Method::kPost;
        case COAP_REQUEST_CODE_PUT:
            return Method::kPut;
        case COAP_REQUEST_CODE_DELETE:
            return Method::kDelete;
        default:
            return std::nullopt;
    }
}

std::vector<std::uint8_t> token_of(const coap_pdu_t* pdu) {
    const coap_bin_const_t token = coap_pdu_get_token(pdu);
    return {token.s, token.s + token.length};
}

std::vector<std::uint8_t> bytes_option(const coap_pdu_t* pdu, coap_option_num_t number) {
    coap_opt_iterator_t iterator;
    const coap_opt_t* option = coap_check_option(pdu, number, &iterator);
    if (option == nullptr) {
        return {};
    }
    const std::uint8_t* value = coap_opt_value(option);
    return {value, value + coap_opt_length(option)};
}

std::vector<std::string> string_options(const coap_pdu_t* pdu, coap_option_num_t number) {
    std::vector<std::string> values;
    coap_opt_iterator_t iterator;
    coap_option_iterator_init(pdu, &iterator, COAP_OPT_ALL);

    while (const coap_opt_t* option = coap_option_next(&iterator)) {
        if (iterator.number == number) {
            const auto* value = reinterpret_cast<const char*>(coap_opt_value(option));
            values.emplace_back(value, coap_opt_length(option));
        }
    }
    return values;
}

std::span<const std::uint8_t> payload_of(const coap_pdu_t* pdu) {
    std::size_t length = 0;
    const std::uint8_t* data = nullptr;
    std::size_t offset = 0;
    std::size_t total = 0;
    if (coap_get_data_large(pdu, &length, &data, &offset, &total) == 0) {
        return {};
    }
    return {data, length};
}

bool is_text_format(std::optional<std::uint32_t> format) {
    return format == kTextPlain || format == kLinkFormat || format == kJson ||
           format == kSenmlJson || format == kLwm2mJson;
}

// Adds the fields that describe a received response or notification.
void describe_pdu(Json& event, const coap_pdu_t* pdu) {
    event["code"] = code_string(coap_pdu_get_code(pdu));

    const auto format = uint_option(pdu, COAP_OPTION_CONTENT_FORMAT);
    event["content_format"] = format ? Json(*format) : Json(nullptr);

    const auto payload = payload_of(pdu);
    if (is_text_format(format)) {
        event["payload"] = std::string(payload.begin(), payload.end());
    } else if (!payload.empty()) {
        event["payload_hex"] = to_hex(payload);
    }

    if (const auto observe = uint_option(pdu, COAP_OPTION_OBSERVE)) {
        event["observe"] = *observe;
    }
    event["message_id"] = coap_pdu_get_mid(pdu);
    event["token"] = to_hex(token_of(pdu));
}

void add_option(coap_optlist_t** options, coap_option_num_t number, std::uint32_t value) {
    std::uint8_t buffer[4];
    const unsigned length = coap_encode_var_safe(buffer, sizeof(buffer), value);
    coap_insert_optlist(options, coap_new_optlist(number, length, buffer));
}

void add_option(coap_optlist_t** options, coap_option_num_t number, const std::string& value) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(value.data());
    coap_insert_optlist(options, coap_new_optlist(number, value.size(), data));
}

// SZX of a Block option for blocks of `block_size` bytes, a power of two from 16 to 1024
// (RFC 7959, 2.2: the size is 2^(SZX + 4)).
unsigned block_szx(std::size_t block_size) {
    return static_cast<unsigned>(std::countr_zero(block_size)) - 4;
}

// Largest payload that goes out in Block1 blocks of `block_size` bytes. RFC 7959, 2.2 gives
// NUM 20 bits, so 2^20 blocks at most. libcoap 4.3.1 does not check this for blocks smaller
// than 1024 bytes, and cuts a longer body to 2^20 - 1 blocks of 1024 bytes with only a
// warning.
std::size_t max_block1_payload(std::size_t block_size) {
    constexpr std::size_t kMaxBlocks = std::size_t{1} << 20;
    constexpr std::size_t kLibcoapMax = (kMaxBlocks - 1) * 1024;
    return std::min(kMaxBlocks * block_size, kLibcoapMax);
}

void release_payload(coap_session_t* /*session*/, void* payload) {
    delete static_cast<std::vector<std::uint8_t>*>(payload);
}

// Hands libcoap a copy of `payload`, which it sends in Block1 blocks (RFC 7959) when the
// request has a Block1 option or the payload does not fit in one message. libcoap frees the
// copy when the transfer ends, and also when this call fails.
bool add_payload(coap_session_t* session, coap_pdu_t* pdu,
                 const std::vector<std::uint8_t>& payload) {
    auto copy = std::make_unique<std::vector<std::uint8_t>>(payload);
    const std::uint8_t* data = copy->data();
    const std::size_t size = copy->size();
    void* owner = copy.release();
    return coap_add_data_large_request(session, pdu, size, data, release_payload, owner) != 0;
}

const char* nack_reason_text(coap_nack_reason_t reason) {
    switch (reason) {
        case COAP_NACK_TOO_MANY_RETRIES:
            return "no response after the last retransmission";
        case COAP_NACK_NOT_DELIVERABLE:
            return "request not deliverable";
        case COAP_NACK_RST:
            return "client answered with RST";
        case COAP_NACK_TLS_FAILED:
            return "TLS failed";
        case COAP_NACK_ICMP_ISSUE:
            return "ICMP error from the client's address";
    }
    return "unknown failure";
}

}  // namespace

std::optional<std::uint32_t> uint_option(const coap_pdu_t* pdu, coap_option_num_t number) {
    coap_opt_iterator_t iterator;
    const coap_opt_t* option = coap_check_option(pdu, number, &iterator);
    if (option == nullptr) {
        return std::nullopt;
    }
    return coap_decode_var_bytes(coap_opt_value(option), coap_opt_length(option));
}

std::string code_string(coap_pdu_code_t code) {
    const unsigned value = static_cast<unsigned>(code) & 0xff;
    char text[8];
    std::snprintf(text, sizeof(text), "%u.%02u", value >> 5, value & 0x1f);
    return text;
}

QueryParams query_of(const coap_pdu_t* request) {
    QueryParams query;
    for (const std::string& param : string_options(request, COAP_OPTION_URI_QUERY)) {
        const std::size_t equals = param.find('=');
        if (equals == std::string::npos) {
            query.emplace_back(param, "");
        } else {
            query.emplace_back(param.substr(0, equals), param.substr(equals + 1));
        }
    }
    return query;
}

Peer peer_of(const coap_session_t* session) {
    const coap_address_t* remote = coap_session_get_addr_remote(session);
    char text[INET6_ADDRSTRLEN] = "";
    Peer peer;

    if (remote->addr.sa.sa_family == AF_INET) {
        inet_ntop(AF_INET, &remote->addr.sin.sin_addr, text, sizeof(text));
    } else if (IN6_IS_ADDR_V4MAPPED(&remote->addr.sin6.sin6_addr)) {
        // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d, so print the IPv4 part.
        inet_ntop(AF_INET, &remote->addr.sin6.sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
        inet_ntop(AF_INET6, &remote->addr.sin6.sin6_addr, text, sizeof(text));
    }

    peer.address = text;
    peer.port = coap_address_get_port(remote);
    return peer;
}

CoapServer::CoapServer(EventLog& log, Registry& registry, DownlinkSettings downlink,
                       BootstrapSettings bootstrap)
    : log_(log),
      registry_(registry),
      directory_(log, registry),
      downlink_(downlink),
      bootstrap_(bootstrap),
      token_generator_(std::random_device{}()) {
    coap_startup();
    coap_set_log_handler(log_to_stderr);
    coap_set_show_pdu_output(0);

    context_ = coap_new_context(nullptr);
    if (context_ == nullptr) {
        throw std::runtime_error("coap_new_context failed");
    }
    coap_set_app_data(context_, this);
    // libcoap reassembles Block1 requests (a large Register) and Block2 responses, so the
    // handlers see one whole body, and it sends large downlink payloads in Block1 blocks
    // (RFC 7959).
    coap_context_set_block_mode(context_, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
    coap_register_response_handler(context_, handle_response);
    coap_register_nack_handler(context_, handle_nack);

    // The "rd" resource receives Register. The unknown-resource handler receives /rd/<id> and
    // every other path, so one function routes on the Uri-Path options.
    coap_resource_t* rd = coap_resource_init(coap_make_str_const("rd"), 0);
    coap_resource_t* other = coap_resource_unknown_init2(handle_rd_request, 0);
    for (coap_resource_t* resource : {rd, other}) {
        coap_register_request_handler(resource, COAP_REQUEST_GET, handle_rd_request);
        coap_register_request_handler(resource, COAP_REQUEST_POST, handle_rd_request);
        coap_register_request_handler(resource, COAP_REQUEST_PUT, handle_rd_request);
        coap_register_request_handler(resource, COAP_REQUEST_DELETE, handle_rd_request);
        coap_add_resource(context_, resource);
    }
}

CoapServer::~CoapServer() {
    // Registrations hold session references, which must go before the context frees them.
    registry_.registrations().clear();
    bootstrap_clients_.clear();
    coap_free_context(context_);
    coap_cleanup();
}

void CoapServer::enable_dtls(DtlsSettings settings) {
    dtls_ = std::make_unique<DtlsSecurity>(context_, std::move(settings));
    coap_register_event_handler(context_, handle_event);
}

std::vector<ListenAddress> CoapServer::listen(const std::vector<std::string>& addresses,
                                              std::uint16_t port, coap_proto_t protocol) {
    const bool dtls = protocol == COAP_PROTO_DTLS;
    if (dtls && !dtls_) {
        throw std::logic_error("listen() for DTLS before enable_dtls()");
    }

    std::vector<ListenAddress> bound;
    for (const std::string& text : addresses) {
        const coap_address_t address = parse_listen_address(text, port);
        coap_endpoint_t* endpoint = coap_new_endpoint(context_, &address, protocol);
        if (endpoint == nullptr) {
            throw std::runtime_error(std::string("failed to bind ") + (dtls ? "DTLS " : "UDP ") +
                                     text + " port " + std::to_string(port) +
                                     " (see the libcoap message above); try another port");
        }

        port = bound_port(endpoint);
        bound.push_back({text, port});
    }
    return bound;
}

int CoapServer::wait_fd() const {
    return coap_context_get_coap_fd(context_);
}

bool CoapServer::process_io(std::uint32_t timeout_ms, int extra_fd) {
    const int coap_fd = wait_fd();
    bool extra_ready = false;

    if (coap_fd >= 0) {
        pollfd fds[2] = {{coap_fd, POLLIN, 0}, {extra_fd, POLLIN, 0}};
        const nfds_t count = extra_fd >= 0 ? 2 : 1;
        if (poll(fds, count, static_cast<int>(timeout_ms)) > 0 && count == 2) {
            extra_ready = fds[1].revents != 0;
        }
        coap_io_process(context_, COAP_IO_NO_WAIT);
        return extra_ready;
    }

    // libcoap without epoll has no descriptor to poll, so it runs select() with ours added.
    fd_set read_fds;
    FD_ZERO(&read_fds);
    if (extra_fd >= 0) {
        FD_SET(extra_fd, &read_fds);
    }
    const std::uint32_t wait_ms = timeout_ms == 0 ? COAP_IO_NO_WAIT : timeout_ms;
    coap_io_process_with_fds(context_, wait_ms, extra_fd + 1, &read_fds, nullptr, nullptr);
    return extra_fd >= 0 && FD_ISSET(extra_fd, &read_fds);
}

CoapServer& CoapServer::from_session(const coap_session_t* session) {
    return *static_cast<CoapServer*>(coap_get_app_data(coap_session_get_context(session)));
}

void CoapServer::handle_rd_request(coap_resource_t* resource, coap_session_t* session,
                                   const coap_pdu_t* request, const coap_string_t* query,
                                   coap_pdu_t* response) {
    CoapServer& server = from_session(session);
    try {
        server.on_request(resource, session, request, query, response);
    } catch (const std::exception& error) {
        server.log_.error(std::string("request handling failed: ") + error.what());
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
    }
}

coap_response_t CoapServer::handle_response(coap_session_t* session, const coap_pdu_t* /*sent*/,
                                            const coap_pdu_t* received, coap_mid_t /*mid*/) {
    CoapServer& server = from_session(session);
    try {
        return server.on_response(session, received);
    } catch (const std::exception& error) {
        server.log_.error(std::string("response handling failed: ") + error.what());
        return COAP_RESPONSE_OK;
    }
}

void CoapServer::handle_nack(coap_session_t* session, const coap_pdu_t* sent,
                             coap_nack_reason_t reason, coap_mid_t /*mid*/) {
    CoapServer& server = from_session(session);
    try {
        server.on_nack(session, sent, reason);
    } catch (const std::exception& error) {
        server.log_.error(std::string("NACK handling failed: ") + error.what());
    }
}

int CoapServer::handle_event(coap_session_t* session, coap_event_t event) {
    CoapServer& server = from_session(session);
    try {
        server.on_event(session, event);
    } catch (const std::exception& error) {
        server.log_.error(std::string("event handling failed: ") + error.what());
    }
    return 0;
}

void CoapServer::on_event(coap_session_t* session, coap_event_t event) {
    switch (event) {
        case COAP_EVENT_SERVER_SESSION_NEW:
            // libcoap ends a DTLS handshake after this many timeouts of OpenSSL's
            // retransmission timer (1 s, doubling), so the option bounds its duration too.
            coap_session_set_max_retransmit(session, downlink_.max_retransmit);
            break;
        case COAP_EVENT_DTLS_CONNECTED:
            write_dtls_event(session, "dtls_handshake", nullptr);
            break;
        case COAP_EVENT_DTLS_ERROR:
            write_dtls_event(session, "dtls_failed", nullptr);
            failed_sessions_.insert(session);
            break;
        case COAP_EVENT_DTLS_CLOSED:
            // A handshake that times out ends with this event and no COAP_EVENT_DTLS_ERROR.
            if (coap_session_get_state(session) == COAP_SESSION_STATE_HANDSHAKE &&
                !failed_sessions_.contains(session)) {
                write_dtls_event(session, "dtls_failed", "handshake did not complete");
                failed_sessions_.insert(session);
            }
            break;
        case COAP_EVENT_SERVER_SESSION_DEL:
            failed_sessions_.erase(session);
            break;
        default:
            break;
    }
}

void CoapServer::write_dtls_event(const coap_session_t* session, std::string_view name,
                                  const char* reason) {
    Json event = log_.make(name);
    const Peer peer = peer_of(session);
    event["peer"] = peer.address;
    event["port"] = peer.port;
    event["local_port"] = coap_address_get_port(coap_session_get_addr_local(session));
    if (name == "dtls_handshake") {
        dtls_->describe_handshake(session, event);
    } else {
        dtls_->describe_failure(session, event, reason);
    }
    log_.write(event);
}

void CoapServer::on_request(coap_resource_t* resource, coap_session_t* session,
                            const coap_pdu_t* request, const coap_string_t* query,
                            coap_pdu_t* response) {
    RdRequest rd_request;
    rd_request.uri_path = string_options(request, COAP_OPTION_URI_PATH);
    rd_request.peer = peer_of(session);
    rd_request.session = session;

    const std::optional<Method> method = method_of(request);
    if (is_bootstrap_endpoint(session)) {
        if (rd_request.uri_path == std::vector<std::string>{"bs"} && method == Method::kPost) {
            on_bootstrap_request(session, request, response);
        } else if (rd_request.uri_path == std::vector<std::string>{"bspack"} &&
                   method == Method::kGet) {
            on_bootstrap_pack_request(resource, session, request, query, response);
        } else {
            coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_FOUND);
        }
        return;
    }
    if (rd_request.uri_path == std::vector<std::string>{"dp"} && method == Method::kPost) {
        on_send(session, request, response);
        return;
    }
    if (rd_request.uri_path.empty() || rd_request.uri_path[0] != "rd" || !method) {
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_FOUND);
        note_message_from(session);
        return;
    }
    rd_request.method = *method;

    rd_request.query = query_of(request);
    const auto payload = payload_of(request);
    rd_request.payload.assign(payload.begin(), payload.end());

    const RdResponse rd_response = directory_.handle(rd_request);
    coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(rd_response.code)));
    for (const std::string& segment : rd_response.location_path) {
        const auto* data = reinterpret_cast<const std::uint8_t*>(segment.data());
        coap_add_option(response, COAP_OPTION_LOCATION_PATH, segment.size(), data);
    }
    note_message_from(session);
}

// LwM2M Send (LwM2M Core 1.1, 6.4.2): a registered client reports values in a
// POST to /dp with a SenML JSON or SenML CBOR payload, answered with 2.04.
void CoapServer::on_send(coap_session_t* session, const coap_pdu_t* request, coap_pdu_t* response) {
    note_message_from(session);
    const Peer peer = peer_of(session);
    const Registration* registration = registry_.find_by_session(session);
    for (auto& [id, candidate] : registry_.registrations()) {
        if (registration == nullptr && candidate.peer == peer) {
            registration = &candidate;
        }
    }
    const auto format = uint_option(request, COAP_OPTION_CONTENT_FORMAT);
    const auto payload = payload_of(request);

    std::optional<nlohmann::json> pack;
    if (format == kSenmlJson) {
        pack = decode_senml_json(payload);
    } else if (format == kSenmlCbor) {
        pack = decode_senml_cbor(payload);
    }

    Json event = log_.make("send");
    event["endpoint"] = registration != nullptr ? Json(registration->endpoint) : Json(nullptr);
    event["peer"] = peer.address;
    event["port"] = peer.port;
    event["content_format"] = format ? Json(*format) : Json(nullptr);
    event["message_id"] = coap_pdu_get_mid(request);
    int code = 204;
    if (registration == nullptr) {
        code = 403;
        event["error"] = "Send from a client that is not registered";
    } else if (format != kSenmlJson && format != kSenmlCbor) {
        code = 415;
        event["error"] = "Send payload is not SenML JSON (110) or SenML CBOR (112)";
    } else if (!pack || !pack->is_array()) {
        code = 400;
        event["error"] = "Send payload is not a valid SenML pack";
        event["payload_hex"] = to_hex(payload);
    } else {
        event["records"] = Json(*pack);
        event["values"] = Json(resolve_senml(*pack));
    }
    const auto response_code = static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(code));
    event["code"] = code_string(response_code);
    log_.write(event);
    coap_pdu_set_code(response, response_code);
}

coap_response_t CoapServer::on_response(coap_session_t* session, const coap_pdu_t* received) {
    note_message_from(session);

    const Peer peer = peer_of(session);
    auto it = exchanges_.find(token_of(received));
    if (it == exchanges_.end()) {
        // A notification for a cancelled or unknown observation gets RST (RFC 7641).
        log_.error("response " + code_string(coap_pdu_get_code(received)) + " from " +
                   peer.address + " port " + std::to_string(peer.port) + " with unknown token " +
                   to_hex(token_of(received)));
        return COAP_RESPONSE_FAIL;
    }

    Exchange& exchange = it->second;
    const bool is_response = exchange.awaiting_response;
    Json event = log_.make(is_response ? "response" : "notify");
    if (exchange.bootstrap_step > 0) {
        event["id"] = nullptr;
        event["step"] = exchange.bootstrap_step;
    } else {
        event["id"] = is_response ? exchange.command_id : exchange.observe_id;
    }
    event["command"] = is_response ? exchange.command : "observe";
    event["endpoint"] = exchange.endpoint;
    event["path"] = exchange.path;
    event["peer"] = peer.address;
    event["port"] = peer.port;
    describe_pdu(event, received);
    log_.write(event);

    const bool success = (coap_pdu_get_code(received) >> 5) == 2;
    if (exchange.command == "bootstrap-finish") {
        Json finish = log_.make("bootstrap_finish");
        finish["endpoint"] = exchange.endpoint;
        finish["code"] = code_string(coap_pdu_get_code(received));
        finish["peer"] = peer.address;
        finish["port"] = peer.port;
        log_.write(finish);
    }
    if (exchange.bootstrap_step > 0) {
        finish_bootstrap_step(exchange, true);
    }

    // RFC 7641: a 2.xx response with Observe starts the observation, and any
    // response without Observe or with an error code ends it.
    const bool has_observe = uint_option(received, COAP_OPTION_OBSERVE).has_value();
    if (is_response && exchange.command == "observe" && success && has_observe) {
        exchange.awaiting_response = false;
        exchange.observe_id = exchange.command_id;
    } else if (is_response || !success || !has_observe) {
        exchanges_.erase(it);
    }
    return COAP_RESPONSE_OK;
}

void CoapServer::on_nack(const coap_session_t* session, const coap_pdu_t* sent,
                         coap_nack_reason_t reason) {
    if (sent == nullptr) {
        return;
    }
    auto it = find_exchange(session, sent);
    if (it == exchanges_.end()) {
        return;
    }

    const Exchange& exchange = it->second;
    const bool timed_out = reason == COAP_NACK_TOO_MANY_RETRIES;
    Json event = log_.make(timed_out ? "timeout" : "error");
    if (exchange.bootstrap_step > 0) {
        event["id"] = nullptr;
        event["step"] = exchange.bootstrap_step;
    } else {
        event["id"] = exchange.command_id;
    }
    event["command"] = exchange.command;
    event["endpoint"] = exchange.endpoint;
    event["path"] = exchange.path;
    event["message"] = nack_reason_text(reason);
    event["message_id"] = coap_pdu_get_mid(sent);
    event["token"] = to_hex(exchange.token);
    log_.write(event);

    if (exchange.bootstrap_step > 0) {
        finish_bootstrap_step(exchange, false);
    }
    exchanges_.erase(it);
}

void CoapServer::note_message_from(const coap_session_t* session) {
    for (auto& [id, registration] : registry_.registrations()) {
        if (registration.session.get() == session) {
            registration.last_message_at = log_.now();
            registration.flush_requested = !registration.held.empty();
        }
    }
}

void CoapServer::submit(Command command) {
    if (command.is_bootstrap()) {
        submit_bootstrap(std::move(command));
        return;
    }
    Registration* registration = registry_.find_by_endpoint(command.endpoint);
    if (registration == nullptr) {
        log_.error(command.name + " " + command.path + ": endpoint '" + command.endpoint +
                       "' is not registered",
                   command.id);
        return;
    }

    if (!registration->queue_mode()) {
        send(*registration, command);
        return;
    }

    // Within the awake time the command joins the held ones, which go out later in this loop
    // turn, so it cannot overtake a command held before it.
    const double asleep_s = log_.now() - registration->last_message_at;
    if (asleep_s < downlink_.awake_time_s) {
        registration->held.push_back(std::move(command));
        registration->flush_requested = true;
        return;
    }

    Json event = log_.make("queued");
    event["id"] = command.id;
    event["command"] = command.name;
    event["endpoint"] = command.endpoint;
    event["path"] = command.path;
    event["held"] = registration->held.size() + 1;
    log_.write(event);
    registration->held.push_back(std::move(command));
}

void CoapServer::flush_held_commands() {
    for (auto& [id, registration] : registry_.registrations()) {
        if (!registration.flush_requested) {
            continue;
        }
        registration.flush_requested = false;

        std::deque<Command> held = std::move(registration.held);
        registration.held.clear();
        for (const Command& command : held) {
            send(registration, command);
        }
    }
}

void CoapServer::send(Registration& registration, const Command& command) {
    coap_session_t* session = registration.session.get();

    // Observations end only by a cancel-observe command, not when libcoap frees the session.
    coap_session_set_no_observe_cancel(session);

    if (command.kind == CommandKind::kCancelObserve) {
        if (Exchange* observation = find_observation(command.endpoint, command.path)) {
            cancel_observation(registration, command, *observation);
            return;
        }
    }
    send_request(session, registration.peer, command);
}

std::vector<std::uint8_t> CoapServer::send_request(coap_session_t* session, const Peer& peer,
                                                   const Command& command,
                                                   std::size_t bootstrap_step) {
    const DownlinkRequest& request = command.request;
    // NOTE: libcoap sends blocks smaller than --block-size when such a block does not fit in
    // one message. This check does not foresee that, so a payload close to the limit can
    // still need more than 2^20 blocks.
    const std::size_t max_payload = max_block1_payload(downlink_.block_size);
    if (request.payload.size() > max_payload) {
        log_.error(command.name + " " + command.path + ": payload of " +
                       std::to_string(request.payload.size()) + " bytes is larger than the " +
                       std::to_string(max_payload) + " bytes that Block1 carries in blocks of " +
                       std::to_string(downlink_.block_size) + " bytes; use a larger --block-size",
                   command.id);
        return {};
    }
    const std::vector<std::uint8_t> token = new_token();

    coap_pdu_t* pdu =
        coap_pdu_init(COAP_MESSAGE_CON, method_code(request.method), coap_new_message_id(session),
                      coap_session_max_pdu_size(session));
    if (pdu == nullptr) {
        log_.error(command.name + " " + command.path + ": cannot allocate the request", command.id);
        return {};
    }
    coap_add_token(pdu, token.size(), token.data());

    coap_optlist_t* options = nullptr;
    if (request.observe) {
        add_option(&options, COAP_OPTION_OBSERVE, *request.observe);
    }
    for (const std::string& segment : request.uri_path) {
        add_option(&options, COAP_OPTION_URI_PATH, segment);
    }
    if (request.content_format) {
        add_option(&options, COAP_OPTION_CONTENT_FORMAT, *request.content_format);
    }
    for (const std::string& param : request.uri_query) {
        add_option(&options, COAP_OPTION_URI_QUERY, param);
    }
    if (request.accept) {
        add_option(&options, COAP_OPTION_ACCEPT, *request.accept);
    }
    if (request.payload.size() > downlink_.block_size) {
        // libcoap 4.3.1 takes the SZX of a Block1 option that the request already has as the
        // block size of the transfer. It picks a smaller one when such a block does not fit
        // in one message.
        add_option(&options, COAP_OPTION_BLOCK1, block_szx(downlink_.block_size));
    }
    const bool options_added = options == nullptr || coap_add_optlist_pdu(pdu, &options) != 0;
    coap_delete_optlist(options);

    const bool payload_added =
        options_added && (request.payload.empty() || add_payload(session, pdu, request.payload));
    if (!options_added || !payload_added) {
        log_.error(command.name + " " + command.path +
                       ": failed to add the options and payload to the request (message size " +
                       std::to_string(coap_session_max_pdu_size(session)) + " bytes)",
                   command.id);
        coap_delete_pdu(pdu);
        return {};
    }

    const auto ack_timeout_ms = static_cast<unsigned>(downlink_.ack_timeout_s * 1000.0);
    coap_session_set_ack_timeout(session, {static_cast<uint16_t>(ack_timeout_ms / 1000),
                                           static_cast<uint16_t>(ack_timeout_ms % 1000)});
    coap_session_set_max_retransmit(session, downlink_.max_retransmit);

    // libcoap adds a Request-Tag when it splits the payload into blocks.
    std::vector<std::uint8_t> request_tag = bytes_option(pdu, COAP_OPTION_RTAG);
    const coap_mid_t message_id = coap_send(session, pdu);
    if (message_id == COAP_INVALID_MID) {
        log_.error(command.name + " " + command.path + ": coap_send failed", command.id);
        return {};
    }

    Exchange& exchange = exchanges_[token];
    exchange.command_id = command.id;
    exchange.command = command.name;
    exchange.endpoint = command.endpoint;
    exchange.path = command.path;
    exchange.token = token;
    exchange.awaiting_response = true;
    exchange.peer = peer;
    exchange.request_tag = std::move(request_tag);
    exchange.bootstrap_step = bootstrap_step;

    Json event = log_.make("sent");
    if (bootstrap_step > 0) {
        event["id"] = nullptr;
        event["step"] = bootstrap_step;
    } else {
        event["id"] = command.id;
    }
    event["command"] = command.name;
    event["endpoint"] = command.endpoint;
    event["path"] = command.path;
    event["peer"] = peer.address;
    event["port"] = peer.port;
    event["message_id"] = message_id;
    event["token"] = to_hex(token);
    if (command.kind == CommandKind::kCancelObserve) {
        event["observation_found"] = false;
    }
    if (command.request.content_format) {
        event["content_format"] = *command.request.content_format;
    }
    if (command.kind == CommandKind::kBootstrapWrite) {
        event["payload_hex"] = to_hex(command.request.payload);
    }
    log_.write(event);
    return token;
}

void CoapServer::cancel_observation(Registration& registration, const Command& command,
                                    Exchange& observation) {
    // RFC 7641: the cancelling GET with Observe=1 must reuse the observation's token.
    // libcoap 4.3.1 gives a request of our own a different token while it tracks the
    // observation for Block2, so libcoap builds the cancel from the original observe request.
    std::vector<std::uint8_t> token = observation.token;
    coap_binary_t token_binary = {token.size(), token.data()};
    if (coap_cancel_observe(registration.session.get(), &token_binary, COAP_MESSAGE_CON) == 0) {
        log_.error(command.name + " " + command.path + ": coap_cancel_observe failed", command.id);
        return;
    }

    observation.command_id = command.id;
    observation.command = command.name;
    observation.awaiting_response = true;

    Json event = log_.make("sent");
    event["id"] = command.id;
    event["command"] = command.name;
    event["endpoint"] = command.endpoint;
    event["path"] = command.path;
    event["peer"] = registration.peer.address;
    event["port"] = registration.peer.port;
    event["message_id"] = nullptr;  // libcoap does not return it for a cancel
    event["token"] = to_hex(token);
    event["observation_found"] = true;
    log_.write(event);
}

std::vector<std::uint8_t> CoapServer::new_token() {
    // Tokens are random 64-bit values, and a token still in use is drawn again.
    constexpr int kMaxDraws = 16;
    std::vector<std::uint8_t> token(kTokenLength);
    for (int draw = 0; draw < kMaxDraws; ++draw) {
        const std::uint64_t value = token_generator_();
        std::memcpy(token.data(), &value, token.size());
        if (!exchanges_.contains(token)) {
            break;
        }
    }
    return token;
}

CoapServer::Exchange* CoapServer::find_observation(const std::string& endpoint,
                                                   const std::string& path) {
    for (auto& [token, exchange] : exchanges_) {
        if (exchange.observe_id != 0 && exchange.endpoint == endpoint && exchange.path == path) {
            return &exchange;
        }
    }
    return nullptr;
}

std::map<std::vector<std::uint8_t>, CoapServer::Exchange>::iterator CoapServer::find_exchange(
    const coap_session_t* session, const coap_pdu_t* sent) {
    auto it = exchanges_.find(token_of(sent));
    if (it != exchanges_.end()) {
        return it;
    }
    const std::vector<std::uint8_t> request_tag = bytes_option(sent, COAP_OPTION_RTAG);
    if (request_tag.empty()) {
        return exchanges_.end();
    }

    const Peer peer = peer_of(session);
    for (it = exchanges_.begin(); it != exchanges_.end(); ++it) {
        if (it->second.request_tag == request_tag && it->second.peer == peer) {
            break;
        }
    }
    return it;
}

bool CoapServer::awaits_responses() const {
    for (const auto& [token, exchange] : exchanges_) {
        if (exchange.awaiting_response) {
            return true;
        }
    }
    for (const auto& [endpoint, client] : bootstrap_clients_) {
        if (client.plan != nullptr && client.next_step < client.plan->operations.size()) {
            return true;
        }
    }
    return false;
}

void CoapServer::drop_held_commands() {
    for (auto& [id, registration] : registry_.registrations()) {
        for (const Command& command : registration.held) {
            log_.error(command.name + " " + command.path + " for " + registration.endpoint +
                           " dropped unsent: server exiting",
                       command.id);
        }
        registration.held.clear();
    }
}

}  // namespace lwm2m::server
