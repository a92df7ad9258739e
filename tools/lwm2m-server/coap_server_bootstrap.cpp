// The Bootstrap interface of the test server (--bootstrap): Bootstrap-Request,
// the configured operation plans and the bootstrap-* commands.
#include <charconv>
#include <cstdio>

#include "coap_server.hpp"

namespace lwm2m::server {
namespace {

// Content-Format of CoRE link-format (RFC 6690), the Accept of Bootstrap-Discover.
constexpr std::uint16_t kLinkFormat = 40;

Json query_json(const QueryParams& query) {
    Json result = Json::object();
    for (const auto& [key, value] : query) {
        result[key] = value;
    }
    return result;
}

// Frees a Bootstrap-Pack payload once libcoap has sent its last block or given up.
void release_pack_payload(coap_session_t* /*session*/, void* payload) {
    delete static_cast<std::vector<std::uint8_t>*>(payload);
}

}  // namespace

// Bootstrap-Request (LwM2M Core 1.1, Bootstrap interface): POST /bs?ep=NAME, and since
// LwM2M 1.1 optionally &pct=FORMAT, the client's preferred Content-Format. It gets 2.04, and
// the client's configured operations follow once the response has gone out.
void CoapServer::on_bootstrap_request(coap_session_t* session, const coap_pdu_t* request,
                                      coap_pdu_t* response) {
    const Peer peer = peer_of(session);
    const QueryParams query = query_of(request);
    const std::optional<std::string> endpoint = find_param(query, "ep");
    const std::optional<std::string> pct = find_param(query, "pct");

    std::optional<std::uint16_t> preferred_format;
    bool pct_valid = true;
    if (pct) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(pct->data(), pct->data() + pct->size(), value);
        pct_valid = !pct->empty() && ec == std::errc() && end == pct->data() + pct->size() &&
                    value <= 0xffff;
        preferred_format = static_cast<std::uint16_t>(value);
    }

    Json event = log_.make("bootstrap_request");
    event["endpoint"] = endpoint ? Json(*endpoint) : Json(nullptr);
    event["pct"] = pct_valid && preferred_format ? Json(*preferred_format) : Json(nullptr);
    event["peer"] = peer.address;
    event["port"] = peer.port;
    event["query"] = query_json(query);

    int code = 204;
    if (!endpoint || endpoint->empty()) {
        code = 400;
        event["error"] = "Bootstrap-Request without an ep parameter";
    } else if (!pct_valid) {
        code = 400;
        event["error"] = "pct is not a Content-Format number";
    }
    const auto response_code = static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(code));
    event["code"] = code_string(response_code);
    const BootstrapPlan* plan =
        code == 204 && bootstrap_.config != nullptr ? bootstrap_.config->find(*endpoint) : nullptr;
    if (code == 204) {
        event["operations"] = plan != nullptr ? plan->operations.size() : 0;
    }
    log_.write(event);
    coap_pdu_set_code(response, response_code);
    if (code != 204) {
        return;
    }

    // A repeated Bootstrap-Request restarts the plan. A response to a request sent for the
    // earlier one is still reported, but no longer advances the plan.
    BootstrapClient& client = bootstrap_clients_[*endpoint];
    client.endpoint = *endpoint;
    client.peer = peer;
    client.session = SessionRef(session);
    client.preferred_format = preferred_format;
    client.plan = plan;
    client.next_step = 0;
    client.step_token.clear();
}

