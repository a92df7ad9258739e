// Types of the Send operation (LwM2M Core 1.1, 6.4.2): the client reports
// values to the server on its own initiative with a confirmable POST to /dp.
#pragma once

#include <cstdint>

namespace lwm2m {

/// Content-Format of a Send payload.
enum class SendFormat : uint8_t {
    /// application/senml+cbor, Content-Format 112.
    kSenmlCbor,
    /// application/senml+json, Content-Format 110.
    kSenmlJson,
};

/// Outcome of a Send, passed to the SendCallback.
enum class SendResult : uint8_t {
    /// The server responded; `response_code` contains its code. 2.04 Changed
    /// means accepted; 4.00 or 4.04, for example, mean rejected.
    kResponse,
    /// No response after all retransmissions, or no separate response within
    /// EXCHANGE_LIFETIME after an empty ACK.
    kTimedOut,
    /// The server rejected the request with RST.
    kReset,
    /// The request did not go out or broke off: the connection could not be
    /// opened, the request does not fit the out buffer, or the server broke
    /// the Block1 transfer.
    kFailed,
    /// The server set Mute Send (/1/0/23) while the Send waited for its turn.
    kMuted,
    /// The registration was lost while the Send waited for its turn (an
    /// Update failed and the client registers again).
    kNotRegistered,
    /// The client de-registered while the Send waited for its turn.
    kDeregistered,
};

/// Called once when a Send ends, from inside Client::step(). `response_code`
/// is the CoAP code byte for kResponse (class in the top 3 bits: 0x44 is
/// 2.04) and 0 otherwise. The callback may call Client::send() again.
using SendCallback = void (*)(void* context, SendResult result, uint8_t response_code);

}  // namespace lwm2m
