#include "resource_directory.hpp"

#include <charconv>

namespace lwm2m::server {
namespace {

constexpr int kCreated = 201;
constexpr int kDeleted = 202;
constexpr int kChanged = 204;
constexpr int kBadRequest = 400;
constexpr int kNotFound = 404;
constexpr int kMethodNotAllowed = 405;

// LwM2M defaults for parameters that Register leaves out.
constexpr std::int64_t kDefaultLifetimeS = 86400;
constexpr const char* kDefaultVersion = "1.0";
constexpr const char* kDefaultBinding = "U";

std::optional<std::int64_t> parse_lifetime(const std::string& text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

std::optional<int> parse_location_id(const std::string& segment) {
    int id = 0;
    const auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), id);
    if (ec != std::errc() || end != segment.data() + segment.size()) {
        return std::nullopt;
    }
    return id;
}

Json query_to_json(const QueryParams& query) {
    Json object = Json::object();
    for (const auto& [key, value] : query) {
        object[key] = value;
    }
    return object;
}

void add_peer(Json& event, const Peer& peer) {
    event["peer"] = peer.address;
    event["port"] = peer.port;
}

void add_links(Json& event, const std::string& links) {
    event["links"] = links;
    event["objects"] = parse_link_targets(links);
}

}  // namespace

RdResponse ResourceDirectory::handle(const RdRequest& request) {
    const auto& path = request.uri_path;
    if (path.size() == 1) {
        if (request.method != Method::kPost) {
            return {kMethodNotAllowed, {}};
        }
        return register_client(request);
    }

    const std::optional<int> id = path.size() == 2 ? parse_location_id(path[1]) : std::nullopt;
    Registration* registration = id ? registry_.find_by_id(*id) : nullptr;
    if (registration == nullptr) {
        return {kNotFound, {}};
    }

    switch (request.method) {
        case Method::kPost:
            return update(*registration, request);
        case Method::kDelete:
            return deregister(*id, request);
        default:
            return {kMethodNotAllowed, {}};
    }
}

RdResponse ResourceDirectory::register_client(const RdRequest& request) {
    Registration registration;
    registration.endpoint = find_param(request.query, "ep").value_or("");
    if (registration.endpoint.empty()) {
        log_.error("Register from " + request.peer.address + " rejected with 4.00: missing ep");
        return {kBadRequest, {}};
    }

    const auto lifetime_text = find_param(request.query, "lt");
    const auto lifetime = lifetime_text ? parse_lifetime(*lifetime_text) : kDefaultLifetimeS;
    if (!lifetime) {
        log_.error("Register from " + registration.endpoint + " rejected with 4.00: invalid lt '" +
                   *lifetime_text + "'");
        return {kBadRequest, {}};
    }

    registration.lifetime_s = *lifetime;
    registration.lwm2m_version = find_param(request.query, "lwm2m").value_or(kDefaultVersion);
    registration.binding = find_param(request.query, "b").value_or(kDefaultBinding);
    registration.queue_flag = find_param(request.query, "Q").has_value();
    registration.query = request.query;
    registration.links = request.payload;
    registration.refreshed_at = log_.now();
    registration.peer = request.peer;
    registration.session = SessionRef(request.session);

    auto [added, replaced] = registry_.add(std::move(registration));

    Json event = log_.make("register");
    event["endpoint"] = added->endpoint;
    event["location"] = added->location();
    add_peer(event, added->peer);
    event["lifetime"] = added->lifetime_s;
    event["lwm2m"] = added->lwm2m_version;
    event["binding"] = added->binding;
    event["queue_mode"] = added->queue_mode();
    event["query"] = query_to_json(added->query);
    add_links(event, added->links);
    if (replaced) {
        event["replaced"] = replaced->location();
    }
    log_.write(event);

    return {kCreated, {"rd", std::to_string(added->id)}};
}

RdResponse ResourceDirectory::update(Registration& registration, const RdRequest& request) {
    const auto lifetime_text = find_param(request.query, "lt");
    if (lifetime_text) {
        const auto lifetime = parse_lifetime(*lifetime_text);
        if (!lifetime) {
            log_.error("Update of " + registration.location() +
                       " rejected with 4.00: invalid lt '" + *lifetime_text + "'");
            return {kBadRequest, {}};
        }
        registration.lifetime_s = *lifetime;
    }

    if (auto binding = find_param(request.query, "b")) {
        registration.binding = *binding;
    }
    if (find_param(request.query, "Q")) {
        registration.queue_flag = true;
    }
    for (const auto& param : request.query) {
        std::erase_if(registration.query,
                      [&](const auto& old) { return old.first == param.first; });
        registration.query.push_back(param);
    }

    const bool moved = registration.peer != request.peer;
    if (moved) {
        registration.peer = request.peer;
        registration.session = SessionRef(request.session);
    }
    registration.refreshed_at = log_.now();
    registry_.count_update(registration.endpoint);

    Json event = log_.make("update");
    event["endpoint"] = registration.endpoint;
    event["location"] = registration.location();
    add_peer(event, registration.peer);
    event["lifetime"] = registration.lifetime_s;
    event["binding"] = registration.binding;
    event["queue_mode"] = registration.queue_mode();
    event["query"] = query_to_json(request.query);
    if (!request.payload.empty()) {
        registration.links = request.payload;
        add_links(event, registration.links);
    }
    event["moved"] = moved;
    log_.write(event);

    return {kChanged, {}};
}

RdResponse ResourceDirectory::deregister(int id, const RdRequest& request) {
    std::optional<Registration> removed = registry_.remove(id);

    Json event = log_.make("deregister");
    event["endpoint"] = removed->endpoint;
    event["location"] = removed->location();
    add_peer(event, request.peer);
    log_.write(event);

    drop_held_commands(*removed, "De-register");
    return {kDeleted, {}};
}

void ResourceDirectory::expire_registrations() {
    for (Registration& registration : registry_.remove_expired(log_.now())) {
        Json event = log_.make("expired");
        event["endpoint"] = registration.endpoint;
        event["location"] = registration.location();
        event["lifetime"] = registration.lifetime_s;
        log_.write(event);

        drop_held_commands(registration, "lifetime expiry");
    }
}

void ResourceDirectory::drop_held_commands(Registration& registration, std::string_view reason) {
    for (const Command& command : registration.held) {
        log_.error(command.name + " " + command.path + " for " + registration.endpoint +
                       " dropped unsent: registration ended by " + std::string(reason),
                   command.id);
    }
    registration.held.clear();
}

}  // namespace lwm2m::server
