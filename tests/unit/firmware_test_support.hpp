// Helpers shared by the Firmware Update tests.
#pragma once

#include <vector>

#include "coap/message.hpp"
#include "fakes.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/firmware_update.hpp"

namespace lwm2m::testing {

/// Delivers on `transport` a CON PUT of `uri` to Package URI (/5/0/1) in
/// text/plain, as the LwM2M server writes it, and steps `client`.
inline void deliver_package_uri(FakeTransport& transport, Client& client, const char* uri,
                                uint16_t message_id) {
    uint8_t buffer[320];
    coap::MessageWriter writer(buffer);
    const uint8_t token[] = {0xa1};
    writer.header(coap::Type::kConfirmable, coap::code::kPut, message_id, token);
    writer.add_option(coap::option::kUriPath, "5");
    writer.add_option(coap::option::kUriPath, "0");
    writer.add_option(coap::option::kUriPath, "1");
    writer.add_uint_option(coap::option::kContentFormat, coap::format::kTextPlain);
    writer.append_payload(uri);
    transport.deliver(writer.bytes());
    client.step();
}

/// Options for downloads on `transport` that save after every block and
/// retry after 1 s, up to `attempts` attempts.
inline fw::Options download_options(net::Transport& transport, uint8_t attempts,
                                    uint16_t block_size = 1024) {
    fw::Options options;
    options.transport = &transport;
    options.block_size = block_size;
    options.save_interval_bytes = 0;
    options.attempts = attempts;
    options.retry_delay_s = 1;
    return options;
}

/// `size` bytes of a package, a pattern that starts at `seed`.
inline std::vector<uint8_t> package_bytes(size_t size, uint8_t seed) {
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<uint8_t>(seed + i * 7);
    }
    return bytes;
}

}  // namespace lwm2m::testing
