// State of a Client. Public only so that the application can own the Client
// object (its size is known at compile time); not part of the API.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lwm2m/attributes.hpp"
#include "lwm2m/client_config.hpp"
#include "lwm2m/config.hpp"
#include "lwm2m/detail/builtin_objects.hpp"
#include "lwm2m/detail/response_cache.hpp"
#include "lwm2m/send.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::detail {

static_assert(LWM2M_TOKEN_LENGTH >= 1 && LWM2M_TOKEN_LENGTH <= 8,
              "LWM2M_TOKEN_LENGTH must be 1 to 8 bytes (RFC 7252, 5.3.1)");
static_assert(LWM2M_MAX_OPTIONS >= 8 && LWM2M_MAX_OPTIONS <= 255,
              "LWM2M_MAX_OPTIONS must be 8 to 255");
static_assert(LWM2M_RESPONSE_CACHE_ENTRIES >= 1 && LWM2M_RESPONSE_CACHE_ENTRIES <= 255,
              "LWM2M_RESPONSE_CACHE_ENTRIES must be 1 to 255");
static_assert(LWM2M_RESPONSE_CACHE_SIZE <= 65535, "LWM2M_RESPONSE_CACHE_SIZE must be below 64 KiB");
static_assert(LWM2M_MAX_LOCATION_SEGMENTS >= 1 && LWM2M_MAX_LOCATION_SEGMENTS <= 255,
              "LWM2M_MAX_LOCATION_SEGMENTS must be 1 to 255");
static_assert(LWM2M_IN_BUFFER_SIZE >= 64 && LWM2M_OUT_BUFFER_SIZE >= 64,
              "message buffers below 64 bytes cannot hold a Register");
static_assert(LWM2M_MAX_SERVERS >= 1 &&
                  LWM2M_MAX_SERVERS + LWM2M_WITH_BOOTSTRAP <= LWM2M_MAX_SECURITY_INSTANCES,
              "LWM2M_MAX_SERVERS must be 1 or more, below LWM2M_MAX_SECURITY_INSTANCES "
              "(or up to it without LWM2M_WITH_BOOTSTRAP)");
static_assert(LWM2M_MAX_OBSERVATIONS <= 64, "observation sets are 64-bit masks");
static_assert(LWM2M_MAX_SEND_PATHS >= 1 && LWM2M_MAX_SEND_PATHS <= 255,
              "LWM2M_MAX_SEND_PATHS must be 1 to 255");

/// Registration parameters that changed since the last successful Register or
/// Update, so the next Update carries only these (LwM2M Core, 6.2.2).
namespace changed {
inline constexpr uint8_t kLifetime = 1 << 0;
inline constexpr uint8_t kBinding = 1 << 1;
/// Objects or object instances were added or removed: the links go along.
inline constexpr uint8_t kObjects = 1 << 2;
}  // namespace changed

/// Notification attributes written on one path (Write-Attributes).
struct AttributeSet : Attributes {
    Path path;
    /// Index in ClientData::sessions of the server that wrote them.
    uint8_t session = 0;
};

/// Paths that one Observe-Composite observes together.
struct CompositePaths {
    Path paths[8];
    uint8_t count = 0;
};

/// An observation by the server (RFC 7641): a path and the token its
/// notifications carry.
struct Observation {
    Path path;
    /// Index in ClientData::sessions of the server that observes.
    uint8_t session = 0;
    /// Index in ClientData::composites of an Observe-Composite, else -1.
    int8_t composite = -1;
    /// Attributes given in the Observe request (LwM2M 1.2), over the others.
    Attributes request_attributes;
    uint8_t token[8] = {};
    uint8_t token_length = 0;
    bool active = false;
    /// A change waits until pmin has passed since the last notification.
    bool changed = false;
    /// A change arrived within epmin of the last evaluation; it is evaluated
    /// when epmin has passed.
    bool evaluation_due = false;
    /// `crossing` contains the value that met gt, lt, st or edge. The
    /// notification carries it rather than a later value.
    bool has_crossing = false;
    /// `next_crossing` contains a value that met a threshold after `crossing`
    /// (crossing back, say); it is notified after `crossing`.
    bool has_next_crossing = false;
    /// `evaluated` and `reported` hold numeric values for gt, lt, st and edge.
    bool has_evaluated = false;
    bool has_reported = false;
    /// Content-Format of the first response, kept for every notification.
    uint16_t format = 0;
    /// Message ID of the last notification, if has_message_id: an RST to it
    /// ends the observation.
    bool has_message_id = false;
    uint16_t last_message_id = 0;
    /// Observe value of the last notification.
    uint32_t sequence = 0;
    uint64_t last_notify_ms = 0;
    /// When the observation started or the server last acknowledged a
    /// confirmable notification of it.
    uint64_t last_confirmable_ms = 0;
    /// A notification the transport could not take goes again from here.
    uint64_t retry_at_ms = 0;
    uint64_t last_evaluation_ms = 0;
    double evaluated = 0;
    double reported = 0;
    Value crossing;
    Value next_crossing;
};

