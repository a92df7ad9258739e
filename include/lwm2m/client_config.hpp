// Configuration of the LwM2M client: server account, CoAP parameters, Queue
// Mode and the Device object's values.
#pragma once

#include <cstdint>

#include "lwm2m/status.hpp"
#include "lwm2m/storage.hpp"
#include "lwm2m/transport.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m {

enum class Lwm2mVersion : uint8_t { k1_0, k1_1, k1_2 };

/// The version as Register and Bootstrap-Discover carry it: "1.0", "1.1" or "1.2".
constexpr const char* to_string(Lwm2mVersion version) {
    switch (version) {
        case Lwm2mVersion::k1_0:
            return "1.0";
        case Lwm2mVersion::k1_1:
            return "1.1";
        case Lwm2mVersion::k1_2:
            return "1.2";
    }
    return "1.1";
}

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

    bool operator==(const RegistrationRetry&) const = default;
};

/// Bit of Device resource `resource_id` in DeviceInfo::provided_resources, or
/// 0 for an ID above 31, which no providable resource has.
constexpr uint32_t device_resource_bit(uint16_t resource_id) {
    return resource_id < 32 ? uint32_t{1} << resource_id : 0;
}

/// Device resources whose values the application may provide through
/// DeviceInfo::read_resource. They are Available Power Sources (6), Power
/// Source Voltage (7, mV), Power Source Current (8, mA), Battery Level (9,
/// percent), Memory Free (10, kB), Battery Status (20), Memory Total (21, kB)
/// and ExtDevInfo (22).
inline constexpr uint32_t kDeviceProvidableResources =
    device_resource_bit(6) | device_resource_bit(7) | device_resource_bit(8) |
    device_resource_bit(9) | device_resource_bit(10) | device_resource_bit(20) |
    device_resource_bit(21) | device_resource_bit(22);

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
    /// sent. With nullptr the optional resource is absent: Discover leaves it
    /// out and an Execute of it gets 4.04.
    void (*factory_reset)(void* context) = nullptr;
    void* factory_reset_context = nullptr;

    /// Optional resources the application provides, as device_resource_bit()
    /// values of kDeviceProvidableResources. The others are absent: Discover
    /// and object reads leave them out, and a Read of one gets 4.04.
    uint32_t provided_resources = 0;
    /// Instances of resources 6, 7 and 8, with IDs 0 to count - 1. The three
    /// share the IDs: instance i of each describes the same power source.
    uint8_t power_source_count = 0;
    /// Instances of ExtDevInfo (22), with IDs 0 to count - 1.
    uint8_t ext_dev_info_count = 0;
    /// Reads the value of a provided resource: an integer for 6 to 10, 20 and
    /// 21, an object link for 22. `resource_instance_id` is kNoResourceInstance
    /// (0xffff) for a single resource. Called from Client::step() only, and must
    /// return at once. A string or opaque view is not expected. A status
    /// other than kOk, a value of the wrong type or out of the resource's
    /// range (Battery Level 0 to 100, Battery Status 0 to 6, power source 0
    /// to 7) makes the Read fail with 5.00. Required if provided_resources is
    /// not 0.
    Status (*read_resource)(void* context, uint16_t resource_id, uint16_t resource_instance_id,
                            Value& value) = nullptr;
    void* read_resource_context = nullptr;
};

/// Security of a factory account: the Security object's Security Mode (2),
/// Public Key or Identity (3), Server Public Key (4), Secret Key (5), SNI (14)
/// and Certificate Usage (15). configure() copies the bytes; each must fit
/// LWM2M_SECURITY_IDENTITY_SIZE or LWM2M_SECURITY_KEY_SIZE.
struct AccountSecurity {
    /// kNoSec for a coap:// URI; kPreSharedKey or kCertificate for coaps://.
    net::SecurityMode mode = net::SecurityMode::kNoSec;
    /// The PSK identity, or the client's certificate (DER).
    std::span<const uint8_t> identity;
    /// A server or CA certificate (DER), checked as certificate_usage specifies.
    std::span<const uint8_t> server_public_key;
    /// The PSK, or the client's private key (DER).
    std::span<const uint8_t> secret_key;
    net::CertificateUsage certificate_usage = net::CertificateUsage::kDomainIssuedCertificate;
    /// Host name for SNI and certificate matching when the URI's host is an
    /// address or another name; nullptr for none.
    const char* sni = nullptr;
};

