// The Device Management operations on the registered objects. Each returns the
// CoAP response code; the response header is already in `response`.
#pragma once

#include <cstdint>
#include <span>

#include "coap/message.hpp"
#include "io/codec.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::dm {

/// Paths one Read-Composite or Observe-Composite request may name.
inline constexpr uint8_t kMaxCompositePaths = sizeof(detail::CompositePaths::paths) / sizeof(Path);

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
/// Calls `visit(context, record)` for each readable value under `path` of an
/// object, in ascending path order, until it returns false. Returns kOk, the
/// first error of an object's read(), or kNotFound for an unknown object.
Status visit_values(detail::ClientData& data, const Path& path,
                    bool (*visit)(void* context, const io::OutputRecord& record), void* context);
/// The body of a notification: a Read of `path` in `format`, with Block2
/// for block 0 when it does not fit (RFC 7959, 2.6). Returns 2.05 or the
/// error code, such as 4.04 for a path that no longer exists.
uint8_t read_notification(const Path& path, uint16_t format, detail::ClientData& data,
                          coap::MessageWriter& response);
/// The body of a notification that carries `value` of a single resource or
/// resource instance at `path`, as it was when it met a threshold.
uint8_t encode_notification_value(const Path& path, const Value& value, uint16_t format,
                                  coap::MessageWriter& response);
/// Reads the paths of a Read-Composite or Observe-Composite request (SenML
/// JSON or CBOR, at most kMaxCompositePaths) into `paths`, and the format of
/// the response (its Accept, else its Content-Format) into `format`. Returns
/// 0, or the response code: 4.00, 4.06, 4.13 or 4.15.
uint8_t parse_composite_request(const coap::Message& request, Path* paths, uint8_t& count,
                                uint32_t& format);
/// Responds with the values under `paths` in `format`, leaving out paths
/// that do not exist; 4.04 if none does. Serves the Block2 option of `request`.
uint8_t read_paths(const coap::Message& request, std::span<const Path> paths, uint16_t format,
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
/// Create: POST on an object; adds the Location-Path of the new instance
/// and puts its ID in `created_id` if that is not nullptr.
uint8_t create(const coap::Message& request, const Path& path, Object& object,
               coap::MessageWriter& response, uint16_t* created_id = nullptr);

/// Appends a CoRE link to `path`, "</3/0>", preceded by a comma unless `first`.
void append_link(coap::MessageWriter& out, bool first, const Path& path);

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
