// The Firmware Update object (/5, object version 1.1). The server pushes a
// package into Package (/5/0/0) in Block1 blocks, or the client pulls it from
// Package URI (/5/0/1) with Block2 GETs over coap:// or coaps://. The
// application gets it chunk by chunk and installs it when the server executes
// Update (/5/0/2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/detail/object_task.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m {

class Storage;

namespace coap {
struct Message;
}

namespace fw {

/// State (/5/0/3).
enum class State : uint8_t {
    kIdle = 0,
    kDownloading = 1,
    kDownloaded = 2,
    kUpdating = 3,
};

/// Update Result (/5/0/5). The application's hooks return kInitial to go on
/// and one of the failures to stop.
enum class UpdateResult : uint8_t {
    kInitial = 0,
    kSuccess = 1,
    kNotEnoughSpace = 2,
    kOutOfRam = 3,
    kConnectionLost = 4,
    kIntegrityFailure = 5,
    kUnsupportedPackage = 6,
    kInvalidUri = 7,
    kUpdateFailed = 8,
    kUnsupportedProtocol = 9,
    kCancelled = 10,
};

/// The application's part of a firmware update: storing, checking and
/// installing the package.
/// The client calls these from Client::step() only, one at a time. Each
/// returns soon, except apply(), which may reboot the device.
class PackageHandler {
  public:
    /// A package starts arriving. `resume_offset` is 0 for a new package:
    /// drop whatever an earlier one left. A pulled download that resumes
    /// after a lost connection or a reboot passes the number of bytes
    /// already written: keep those and drop the rest. Return kInitial, or
    /// kNotEnoughSpace or kOutOfRam to refuse.
    virtual UpdateResult begin(size_t resume_offset) = 0;

    /// The bytes of the package from `offset`, in order. `bytes` is valid
    /// only during the call. Return kInitial, or a failure (kNotEnoughSpace,
    /// kOutOfRam, kIntegrityFailure, kUnsupportedPackage) to stop.
    virtual UpdateResult write(size_t offset, std::span<const uint8_t> bytes) = 0;

    /// Every byte has arrived: check the package. Return kInitial if it can
    /// be installed, else kIntegrityFailure or kUnsupportedPackage.
    virtual UpdateResult finish() = 0;

    /// Installs the package after the server executed Update (/5/0/2), after
    /// the response to the Execute has gone out and the Updating state has
    /// been saved. A device that reboots into the new firmware may not
    /// return: after the reboot, update_outcome() returns the result. Return
    /// kSuccess if the new firmware runs now, kUpdateFailed if the update
    /// failed, or kInitial if it goes on and the application will call
    /// FirmwareUpdate::update_finished() later.
    virtual UpdateResult apply() = 0;

    /// Drops the package: a cancel, a failure, or a new package replacing it.
    virtual void cancel() = 0;

    /// Called once after a restart that found the Updating state saved:
    /// kSuccess if the new firmware runs, kUpdateFailed if not.
    virtual UpdateResult update_outcome() = 0;

    /// Package name (/5/0/6) and version (/5/0/7) of the package held, read
    /// in the Downloaded state; "" if unknown.
    virtual const char* package_name() const { return ""; }
    virtual const char* package_version() const { return ""; }

  protected:
    ~PackageHandler() = default;
};

/// A downloader for a Package URI scheme the client does not fetch itself,
/// such as http://. It runs outside the client and reports through
/// FirmwareUpdate::downloaded_bytes() and download_finished().
class Downloader {
  public:
    /// True if this downloader fetches `uri` (a NUL-terminated URI).
    virtual bool supports(const char* uri) const = 0;
    /// The value it adds to Firmware Update Protocol Support (/5/0/8), such
    /// as 2 for HTTP 1.1 or 3 for HTTPS.
    virtual uint8_t protocol() const = 0;
    /// Starts fetching `uri` from byte `offset`. Returns kInitial, or the
    /// Update Result that ends the download (kInvalidUri, for example).
    virtual UpdateResult start(const char* uri, size_t offset) = 0;
    /// Stops the download started last; no call back follows.
    virtual void stop() = 0;

  protected:
    ~Downloader() = default;
};

/// Settings of the Firmware Update object, fixed at construction.
struct Options {
    /// Transport for pulled downloads over coap:// and coaps://, used only
    /// by this object. nullptr: no CoAP pull, so only push and `downloader`.
    /// A transport whose set_security() supports pre-shared keys or
    /// certificates (lwm2m::mbedtls::DtlsTransport) also pulls coaps://.
    net::Transport* transport = nullptr;
    /// True if `transport` does DTLS (its set_security() takes pre-shared
    /// keys or certificates), so coaps:// URIs are fetched too. A download
    /// uses the credentials of the Security instance whose URI names the same
    /// host and port, else those of the first server account with security.
    bool coaps = false;
    /// Block size asked for in Block2 GETs: 16, 32, 64, 128, 256, 512 or
    /// 1024 bytes, at most what fits in LWM2M_IN_BUFFER_SIZE with the
    /// headers. The server may send smaller blocks.
    uint16_t block_size = 1024;
    /// Name of the blob in ClientConfig::storage that keeps the state,
    /// the Package URI and the download's offset and ETag across reboots.
    const char* state_name = "lwm2m-fw";
    /// A pulled download saves its offset after this many bytes, so a
    /// reboot resumes from there. 0 saves after every block.
    uint32_t save_interval_bytes = 8192;
    /// Attempts to fetch a block before the download ends with Connection
    /// lost (4). Each attempt is one confirmable GET with its
    /// retransmissions (ClientConfig::coap); between attempts the client
    /// waits retry_delay_s, doubled after each, at most 600 s.
    uint8_t attempts = 6;
    uint16_t retry_delay_s = 5;
    /// A downloader for other URI schemes, or nullptr.
    Downloader* downloader = nullptr;
    /// Accept packages written into Package (push).
    bool push = true;
};

/// Progress of the package being received, for a progress display.
struct Progress {
    size_t received = 0;
    /// Size of the package if known: Size2 of a pulled download, else 0
    /// until the last byte has arrived.
    size_t total = 0;
};

}  // namespace fw

