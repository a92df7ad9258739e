#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "command.hpp"
#include "session_ref.hpp"

namespace lwm2m::server {

/// Uri-Query parameters in arrival order. A flag such as `Q` has an empty value.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// Network address of a client as printed in events.
struct Peer {
    std::string address;  // dotted IPv4, or IPv6 without brackets
    std::uint16_t port = 0;

    bool operator==(const Peer&) const = default;
};

/// One client registration, created by Register and refreshed by Update.
struct Registration {
    int id = 0;
    std::string endpoint;
    std::string lwm2m_version;
    std::string binding;
    std::int64_t lifetime_s = 0;
    /// True once Register or an Update carried the `Q` parameter.
    bool queue_flag = false;
    QueryParams query;
    std::string links;
    /// Server time of the last Register or Update, in seconds.
    double refreshed_at = 0.0;
    /// Server time of the last message of any kind from the client, in seconds.
    double last_message_at = 0.0;
    Peer peer;
    SessionRef session;
    /// Downlink commands held until the Queue Mode client sends its next message.
    std::deque<Command> held;
    /// Set when the client sent a message, so the held commands may go out.
    bool flush_requested = false;

    std::string location() const { return "/rd/" + std::to_string(id); }
    /// Queue Mode: `Q` in Register or Update (LwM2M 1.1) or a binding with Q (LwM2M 1.0).
    bool queue_mode() const { return queue_flag || binding.find('Q') != std::string::npos; }
    double expires_at() const { return refreshed_at + static_cast<double>(lifetime_s); }
};

/// Registrations by location id and by endpoint name.
class Registry {
  public:
    /// Stores `registration` under a new id. An older registration with the same endpoint name
    /// is removed and returned, with its held commands moved to the new one.
    std::pair<Registration*, std::optional<Registration>> add(Registration registration);

    Registration* find_by_id(int id);
    Registration* find_by_endpoint(std::string_view endpoint);
    Registration* find_by_session(const coap_session_t* session);

    /// Removes and returns the registration with `id`, if there is one.
    std::optional<Registration> remove(int id);

    /// Removes and returns every registration whose lifetime ended before `now`.
    std::vector<Registration> remove_expired(double now);

    /// Earliest expiry time of all registrations.
    std::optional<double> next_expiry() const;

    /// Number of Updates seen from `endpoint` since the server started, across registrations.
    std::uint64_t update_count(std::string_view endpoint) const;
    void count_update(const std::string& endpoint);

    std::map<int, Registration>& registrations() { return by_id_; }

  private:
    std::map<int, Registration> by_id_;
    std::map<std::string, std::uint64_t, std::less<>> update_counts_;
    int next_id_ = 1;
};

/// Returns the targets of a CoRE link-format document, e.g. {"/1/0", "/3/0"}.
std::vector<std::string> parse_link_targets(std::string_view links);

/// Returns the value of `key` in `query`, or std::nullopt when absent.
std::optional<std::string> find_param(const QueryParams& query, std::string_view key);

}  // namespace lwm2m::server
