#include "registry.hpp"

#include <algorithm>

namespace lwm2m::server {

std::pair<Registration*, std::optional<Registration>> Registry::add(Registration registration) {
    std::optional<Registration> replaced;
    if (Registration* old = find_by_endpoint(registration.endpoint)) {
        replaced = remove(old->id);
        registration.held = std::move(replaced->held);
        replaced->held.clear();
    }

    registration.id = next_id_++;
    auto [it, inserted] = by_id_.emplace(registration.id, std::move(registration));
    return {&it->second, std::move(replaced)};
}

Registration* Registry::find_by_id(int id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

Registration* Registry::find_by_endpoint(std::string_view endpoint) {
    for (auto& [id, registration] : by_id_) {
        if (registration.endpoint == endpoint) {
            return &registration;
        }
    }
    return nullptr;
}

Registration* Registry::find_by_session(const coap_session_t* session) {
    for (auto& [id, registration] : by_id_) {
        if (registration.session.get() == session) {
            return &registration;
        }
    }
    return nullptr;
}

std::optional<Registration> Registry::remove(int id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return std::nullopt;
    }

    Registration registration = std::move(it->second);
    by_id_.erase(it);
    return registration;
}

std::vector<Registration> Registry::remove_expired(double now) {
    std::vector<Registration> expired;
    for (auto it = by_id_.begin(); it != by_id_.end();) {
        if (it->second.expires_at() <= now) {
            expired.push_back(std::move(it->second));
            it = by_id_.erase(it);
        } else {
            ++it;
        }
    }
    return expired;
}

std::optional<double> Registry::next_expiry() const {
    std::optional<double> earliest;
    for (const auto& [id, registration] : by_id_) {
        if (!earliest || registration.expires_at() < *earliest) {
            earliest = registration.expires_at();
        }
    }
    return earliest;
}

std::uint64_t Registry::update_count(std::string_view endpoint) const {
    auto it = update_counts_.find(endpoint);
    return it == update_counts_.end() ? 0 : it->second;
}

void Registry::count_update(const std::string& endpoint) {
    ++update_counts_[endpoint];
}

std::vector<std::string> parse_link_targets(std::string_view links) {
    // RFC 6690: links are separated by commas, and a comma or '<' inside a quoted attribute
    // value belongs to the value.
    std::vector<std::string> targets;
    bool in_quotes = false;
    bool at_link_start = true;

    for (std::size_t i = 0; i < links.size(); ++i) {
        const char c = links[i];
        if (in_quotes) {
            in_quotes = c != '"';
            continue;
        }

        if (c == '"') {
            in_quotes = true;
        } else if (c == ',') {
            at_link_start = true;
        } else if (c == '<' && at_link_start) {
            const std::size_t close = links.find('>', i + 1);
            if (close == std::string_view::npos) {
                break;
            }
            targets.emplace_back(links.substr(i + 1, close - i - 1));
            i = close;
            at_link_start = false;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            at_link_start = false;
        }
    }
    return targets;
}

std::optional<std::string> find_param(const QueryParams& query, std::string_view key) {
    auto it = std::find_if(query.begin(), query.end(),
                           [key](const auto& param) { return param.first == key; });
    if (it == query.end()) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace lwm2m::server