// Bootstrap-Pack-Request (LwM2M Core 1.2, Bootstrap interface): GET /bspack?ep=NAME. The
// 2.05 response carries the values of every write of the endpoint's plan, in plan order, as
// one SenML pack. The plan's other operations are left out, and the request does not start
// the plan: only a Bootstrap-Request (POST /bs) does.
void CoapServer::on_bootstrap_pack_request(coap_resource_t* resource, coap_session_t* session,
                                           const coap_pdu_t* request,
                                           const coap_string_t* query_string,
                                           coap_pdu_t* response) {
    const Peer peer = peer_of(session);
    const QueryParams query = query_of(request);
    const std::optional<std::string> endpoint = find_param(query, "ep");
    const std::optional<std::uint32_t> accept = uint_option(request, COAP_OPTION_ACCEPT);

    Json event = log_.make("bootstrap_pack_request");
    event["endpoint"] = endpoint ? Json(*endpoint) : Json(nullptr);
    event["peer"] = peer.address;
    event["port"] = peer.port;
    event["query"] = query_json(query);

    const bool has_endpoint = endpoint && !endpoint->empty();
    const BootstrapPlan* plan =
        has_endpoint && bootstrap_.config != nullptr ? bootstrap_.config->find(*endpoint) : nullptr;
    std::vector<const WriteContent*> writes;
    if (plan != nullptr) {
        for (const BootstrapOperation& operation : plan->operations) {
            if (operation.kind == BootstrapOperationKind::kWrite) {
                writes.push_back(&*operation.content);
            }
        }
    }

    // The checks run in this order, so a request with several errors gets the code of the first.
    int code = 205;
    std::string error;
    if (!has_endpoint) {
        code = 400;
        error = "Bootstrap-Pack-Request without an ep parameter";
    } else if (accept && *accept != kFormatSenmlCbor && *accept != kFormatSenmlJson) {
        code = 406;
        error =
            "Accept " + std::to_string(*accept) + " is not SenML JSON (110) or SenML CBOR (112)";
    } else if (plan == nullptr) {
        code = 404;
        error = "no plan for endpoint '" + *endpoint + "' and no default plan";
    } else if (!plan->pack) {
        code = 405;
        error = "the plan for '" + *endpoint + "' has \"pack\": false";
    } else if (writes.empty()) {
        code = 404;
        error = "the plan for '" + *endpoint + "' has no write operation";
    }

    const auto format = static_cast<std::uint16_t>(accept.value_or(kFormatSenmlCbor));
    BootstrapPack pack;
    if (code == 205) {
        try {
            pack = encode_bootstrap_pack(writes, format);
        } catch (const WriteContentError& encode_error) {
            code = 500;
            error = encode_error.what();
        }
    }

    const auto response_code = static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(code));
    event["code"] = code_string(response_code);
    if (code == 205) {
        event["content_format"] = format;
        event["records"] = pack.record_count;
        event["payload_hex"] = to_hex(pack.payload);
    } else {
        event["error"] = error;
    }
    log_.write(event);
    coap_pdu_set_code(response, response_code);
    if (code != 205) {
        return;
    }

    // libcoap sends the payload in Block2 blocks (RFC 7959) when it does not fit in one
    // message, and calls release_pack_payload() when it is done with it, also on failure.
    auto* payload = new std::vector<std::uint8_t>(std::move(pack.payload));
    const int added = coap_add_data_large_response(resource, session, request, response,
                                                   query_string, format, -1, 0, payload->size(),
                                                   payload->data(), release_pack_payload, payload);
    if (added == 0) {
        log_.error("Bootstrap-Pack for '" + *endpoint + "': adding the payload failed");
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
    }
}

bool CoapServer::is_bootstrap_endpoint(const coap_session_t* session) const {
    if (!bootstrap_.enabled) {
        return false;
    }
    if (bootstrap_ports_.empty()) {
        return true;
    }
    return bootstrap_ports_.contains(coap_address_get_port(coap_session_get_addr_local(session)));
}

void CoapServer::submit_bootstrap(Command command) {
    if (!bootstrap_.enabled) {
        log_.error(command.name +
                       ": the Bootstrap interface is off; start the server with "
                       "--bootstrap",
                   command.id);
        return;
    }
    auto it = bootstrap_clients_.find(command.endpoint);
    if (it == bootstrap_clients_.end()) {
        log_.error(command.name + " " + command.path + ": endpoint '" + command.endpoint +
                       "' has not sent a Bootstrap-Request",
                   command.id);
        return;
    }

    BootstrapClient& client = it->second;
    const auto plan_format =
        client.plan != nullptr ? client.plan->content_format : std::optional<std::uint16_t>();
    if (prepare_bootstrap_write(client, command, plan_format)) {
        send_request(client.session.get(), client.peer, command);
    }
}