/// A confirmable notification waiting for its ACK (RFC 7641, 4.5).
struct PendingNotification {
    bool active = false;
    uint8_t observation = 0;
    uint8_t retransmissions = 0;
    uint16_t message_id = 0;
    /// Stored values it carries, removed from the store once acknowledged.
    uint16_t stored_count = 0;
    bool first_snapshot_only = false;
    uint32_t timeout_ms = 0;
    uint64_t deadline_ms = 0;
};

/// Notifications kept while the server cannot be reached (report/notification_store.hpp).
struct NotificationStore {
    uint8_t bytes[LWM2M_NOTIFICATION_STORE_SIZE] = {};
    size_t used = 0;
    uint8_t next_snapshot = 0;
    /// Stored notifications dropped for lack of room, for hqmax or because
    /// their observation ended, since the client started.
    uint32_t dropped = 0;
};

/// Reachability of the server for notifications: a confirmable notification
/// with no ACK makes it unreachable, and a CoAP ping (RFC 7252, 4.3) that gets
/// any reply makes it reachable again.
struct ServerReachability {
    bool unreachable = false;
    bool probe_sent = false;
    /// Message IDs of the first and the latest probe: a reply to any of them
    /// makes the server reachable.
    uint16_t first_probe_message_id = 0;
    uint16_t probe_message_id = 0;
    uint32_t probe_interval_ms = 0;
    uint64_t probe_at_ms = 0;
};

/// Bytes for the state of a Write or Create applied block by block: its
/// decoder, its progress and the carry buffer (dm/streamed_write.cpp checks
/// that they fit).
inline constexpr size_t kStreamedWriteStateSize = LWM2M_BLOCK1_CARRY_SIZE > 0
                                                      ? 44 * sizeof(void*) + LWM2M_BLOCK1_CARRY_SIZE
                                                      : 1;

/// A request arriving in Block1 blocks (RFC 7959, 2.5), in order.
struct Block1Transfer {
    /// Identifies the request: method and a hash of its Uri-Path and
    /// Content-Format, so a block of another request does not join.
    uint32_t key = 0;
    uint32_t next_number = 0;
    /// Bytes received so far.
    uint32_t size = 0;
    uint8_t size_exponent = 0;
    bool active = false;
    /// Index in ClientData::sessions of the server that sends the blocks.
    uint8_t session = 0;
    /// Applied block by block (dm/streamed_write.hpp) rather than assembled.
    bool streamed = false;
    /// When an abandoned transfer is dropped: EXCHANGE_LIFETIME after its last block.
    uint64_t expiry_ms = 0;
#if LWM2M_BLOCK1_CARRY_SIZE > 0
    alignas(8) unsigned char streamed_write[kStreamedWriteStateSize] = {};
#endif
#if LWM2M_BLOCK1_BUFFER_SIZE > 0
    uint8_t buffer[LWM2M_BLOCK1_BUFFER_SIZE] = {};
#endif
};

/// The one confirmable request the client has in flight (NSTART = 1).
struct PendingRequest {
    enum class Kind : uint8_t {
        kNone,
        kBootstrapPackRequest,
        kBootstrapRequest,
        kRegister,
        kUpdate,
        kDeregister,
        kSend,
    };
    /// block_size_exponent of a request not sent block-wise (SZX 7 is reserved).
    static constexpr uint8_t kNoBlock = 7;

