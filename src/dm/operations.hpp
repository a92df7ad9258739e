// The Device Management operations on the registered objects. Each returns the
// CoAP response code; the response header is already in `response`.
#pragma once

#include <cstdint>
#include <span>

#include "coap/message.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::dm {

/// Paths one Read-Composite request may name.
inline constexpr uint8_t kMaxCompositePaths = 8;

/// Maps a Status from an object callback to a CoAP response code.
uint8_t to_response_code(Status status);

/// Returns the registered object with `object_id`, or nullptr.
Object* find_object(detail::ClientData& data, uint16_t object_id);

/// True if instance `instance_id` of `object` exists.
bool has_instance(const Object& object, uint16_t instance_id);

/// Checks that the object instance, resource and resource instance named by
/// `path` exist in `object`; returns 0 if they do, else 4.04.
uint8_t check_target(const Path& path, const Object& object);

/// Finds the object of a request on `path` (length 1 or more) and checks that
/// the instance, resource and resource instance it names exist, except for a
/// Create. Returns 0 with `object` set, or the response code: 4.04, or 4.01
/// for the Security object.
uint8_t find_target(const coap::Message& request, const Path& path, detail::ClientData& data,
                    Object*& object);

uint8_t read(const coap::Message& request, const Path& path, Object& object,
             detail::ClientData& data, coap::MessageWriter& response);
/// Read-Composite: FETCH on "/" with the paths in SenML (LwM2M Core 1.1, 6.3.8).
uint8_t read_composite(const coap::Message& request, detail::ClientData& data,
                       coap::MessageWriter& response);
/// Write-Composite: iPATCH on "/" with values for several objects, applied
/// atomically across them.
uint8_t write_composite(const coap::Message& request, detail::ClientData& data);
/// Discover: links with attributes, to the depth the request names (LwM2M 1.2).
uint8_t discover(const coap::Message& request, const Path& path, Object& object,
                 const detail::ClientData& data, coap::MessageWriter& response);
/// Write: replace (PUT) or partial update (POST on an instance).
uint8_t write(const coap::Message& request, const Path& path, Object& object, bool replace);
/// Create: POST on an object; adds the Location-Path of the new instance.
uint8_t create(const coap::Message& request, const Path& path, Object& object,
               coap::MessageWriter& response);

/// Reads the Content-Format of `request` into `format`, text/plain when it
/// has none. Returns false for a value longer than 2 bytes.
bool request_format(const coap::Message& request, uint32_t& format);
/// Adds the Location-Path of a created instance: "oid", "iid".
void add_location(coap::MessageWriter& response, uint16_t object_id, uint16_t instance_id);

/// Checks a Write on `path` before its payload is read, and reads its
/// Content-Format (text/plain when absent) into `format`. Returns 0 or the
/// response code.
uint8_t check_write(const coap::Message& request, const Path& path, const Object& object,
                    uint32_t& format);
/// Returns the path a Create's payload is read against: the object, or the
/// lowest free instance when a TLV payload names no instance.
Path create_target(uint32_t format, std::span<const uint8_t> payload, const Object& object);

}  // namespace lwm2m::dm
