// Access control (LwM2M Core 1.1, 7.3.1 and appendix E.3): which operations
// a server may perform on an object instance, from the Access Control
// object's instances.
#pragma once

#include <cstdint>

#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::dm {

#if LWM2M_WITH_ACCESS_CONTROL

/// True if the client checks access rights: it has more than one server
/// account and the Access Control object has instances. A single server has
/// every right.
bool access_control_applies(const detail::ClientData& data);

/// Returns 0 if the server of data.session may perform the operation that
/// needs `right` (a detail::access bit, 0 for none) on `path`, else 4.01. A path with
/// no instance needs the right on every instance, and kCreate is checked on
/// the ACL instance for instance 65535 of the object.
uint8_t check_access(const detail::ClientData& data, const Path& path, uint16_t right);

/// After a Create by the server of data.session: an ACL instance for the new
/// object instance, owned by that server, when access control applies.
void add_owner_acl(detail::ClientData& data, uint16_t object_id, uint16_t instance_id);

/// After a Delete: removes the ACL instance of the object instance.
void remove_acl(detail::ClientData& data, uint16_t object_id, uint16_t instance_id);

#else

// Built without LWM2M_WITH_ACCESS_CONTROL: every server has every right.
inline bool access_control_applies(const detail::ClientData&) {
    return false;
}
inline uint8_t check_access(const detail::ClientData&, const Path&, uint16_t) {
    return 0;
}
inline void add_owner_acl(detail::ClientData&, uint16_t, uint16_t) {}
inline void remove_acl(detail::ClientData&, uint16_t, uint16_t) {}

#endif  // LWM2M_WITH_ACCESS_CONTROL

}  // namespace lwm2m::dm
