// Dispatch of server requests to the registered objects, the built-in
// Security (/0/0), Server (/1/0) and Device (/3/0) among them.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "io/payload_sink.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/platform.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::dm {

using lwm2m::Path;

/// Reads the Uri-Path options of `request` as an LwM2M path. Returns false for
/// a segment that is not a decimal ID below 65535, or for more than 4 segments.
bool parse_path(const coap::Message& request, Path& path);

/// Serves a request from the LwM2M server. `response` already contains the header, so
/// this appends options and payload and returns the response code.
uint8_t handle_request(const coap::Message& request, const Path& path, detail::ClientData& data,
                       Clock& clock, coap::MessageWriter& response);

/// Security, Server, Access Control and Device: the objects every client has.
inline constexpr uint8_t kBuiltinObjectCount = 3 + LWM2M_WITH_ACCESS_CONTROL;

/// Binds the built-in objects of `data` and makes them the first registered
/// objects.
void register_builtin_objects(detail::ClientData& data, Clock& clock);

/// Writes the Register payload: the objects and their instances in CoRE
/// link-format, with the object version where it is not 1.0. The Security
/// object is left out, as LwM2M Core 1.1, 6.2.1 requires. The output depends
/// only on the registered objects, so a block of it can be taken by writing
/// it again into a windowed sink.
void write_registration_links(const detail::ClientData& data, io::PayloadSink& payload);

}  // namespace lwm2m::dm
