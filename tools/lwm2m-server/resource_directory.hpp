#pragma once

#include <string>
#include <vector>

#include "command.hpp"
#include "event_log.hpp"
#include "registry.hpp"

namespace lwm2m::server {

/// Request to the resource directory (/rd), decoded from CoAP.
struct RdRequest {
    Method method = Method::kGet;
    std::vector<std::string> uri_path;
    QueryParams query;
    std::string payload;
    Peer peer;
    coap_session_t* session = nullptr;
};

/// Response to an RdRequest.
struct RdResponse {
    int code = 0;  // class * 100 + detail, e.g. 201 for 2.01 Created
    std::vector<std::string> location_path;
};

/// The LwM2M Registration interface: Register, Update, De-register and lifetime expiry.
/// Each operation updates the Registry and writes its event.
class ResourceDirectory {
  public:
    ResourceDirectory(EventLog& log, Registry& registry) : log_(log), registry_(registry) {}

    /// Handles a request whose first Uri-Path segment is "rd".
    RdResponse handle(const RdRequest& request);

    /// Drops the registrations whose lifetime ended without an Update.
    void expire_registrations();

  private:
    RdResponse register_client(const RdRequest& request);
    RdResponse update(Registration& registration, const RdRequest& request);
    RdResponse deregister(int id, const RdRequest& request);
    void drop_held_commands(Registration& registration, std::string_view reason);

    EventLog& log_;
    Registry& registry_;
};

}  // namespace lwm2m::server
