#pragma once

#include <coap3/coap.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bootstrap_config.hpp"
#include "command.hpp"
#include "dtls_security.hpp"
#include "event_log.hpp"
#include "registry.hpp"
#include "resource_directory.hpp"

namespace lwm2m::server {

/// Bound UDP or DTLS endpoint, as reported in the "listening" event.
struct ListenAddress {
    std::string address;
    std::uint16_t port = 0;
};

/// Settings for downlink requests. The first two are CoAP transmission parameters
/// (RFC 7252, 4.8), which tests shorten to see a "timeout" event sooner than the default
/// 93 s worst case.
struct DownlinkSettings {
    /// libcoap 4.3.1 ignores values below 1 s.
    double ack_timeout_s = 2.0;
    unsigned max_retransmit = 4;
    /// Seconds after a message from a Queue Mode client during which new commands for it go
    /// out at once. With 0, every command waits for the client's next message.
    double awake_time_s = 0.0;
    /// Preferred Block1 size in bytes (RFC 7959, 2.2): a power of two from 16 to 1024. A
    /// request payload larger than this goes out block-wise in blocks of this size, or
    /// smaller ones when a block of this size does not fit in one message.
    std::size_t block_size = 1024;
};

/// Settings of the LwM2M Bootstrap interface.
struct BootstrapSettings {
    /// Accept Bootstrap-Request (POST /bs) and run the bootstrap commands.
    bool enabled = false;
    /// Operations to send after a Bootstrap-Request, or nullptr for none.
    const BootstrapConfig* config = nullptr;
};

/// The libcoap side of the server: the context and its UDP endpoints, the /rd resource, and
/// the downlink requests sent to registered clients and matched to responses by token.
class CoapServer {
  public:
    /// Creates the libcoap context. Throws std::runtime_error if libcoap fails.
    CoapServer(EventLog& log, Registry& registry, DownlinkSettings downlink,
               BootstrapSettings bootstrap = {});
    ~CoapServer();

    CoapServer(const CoapServer&) = delete;
    CoapServer& operator=(const CoapServer&) = delete;

    /// Installs the DTLS credentials and reports handshakes as events. Call it before
    /// listen() with COAP_PROTO_DTLS. Throws std::runtime_error if libcoap rejects them.
    void enable_dtls(DtlsSettings settings);

    /// Binds an endpoint of `protocol` (COAP_PROTO_UDP or COAP_PROTO_DTLS) on each address.
    /// With `port` 0 the first bind picks an ephemeral port and the others reuse it. Throws
    /// std::runtime_error naming the address that failed.
    std::vector<ListenAddress> listen(const std::vector<std::string>& addresses, std::uint16_t port,
                                      coap_proto_t protocol = COAP_PROTO_UDP);

    /// Serves the Bootstrap interface only on the endpoints bound to the ports added here,
    /// and the Registration interface only on the others. Without this call, a server with
    /// the Bootstrap interface enabled serves it alone on every endpoint.
    void add_bootstrap_port(std::uint16_t port) { bootstrap_ports_.insert(port); }

    /// File descriptor that becomes readable when libcoap has work, or -1 when this libcoap
    /// build has no epoll support.
    int wait_fd() const;

    /// Runs libcoap's I/O, waiting at most `timeout_ms` (0 = do not wait). When `extra_fd` is
    /// not negative, it is also watched, and the function returns true when it became readable.
    bool process_io(std::uint32_t timeout_ms, int extra_fd);

    /// Sends the request of a downlink command, or queues it when the client uses Queue Mode.
    void submit(Command command);

    /// Sends the held commands of every Queue Mode client that has sent a message since.
    void flush_held_commands();

    /// Sends the next configured operation to each bootstrapping client whose previous
    /// operation has its response.
    void run_bootstrap_plans();

    /// Drops registrations whose lifetime ended.
    void expire_registrations() { directory_.expire_registrations(); }

    /// True while a sent request still waits for its response or timeout.
    bool awaits_responses() const;

    /// Reports every held command as dropped, for shutdown.
    void drop_held_commands();

    /// Serves `command.file_content` to GET at `command.path` on every endpoint, in Block2
    /// blocks (RFC 7959), and writes a "serving" event. A path already served gets the new
    /// content.
    void serve(Command command);

    /// Stops serving `command.path`, so that a GET gets 4.04, and writes an "unserved" event,
    /// or an "error" event when the path is not served.
    void unserve(const Command& command);

  private:
    /// Request sent to a client, keyed by token. After a successful observe, the same entry
    /// matches the notifications.
    struct Exchange {
        int command_id = 0;
        std::string command;
        std::string endpoint;
        std::string path;
        std::vector<std::uint8_t> token;
        bool awaiting_response = true;
        int observe_id = 0;  // id of the observe command once the observation is established
        /// Client and Request-Tag (RFC 9175, 3.2) of a request sent in Block1 blocks. libcoap
        /// 4.3.1 gives every block after the first a token of its own, so a NACK for one of
        /// them is matched by these two instead.
        Peer peer;
        std::vector<std::uint8_t> request_tag;
        /// 1-based index of the configured bootstrap operation that sent the request, or 0
        /// for a request sent by a command.
        std::size_t bootstrap_step = 0;
    };

    /// File of a `serve` command.
    struct ServedFile {
        std::vector<std::uint8_t> content;
        /// ETag option value: the 64-bit FNV-1a hash of `content`, sent big-endian.
        std::uint64_t etag = 0;
        /// The resource at the served path, owned by the libcoap context.
        coap_resource_t* resource = nullptr;
    };