// Encodes the values of a Bootstrap-Write in the first Content-Format that is set: the
// command's or operation's, the plan's, the client's `pct` when it is one the server can
// write, else TLV.
bool CoapServer::prepare_bootstrap_write(const BootstrapClient& client, Command& command,
                                         std::optional<std::uint16_t> plan_format) {
    if (!command.write_content) {
        return true;
    }
    std::uint16_t format = kFormatTlv;
    if (command.request.content_format) {
        format = *command.request.content_format;
    } else if (plan_format) {
        format = *plan_format;
    } else if (client.preferred_format && is_write_format(*client.preferred_format)) {
        format = *client.preferred_format;
    }

    try {
        command.request.payload = encode_write_content(*command.write_content, format);
    } catch (const WriteContentError& error) {
        log_.error(command.name + " " + command.path + ": " + error.what(), command.id);
        return false;
    }
    command.request.content_format = format;
    return true;
}

void CoapServer::run_bootstrap_plans() {
    for (auto& [endpoint, client] : bootstrap_clients_) {
        const bool pending = client.plan != nullptr &&
                             client.next_step < client.plan->operations.size() &&
                             client.step_token.empty();
        if (pending) {
            send_bootstrap_step(client);
        }
    }
}

void CoapServer::send_bootstrap_step(BootstrapClient& client) {
    const BootstrapOperation& operation = client.plan->operations[client.next_step];
    const std::size_t step = client.next_step + 1;

    Command command;
    command.name = bootstrap_command_name(operation.kind);
    command.endpoint = client.endpoint;
    command.path = operation.path;
    DownlinkRequest& request = command.request;
    for (std::size_t start = 1; start < operation.path.size();) {
        const std::size_t slash = std::min(operation.path.find('/', start), operation.path.size());
        if (slash > start) {
            request.uri_path.push_back(operation.path.substr(start, slash - start));
        }
        start = slash + 1;
    }

    switch (operation.kind) {
        case BootstrapOperationKind::kDelete:
            command.kind = CommandKind::kBootstrapDelete;
            request.method = Method::kDelete;
            break;
        case BootstrapOperationKind::kWrite:
            command.kind = CommandKind::kBootstrapWrite;
            request.method = Method::kPut;
            request.content_format = operation.content_format;
            command.write_content = operation.content;
            break;
        case BootstrapOperationKind::kRead:
            command.kind = CommandKind::kBootstrapRead;
            request.method = Method::kGet;
            break;
        case BootstrapOperationKind::kDiscover:
            command.kind = CommandKind::kBootstrapDiscover;
            request.method = Method::kGet;
            request.accept = kLinkFormat;
            break;
        case BootstrapOperationKind::kFinish:
            command.kind = CommandKind::kBootstrapFinish;
            request.method = Method::kPost;
            break;
    }

    std::vector<std::uint8_t> token;
    if (prepare_bootstrap_write(client, command, client.plan->content_format)) {
        token = send_request(client.session.get(), client.peer, command, step);
    }
    if (token.empty()) {
        log_.error("bootstrap plan of '" + client.endpoint + "' stopped at step " +
                   std::to_string(step) + ": the request could not be sent");
        client.next_step = client.plan->operations.size();
        return;
    }
    client.step_token = std::move(token);
}

// Any response, also an error code, lets the plan go on with the next operation, so a test
// sees how the client handles the rest. A timeout or a failed send stops the plan.
void CoapServer::finish_bootstrap_step(const Exchange& exchange, bool answered) {
    auto it = bootstrap_clients_.find(exchange.endpoint);
    if (it == bootstrap_clients_.end() || it->second.step_token != exchange.token) {
        return;
    }

    BootstrapClient& client = it->second;
    client.step_token.clear();
    if (answered) {
        ++client.next_step;
        return;
    }
    log_.error("bootstrap plan of '" + client.endpoint + "' stopped at step " +
               std::to_string(exchange.bootstrap_step) + ": no response");
    client.next_step = client.plan->operations.size();
}

}  // namespace lwm2m::server