/// The Firmware Update object. Add it with Client::add_object(); it needs
/// ClientConfig::storage to resume downloads and to report an update's
/// result after a reboot.
class FirmwareUpdate final : public Object, private detail::ObjectTask {
  public:
    FirmwareUpdate(fw::PackageHandler& handler, const fw::Options& options);
    FirmwareUpdate(const FirmwareUpdate&) = delete;
    FirmwareUpdate& operator=(const FirmwareUpdate&) = delete;

    fw::State state() const { return state_; }
    fw::UpdateResult result() const { return result_; }
    fw::Progress progress() const { return {received_, total_}; }

    /// Reports the outcome of an update that PackageHandler::apply() left
    /// running (kSuccess or kUpdateFailed). Ignored outside Updating.
    void update_finished(fw::UpdateResult result);

    /// For an Options::downloader: the next bytes of the package, from
    /// `offset`. Returns kOk, or kInvalidState when no download by the
    /// downloader runs or `offset` is not where the package continues.
    Status downloaded_bytes(size_t offset, std::span<const uint8_t> bytes);
    /// For an Options::downloader: the download ended, with kInitial when
    /// every byte arrived, else the Update Result to report.
    void download_finished(fw::UpdateResult result);

    // Object
    int32_t next_instance(int32_t after) const override;
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;
    int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                   int32_t after) const override;
    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                 const Value& value) override;
    Status write_chunk(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       const Value& value, size_t offset, bool last) override;
    Status execute(uint16_t instance_id, uint16_t resource_id,
                   std::span<const uint8_t> arguments) override;
    void commit_transaction() override;
    void rollback_transaction() override;
    detail::ObjectTask* task() override { return this; }

    /// Longest Package URI kept, in bytes (the object definition's limit).
    static constexpr size_t kMaxUriLength = 255;

  private:
    // detail::ObjectTask
    void attach(Client& client, detail::ClientData& data, Clock& clock, Random& random) override;
    void step(uint64_t now_ms) override;
    uint64_t next_step_ms() const override;

    // Origin of the package.
    enum class Source : uint8_t { kNone, kPush, kCoap, kDownloader };

    void load_state();
    void save_state();
    void set_state(fw::State state, fw::UpdateResult result);
    void reset(fw::UpdateResult result);
    void fail(fw::UpdateResult result);
    Status start_pull(const char* uri);
    Status push_bytes(size_t offset, std::span<const uint8_t> bytes, bool last);
    void finish_package();
    void progress_saved(size_t received);

    // The download over CoAP (firmware_download.cpp).
    uint8_t block_size_exponent() const;
    void step_download(uint64_t now_ms);
    bool open_download(uint64_t now_ms);
    void send_block_request();
    void receive_blocks(uint64_t now_ms);
    void handle_block(const coap::Message& message, uint64_t now_ms);
    void restart_download();
    // Ends the attempt. The next one starts after the retry delay, or after
    // `min_delay_ms` if that is longer, and after at most 600 s.
    void retry_download(uint64_t now_ms, const char* reason, uint64_t min_delay_ms = 0);
    void close_download();

    fw::PackageHandler& handler_;
    fw::Options options_;
    Client* client_ = nullptr;
    detail::ClientData* data_ = nullptr;
    Clock* clock_ = nullptr;
    Random* random_ = nullptr;

    fw::State state_ = fw::State::kIdle;
    fw::UpdateResult result_ = fw::UpdateResult::kInitial;
    Source source_ = Source::kNone;
    bool loaded_ = false;
    bool transport_created_ = false;
    bool apply_due_ = false;
    bool save_due_ = false;
    // Resources whose value changed since the last step, as bits of their IDs.
    uint16_t changed_ = 0;
    int64_t state_changed_s_ = 0;
    size_t received_ = 0;
    size_t total_ = 0;
    size_t saved_offset_ = 0;
    char uri_[kMaxUriLength + 1] = {};

    // The download over CoAP.
    struct Download {
        bool open = false;
        bool connecting = false;
        bool in_flight = false;
        // The server sent an empty ACK: the block comes separately.
        bool acknowledged = false;
        // A CON response was acknowledged: acked_message_id is its ID.
        bool has_acked_response = false;
        uint8_t size_exponent = 6;
        uint8_t attempt = 0;
        // Restarts from byte 0 because the package changed.
        uint8_t restarts = 0;
        uint8_t retransmissions = 0;
        uint8_t etag_length = 0;
        uint8_t etag[8] = {};
        uint8_t token[8] = {};
        uint16_t message_id = 0;
        uint16_t acked_message_id = 0;
        uint32_t timeout_ms = 0;
        uint64_t deadline_ms = 0;
        uint64_t connect_started_ms = 0;
    } download_;
};

}  // namespace lwm2m