    /// Client that has sent a Bootstrap-Request, and its progress through its plan.
    struct BootstrapClient {
        std::string endpoint;
        Peer peer;
        SessionRef session;
        /// Content-Format from the `pct` parameter of the Bootstrap-Request.
        std::optional<std::uint16_t> preferred_format;
        const BootstrapPlan* plan = nullptr;
        /// Index of the next operation of `plan` to send.
        std::size_t next_step = 0;
        /// Token of the operation in flight, empty when none is.
        std::vector<std::uint8_t> step_token;
    };

    static void handle_rd_request(coap_resource_t* resource, coap_session_t* session,
                                  const coap_pdu_t* request, const coap_string_t* query,
                                  coap_pdu_t* response);
    static void handle_file_request(coap_resource_t* resource, coap_session_t* session,
                                    const coap_pdu_t* request, const coap_string_t* query,
                                    coap_pdu_t* response);
    static coap_response_t handle_response(coap_session_t* session, const coap_pdu_t* sent,
                                           const coap_pdu_t* received, coap_mid_t mid);
    static void handle_nack(coap_session_t* session, const coap_pdu_t* sent,
                            coap_nack_reason_t reason, coap_mid_t mid);
    static int handle_event(coap_session_t* session, coap_event_t event);
    static CoapServer& from_session(const coap_session_t* session);

    void on_request(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                    const coap_string_t* query, coap_pdu_t* response);
    void on_send(coap_session_t* session, const coap_pdu_t* request, coap_pdu_t* response);
    void on_bootstrap_request(coap_session_t* session, const coap_pdu_t* request,
                              coap_pdu_t* response);
    void on_bootstrap_pack_request(coap_resource_t* resource, coap_session_t* session,
                                   const coap_pdu_t* request, const coap_string_t* query,
                                   coap_pdu_t* response);
    void on_file_request(coap_resource_t* resource, coap_session_t* session,
                         const coap_pdu_t* request, coap_pdu_t* response);
    /// Block size in bytes for a response to `session`: `requested` (16 to 1024), at most
    /// --block-size, and halved until a block fits in one message.
    std::size_t response_block_size(const coap_session_t* session, std::size_t requested) const;
    bool is_bootstrap_endpoint(const coap_session_t* session) const;
    void submit_bootstrap(Command command);
    bool prepare_bootstrap_write(const BootstrapClient& client, Command& command,
                                 std::optional<std::uint16_t> plan_format);
    void send_bootstrap_step(BootstrapClient& client);
    void finish_bootstrap_step(const Exchange& exchange, bool answered);
    coap_response_t on_response(coap_session_t* session, const coap_pdu_t* received);
    void on_nack(const coap_session_t* session, const coap_pdu_t* sent, coap_nack_reason_t reason);
    void note_message_from(const coap_session_t* session);
    void on_event(coap_session_t* session, coap_event_t event);
    /// Writes a "dtls_handshake" or "dtls_failed" event. `reason`, when not null, replaces
    /// the one DtlsSecurity finds for a failure.
    void write_dtls_event(const coap_session_t* session, std::string_view name, const char* reason);

    void send(Registration& registration, const Command& command);
    /// Sends the request of `command` to a client and returns its token. Returns an empty
    /// token, after an "error" event, when the request cannot be built or sent.
    std::vector<std::uint8_t> send_request(coap_session_t* session, const Peer& peer,
                                           const Command& command, std::size_t bootstrap_step = 0);
    void cancel_observation(Registration& registration, const Command& command,
                            Exchange& observation);
    std::vector<std::uint8_t> new_token();
    Exchange* find_observation(const std::string& endpoint, const std::string& path);
    /// Finds the exchange of a sent request by its token, or for a Block1 block after the
    /// first by client and Request-Tag. Returns exchanges_.end() if none matches.
    std::map<std::vector<std::uint8_t>, Exchange>::iterator find_exchange(
        const coap_session_t* session, const coap_pdu_t* sent);

    EventLog& log_;
    Registry& registry_;
    ResourceDirectory directory_;
    DownlinkSettings downlink_;
    BootstrapSettings bootstrap_;
    std::set<std::uint16_t> bootstrap_ports_;
    std::map<std::string, BootstrapClient> bootstrap_clients_;
    coap_context_t* context_ = nullptr;
    std::unique_ptr<DtlsSecurity> dtls_;
    /// DTLS sessions with a "dtls_failed" event, so that each failure is reported once.
    std::set<const coap_session_t*> failed_sessions_;
    std::map<std::vector<std::uint8_t>, Exchange> exchanges_;
    /// Files of `serve` by path, such as "/fw/image.bin".
    std::map<std::string, ServedFile> served_files_;
    std::mt19937_64 token_generator_;
};

/// Formats a client address: dotted IPv4 (also for v4-mapped IPv6), or IPv6 without brackets.
Peer peer_of(const coap_session_t* session);

/// "2.05" for the code of `code`.
std::string code_string(coap_pdu_code_t code);

/// Returns the value of the uint option `number` of `pdu`, or nullopt when it has none.
std::optional<std::uint32_t> uint_option(const coap_pdu_t* pdu, coap_option_num_t number);

/// The Uri-Query options of `request` as name and value pairs.
QueryParams query_of(const coap_pdu_t* request);

}  // namespace lwm2m::server