    Kind kind = Kind::kNone;
    /// Parameters the Update carries (a `changed` mask); kept across
    /// retransmissions so every copy is identical.
    uint8_t update_parameters = 0;
    uint8_t retransmissions = 0;
    /// An empty ACK arrived: the response will come separately (RFC 7252, 5.2.2).
    bool acknowledged = false;
    /// The transport returned kWouldBlock; the copy is sent again at deadline_ms,
    /// and the retransmission timer starts only once it has gone out.
    bool unsent = false;
    /// SZX of the Block1 blocks (RFC 7959, 2.2: 16 << SZX bytes each), or
    /// kNoBlock while the payload goes whole in one message.
    uint8_t block_size_exponent = kNoBlock;
    /// More blocks follow the one in flight (its M bit).
    bool more_blocks = false;
    /// Block1 transfers started again from block 0 after 4.08.
    uint8_t block_restarts = 0;
    /// The request carries a payload, which may go block-wise.
    bool has_payload = false;
    uint16_t message_id = 0;
    uint8_t token[LWM2M_TOKEN_LENGTH] = {};
    uint32_t timeout_ms = 0;
    uint64_t deadline_ms = 0;
    /// When the first copy was sent; the lifetime counts from here.
    uint64_t sent_ms = 0;
    /// Lifetime carried by this Register or Update, so that retransmissions
    /// carry the same value even if the server writes a new one meanwhile.
    uint32_t lifetime_s = 0;
    /// Number of the Block1 block in flight, counted in blocks of the
    /// current size.
    uint32_t block_number = 0;
};

/// The one Send the application has started (report/send.cpp): waiting for
/// its turn while `queued`, then in flight as the pending request.
struct SendState {
    Path paths[LWM2M_MAX_SEND_PATHS];
    uint8_t path_count = 0;
    /// Content-Format of the payload: 110 or 112.
    uint16_t format = 0;
    bool queued = false;
    /// Time of every record in seconds since 1970, taken when the request
    /// starts, so that all blocks and retransmissions carry the same one.
    int64_t timestamp_s = 0;
    SendCallback callback = nullptr;
    void* context = nullptr;
};

/// Client Initiated Bootstrap (LwM2M Core 1.1, 6.1), while the state is
/// RegistrationState::kBootstrapping or until a De-register lets it start.
struct BootstrapState {
    /// The Bootstrap-Server accepted the Bootstrap-Request: its operations
    /// follow, up to Bootstrap-Finish.
    bool accepted = false;
    /// Bootstrap-Request Trigger was executed: bootstrap once de-registered.
    bool requested = false;
    /// Bootstrap-Finish arrived and was accepted: the Register follows once its
    /// response has gone out.
    bool finished = false;
    /// Bootstrap-Finish got 4.06: the next Bootstrap-Request is scheduled once
    /// the response has gone out.
    bool rejected = false;
    /// When the session ends if the Bootstrap-Server stays silent.
    uint64_t deadline_ms = 0;
};

/// The client's side of one LwM2M Server account: its connection, its
/// registration and the state of its requests and notifications.
struct ServerSession {
    /// The transport that talks to this server; nullptr for a session the
    /// application gave no transport.
    net::Transport* transport = nullptr;
    /// Host and port of the server: the LwM2M Server of the account, or the
    /// Bootstrap-Server while bootstrapping.
    char host[LWM2M_MAX_URI_LENGTH + 1] = {};
    uint16_t port = 0;
    /// True for a coaps:// server, which the transport reaches through (D)TLS.
    bool secure = false;
    /// The account's Server object instance.
    ServerObject server;
    /// Communication Retry resources 17 to 20 of that instance.
    RegistrationRetry retry;

    RegistrationState state = RegistrationState::kUnconfigured;
    PendingRequest pending;
    /// Location-Path as "/rd/5a3f"; segments never contain '/'.
    char location[LWM2M_LOCATION_PATH_SIZE] = {};

    uint64_t next_update_ms = 0;
    /// Lifetime the server has accepted in the last Register or Update.
    uint32_t registered_lifetime_s = 0;
    /// When the server drops the registration unless an Update reaches it.
    uint64_t registration_expiry_ms = 0;
    /// When the current connect() first returned kInProgress; 0 if none is.
    uint64_t connect_started_ms = 0;
    uint64_t retry_at_ms = 0;
    uint64_t last_exchange_ms = 0;
    /// Register attempts made in the current sequence, and sequences started.
    uint8_t register_attempts = 0;
    uint8_t register_sequences = 0;
    uint8_t changed_parameters = 0;
    bool update_requested = false;
    bool deregister_requested = false;
    /// Execute /1/x/4: De-register, stay off for the Disable Timeout, register again.
    bool disable_requested = false;
    bool offline = false;
    bool have_separate_response = false;
    uint16_t separate_response_message_id = 0;
    uint16_t next_message_id = 0;

#if LWM2M_WITH_OBSERVE
    PendingNotification pending_notification;
#endif
    ServerReachability reachability;
};

