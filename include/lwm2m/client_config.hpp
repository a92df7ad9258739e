// Configuration of the LwM2M client: server account, CoAP parameters, Queue
// Mode and the Device object's values.
#pragma once

#include <cstdint>

namespace lwm2m {

enum class Lwm2mVersion : uint8_t { k1_0, k1_1, k1_2 };

/// CoAP transmission parameters (RFC 7252, 4.8). The defaults are the RFC's.
/// configure() accepts ACK_TIMEOUT up to 300 s, ACK_RANDOM_FACTOR 1.0 to 4.0
/// and MAX_RETRANSMIT up to 8, which keeps every timeout within 32 bits.
struct CoapTransmission {
    uint32_t ack_timeout_ms = 2000;
    /// ACK_RANDOM_FACTOR in percent: 150 means 1.5.
    uint16_t ack_random_factor_percent = 150;
    uint8_t max_retransmit = 4;
};

/// Registration retry procedure (LwM2M Core 1.1, 6.2.1.1, and the Server
/// object's resources 17 to 20). The defaults are the specification's.
struct RegistrationRetry {
    /// Register attempts in one sequence (Communication Retry Count).
    uint8_t retry_count = 5;
    /// Wait before the second attempt; doubled before each further one
    /// (Communication Retry Timer).
    uint32_t retry_timer_s = 60;
    /// Wait between two sequences (Communication Sequence Delay Timer).
    uint32_t sequence_delay_s = 86400;
    /// Sequences before registration is given up (Communication Sequence Retry Count).
    uint8_t sequence_retry_count = 1;
};

/// Strings and callbacks of the Device object (/3/0). The strings must outlive
/// the client.
struct DeviceInfo {
    const char* manufacturer = "";
    const char* model_number = "";
    const char* serial_number = "";
    const char* firmware_version = "";
    const char* device_type = "";
    const char* hardware_version = "";
    const char* software_version = "";
    /// Called after the response to Execute /3/0/4 (Reboot) has been sent.
    void (*reboot)(void* context) = nullptr;
    void* reboot_context = nullptr;
    /// Called after the response to Execute /3/0/5 (Factory Reset) has been
    /// sent; with nullptr, Factory Reset gets 4.05.
    void (*factory_reset)(void* context) = nullptr;
    void* factory_reset_context = nullptr;
};

struct ClientConfig {
    /// Endpoint name, sent as `ep` in Register. Copied by configure().
    const char* endpoint_name = nullptr;
    /// "coap://host:port" or "coap://[ipv6]:port"; the port defaults to 5683.
    const char* server_uri = nullptr;
    uint16_t short_server_id = 1;
    uint32_t lifetime_s = 86400;
    Lwm2mVersion version = Lwm2mVersion::k1_1;
    bool queue_mode = false;
    /// Time without any exchange after which a Queue Mode client goes offline.
    /// The default is MAX_TRANSMIT_WAIT of the default CoAP parameters.
    uint32_t queue_timeout_ms = 93000;
    /// In Queue Mode, close the socket while offline (radio off). When false,
    /// only the receive-off hint is given and the socket stays open.
    bool close_socket_when_offline = true;
    CoapTransmission coap;
    RegistrationRetry retry;
    DeviceInfo device;
};

enum class RegistrationState : uint8_t {
    /// configure() has not succeeded yet.
    kUnconfigured,
    /// Waiting to send the next Register (first attempt or a retry).
    kNotRegistered,
    kRegistering,
    kRegistered,
    kDeregistering,
    kDeregistered,
    /// Every retry sequence failed; the client stays idle.
    kFailed,
};

}  // namespace lwm2m