struct ClientConfig {
    /// Endpoint name, sent as `ep` in Register. Copied by configure().
    const char* endpoint_name = nullptr;
    /// The factory LwM2M Server account: "coap://host:port" or
    /// "coap://[ipv6]:port"; the port defaults to 5683. nullptr if the client
    /// gets its server account from the Bootstrap-Server.
    const char* server_uri = nullptr;
    /// Credentials of the factory server account.
    AccountSecurity server_security;
    /// Short Server ID of the factory server account.
    uint16_t short_server_id = 1;
    /// The factory Bootstrap-Server account, a URI like server_uri, or
    /// nullptr. With it, the client bootstraps when it has no usable server
    /// account, when registration fails and the Server object's resource 16
    /// is true, and when a server executes Bootstrap-Request Trigger (/1/x/9).
    /// At least one of server_uri and bootstrap_server_uri is required.
    const char* bootstrap_server_uri = nullptr;
    /// Credentials of the factory Bootstrap-Server account.
    AccountSecurity bootstrap_server_security;
    /// Client Hold Off Time (/0/x/11) of the factory Bootstrap-Server account:
    /// wait before a Bootstrap-Request that the client starts on its own.
    uint32_t bootstrap_hold_off_s = 0;
    /// LwM2M 1.2: ask the Bootstrap-Server for the whole configuration in one
    /// Bootstrap-Pack-Request (GET /bspack) first, and send the
    /// Bootstrap-Request when the response is anything but a usable pack.
    bool bootstrap_pack_request = true;
    uint32_t lifetime_s = 86400;
    Lwm2mVersion version = Lwm2mVersion::k1_1;
    bool queue_mode = false;
    /// Time without any exchange after which a Queue Mode client goes offline.
    /// The default is MAX_TRANSMIT_WAIT of the default CoAP parameters.
    uint32_t queue_timeout_ms = 93000;
    /// In Queue Mode, close the socket while offline (radio off). When false,
    /// only the receive-off hint is given and the socket stays open.
    bool close_socket_when_offline = true;
    /// Initial Registration Delay Timer (/1/0/14): wait before the first
    /// Register after configure(). Retries and later registrations do not wait.
    uint32_t initial_registration_delay_s = 0;
    CoapTransmission coap;
    RegistrationRetry retry;
    DeviceInfo device;
    /// Non-volatile storage for the server accounts a Bootstrap-Server wrote
    /// (Security and Server objects) and the registration, so that a
    /// rebooted client keeps its accounts and resumes its registration with
    /// an Update instead of a Register. nullptr (the default) saves and
    /// loads nothing. Must outlive the client.
    Storage* storage = nullptr;
    /// Name of the state's blob in `storage`. Must outlive the client.
    const char* state_name = "lwm2m-state";
};

enum class RegistrationState : uint8_t {
    /// configure() has not succeeded yet.
    kUnconfigured,
    /// Getting server accounts from the Bootstrap-Server: waiting to send the
    /// Bootstrap-Request, or for the server's operations up to Bootstrap-Finish.
    kBootstrapping,
    /// Waiting to send the next Register (first attempt or a retry).
    kNotRegistered,
    kRegistering,
    kRegistered,
    kDeregistering,
    kDeregistered,
    /// Every retry sequence failed, or there is no usable account; the
    /// client stays idle.
    kFailed,
};

}  // namespace lwm2m