struct ClientData {
    ClientData() = default;
    // Not copyable: `session` and the built-in objects point into the object.
    ClientData(const ClientData&) = delete;
    ClientData& operator=(const ClientData&) = delete;

    ClientConfig config;
    char endpoint_name[LWM2M_MAX_URI_LENGTH + 1] = {};
    /// Security object instances: server accounts and the Bootstrap-Server
    /// account, unused slots with ID kNoInstance.
    SecurityInstance security[LWM2M_MAX_SECURITY_INSTANCES];
    /// Access Control object instances, unused slots with ID kNoInstance.
#if LWM2M_WITH_ACCESS_CONTROL
    AclInstance acl[LWM2M_MAX_ACL_INSTANCES];
#endif
    BootstrapState bootstrap;
    /// persist::factory_checksum() of the configuration: a saved state
    /// applies only under the same factory accounts.
    uint32_t factory_checksum = 0;
    DeviceObject device;

    /// One session per LwM2M Server account; session 0 also talks to the
    /// Bootstrap-Server.
    ServerSession sessions[LWM2M_MAX_SERVERS];
    /// The session being served: its requests, responses and timers.
    ServerSession* session = sessions;

    /// Index of `session` in `sessions`.
    uint8_t session_index() const {
        return static_cast<uint8_t>(session - sessions);
    }
    /// True while session 0 talks to the Bootstrap-Server.
    bool bootstrapping() const {
        return sessions[0].state == RegistrationState::kBootstrapping;
    }

    bool reboot_requested = false;
    bool factory_reset_requested = false;
    /// The persisted state changed; step() saves it to config.storage.
    bool state_save_due = false;
    /// The Bootstrap-Server gave no usable Bootstrap-Pack: bootstrap goes by
    /// Bootstrap-Request until the next configure().
    bool bootstrap_pack_refused = false;
    /// A bootstrap session ended without an accepted Bootstrap-Finish, so the
    /// accounts in RAM are unfinished: nothing is saved until configure()
    /// loads the saved state again.
    bool save_blocked = false;

    SecurityObjectHandler security_object;
    ServerObjectHandler server_object;
#if LWM2M_WITH_ACCESS_CONTROL
    AccessControlObjectHandler access_control_object;
#endif
    DeviceObjectHandler device_object;
    /// Registered objects, the built-in ones first, in ascending ID order.
    Object* objects[LWM2M_MAX_OBJECTS] = {};
    uint8_t object_count = 0;

#if LWM2M_WITH_OBSERVE
    AttributeSet attributes[LWM2M_MAX_ATTRIBUTES] = {};
    uint8_t attribute_count = 0;

    Observation observations[LWM2M_MAX_OBSERVATIONS] = {};
    CompositePaths composites[LWM2M_MAX_COMPOSITE_OBSERVATIONS] = {};
    NotificationStore notification_store;
#endif
    /// Index in `sessions` of the server a queued or pending Send goes to.
    uint8_t send_session = 0;
    /// configure() has succeeded.
    bool configured = false;
    /// Observe option value of the next notification, 24 bits (RFC 7641, 4.4).
    uint32_t next_observe_sequence = 0;

#if LWM2M_WITH_BLOCK1
    Block1Transfer block1;
#endif
#if LWM2M_WITH_SEND
    SendState send;
#endif

    [[no_unique_address]] ResponseCache response_cache;
    uint8_t in_buffer[LWM2M_IN_BUFFER_SIZE] = {};
    uint8_t out_buffer[LWM2M_OUT_BUFFER_SIZE] = {};
};

/// Marks the object list as changed for every session, so that each
/// server's next Update lists the objects and instances.
inline void objects_changed(ClientData& data) {
    for (ServerSession& session : data.sessions) {
        session.changed_parameters |= changed::kObjects;
    }
}

}  // namespace lwm2m::detail
