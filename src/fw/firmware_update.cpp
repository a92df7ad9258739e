// The Firmware Update object: its resources and state machine (LwM2M Core
// 1.1, E.6; object 5 version 1.1), push into Package, the start of a pull,
// and the state kept in Storage. The CoAP download is in firmware_download.cpp.
#include "lwm2m/firmware_update.hpp"

#include <cstring>

#include "fw/firmware_state.hpp"
#include "fw/package_uri.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/log.hpp"
#include "lwm2m/storage.hpp"

LWM2M_LOG_MODULE("fw");

namespace lwm2m {
namespace {

using fw::State;
using fw::UpdateResult;

namespace resource {
constexpr uint16_t kPackage = 0;
constexpr uint16_t kPackageUri = 1;
constexpr uint16_t kUpdate = 2;
constexpr uint16_t kState = 3;
constexpr uint16_t kUpdateResult = 5;
constexpr uint16_t kPackageName = 6;
constexpr uint16_t kPackageVersion = 7;
constexpr uint16_t kProtocolSupport = 8;
constexpr uint16_t kDeliveryMethod = 9;
constexpr uint16_t kCancel = 10;
constexpr uint16_t kLastStateChangeTime = 12;
}  // namespace resource

constexpr ResourceDefinition kResources[] = {
    {resource::kPackage, Operations::kWrite, DataType::kOpaque, false, true},
    {resource::kPackageUri, Operations::kReadWrite, DataType::kString, false, true},
    {resource::kUpdate, Operations::kExecute, DataType::kNone, false, true},
    {resource::kState, Operations::kRead, DataType::kInteger, false, true},
    {resource::kUpdateResult, Operations::kRead, DataType::kInteger, false, true},
    {resource::kPackageName, Operations::kRead, DataType::kString},
    {resource::kPackageVersion, Operations::kRead, DataType::kString},
    {resource::kProtocolSupport, Operations::kRead, DataType::kInteger, true},
    {resource::kDeliveryMethod, Operations::kRead, DataType::kInteger, false, true},
    {resource::kCancel, Operations::kExecute, DataType::kNone},
    {resource::kLastStateChangeTime, Operations::kRead, DataType::kTime},
};

constexpr uint16_t kObjectId = 5;

// Protocol Support values (/5/0/8).
constexpr uint8_t kProtocolCoap = 0;
constexpr uint8_t kProtocolCoaps = 1;

Value string_value(const char* text) {
    return Value::make_bytes(DataType::kString,
                             {reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
}

const char* state_name(State state) {
    static constexpr const char* kNames[] = {"Idle", "Downloading", "Downloaded", "Updating"};
    return kNames[static_cast<uint8_t>(state)];
}

}  // namespace

FirmwareUpdate::FirmwareUpdate(fw::PackageHandler& handler, const fw::Options& options)
    : Object(kObjectId, kResources, "1.1"), handler_(handler), options_(options) {}

void FirmwareUpdate::attach(Client& client, detail::ClientData& data, Clock& clock,
                            Random& random) {
    client_ = &client;
    data_ = &data;
    clock_ = &clock;
    random_ = &random;
}

// ---- Resources

int32_t FirmwareUpdate::next_instance(int32_t after) const {
    return after < 0 ? 0 : -1;
}

int32_t FirmwareUpdate::next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                               int32_t after) const {
    (void)instance_id;
    if (resource_id != resource::kProtocolSupport) {
        return -1;
    }
    // Instances 0 (CoAP), 1 (CoAPS) and 2 (the downloader's protocol), as
    // far as each is there.
    for (int32_t next = after + 1; next <= 2; ++next) {
        if ((next == 0 && options_.transport != nullptr) ||
            (next == 1 && options_.transport != nullptr && options_.coaps) ||
            (next == 2 && options_.downloader != nullptr)) {
            return next;
        }
    }
    return -1;
}

Status FirmwareUpdate::read(uint16_t instance_id, uint16_t resource_id,
                            uint16_t resource_instance_id, Value& value) {
    if (instance_id != 0) {
        return Status::kNotFound;
    }
    switch (resource_id) {
        case resource::kPackageUri:
            value = string_value(uri_);
            return Status::kOk;
        case resource::kState:
            value = Value::make_integer(static_cast<int64_t>(state_));
            return Status::kOk;
        case resource::kUpdateResult:
            value = Value::make_integer(static_cast<int64_t>(result_));
            return Status::kOk;
        case resource::kPackageName:
            value = string_value(state_ == State::kDownloaded ? handler_.package_name() : "");
            return Status::kOk;
        case resource::kPackageVersion:
            value = string_value(state_ == State::kDownloaded ? handler_.package_version() : "");
            return Status::kOk;
        case resource::kProtocolSupport:
            if (resource_instance_id == 0 || resource_instance_id == 1) {
                value =
                    Value::make_integer(resource_instance_id == 0 ? kProtocolCoap : kProtocolCoaps);
            } else if (resource_instance_id == 2 && options_.downloader != nullptr) {
                value = Value::make_integer(options_.downloader->protocol());
            } else {
                return Status::kNotFound;
            }
            return Status::kOk;
        case resource::kDeliveryMethod: {
            const bool pull = options_.transport != nullptr || options_.downloader != nullptr;
            // 0 pull only, 1 push only, 2 both.
            int64_t method = 1;
            if (pull) {
                method = options_.push ? 2 : 0;
            }
            value = Value::make_integer(method);
            return Status::kOk;
        }
        case resource::kLastStateChangeTime:
            value = Value::make_time(state_changed_s_);
            return Status::kOk;
        default:
            return Status::kNotFound;
    }
}

Status FirmwareUpdate::write(uint16_t instance_id, uint16_t resource_id,
                             uint16_t resource_instance_id, const Value& value) {
    (void)resource_instance_id;
    if (instance_id != 0) {
        return Status::kNotFound;
    }
    if (resource_id == resource::kPackageUri) {
        const std::span<const uint8_t> text = value.bytes;
        if (text.empty()) {
            // An empty Package URI resets the state machine.
            if (state_ == State::kUpdating) {
                return Status::kUnsupported;
            }
            LWM2M_LOG_INFO("Package URI emptied: back to Idle");
            reset(UpdateResult::kInitial);
            return Status::kOk;
        }
        if (text.size() > kMaxUriLength) {
            return Status::kNoSpace;
        }
        char uri[kMaxUriLength + 1];
        std::memcpy(uri, text.data(), text.size());
        uri[text.size()] = '\0';
        return start_pull(uri);
    }
    if (resource_id == resource::kPackage) {
        const std::span<const uint8_t> bytes = value.bytes;
        if (bytes.empty() || (bytes.size() == 1 && bytes[0] == 0)) {
            // An empty Package, or one zero byte, resets the state machine.
            if (state_ == State::kUpdating) {
                return Status::kUnsupported;
            }
            LWM2M_LOG_INFO("Package emptied: back to Idle");
            reset(UpdateResult::kInitial);
            return Status::kOk;
        }
        return push_bytes(0, bytes, true);
    }
    return Status::kUnsupported;
}

Status FirmwareUpdate::write_chunk(uint16_t instance_id, uint16_t resource_id,
                                   uint16_t resource_instance_id, const Value& value, size_t offset,
                                   bool last) {
    (void)resource_instance_id;
    if (instance_id != 0) {
        return Status::kNotFound;
    }
    if (resource_id != resource::kPackage) {
        return Status::kNoSpace;  // only Package takes values longer than one block
    }
    return push_bytes(offset, value.bytes, last);
}

Status FirmwareUpdate::execute(uint16_t instance_id, uint16_t resource_id,
                               std::span<const uint8_t> arguments) {
    (void)arguments;
    if (instance_id != 0) {
        return Status::kNotFound;
    }
    if (resource_id == resource::kUpdate) {
        if (state_ != State::kDownloaded) {
            LWM2M_LOG_WARNING("Update executed in state %s: refused", state_name(state_));
            return Status::kUnsupported;
        }
        LWM2M_LOG_INFO("Update executed: installing the package");
        set_state(State::kUpdating, UpdateResult::kInitial);
        // Saved now, so that a reboot inside apply() finds the Updating state.
        save_state();
        apply_due_ = true;
        return Status::kOk;
    }
    if (resource_id == resource::kCancel) {
        if (state_ == State::kUpdating) {
            return Status::kUnsupported;
        }
        LWM2M_LOG_INFO("Cancel executed in state %s", state_name(state_));
        reset(UpdateResult::kCancelled);
        return Status::kOk;
    }
    return Status::kUnsupported;
}

void FirmwareUpdate::commit_transaction() {}

void FirmwareUpdate::rollback_transaction() {
    // A pushed package whose Write failed or whose Block1 transfer expired.
    if (source_ == Source::kPush && state_ == State::kDownloading) {
        LWM2M_LOG_WARNING("push of the package ended after %lu bytes",
                          static_cast<unsigned long>(received_));
        fail(UpdateResult::kConnectionLost);
    }
}

// ---- State machine

void FirmwareUpdate::set_state(State state, UpdateResult result) {
    if (state != state_) {
        changed_ |= 1u << resource::kState | 1u << resource::kLastStateChangeTime;
        if (state == State::kDownloaded || state_ == State::kDownloaded) {
            changed_ |= 1u << resource::kPackageName | 1u << resource::kPackageVersion;
        }
        state_changed_s_ = clock_ != nullptr ? clock_->real_time_s() : 0;
        LWM2M_LOG_INFO("state %s -> %s, result %u", state_name(state_), state_name(state),
                       static_cast<unsigned>(result));
    }
    if (result != result_) {
        changed_ |= 1u << resource::kUpdateResult;
    }
    state_ = state;
    result_ = result;
    save_due_ = true;
}

void FirmwareUpdate::reset(UpdateResult result) {
    close_download();
    if (source_ == Source::kDownloader && state_ == State::kDownloading) {
        options_.downloader->stop();
    }
    if (state_ != State::kIdle) {
        handler_.cancel();
    }
    source_ = Source::kNone;
    if (uri_[0] != '\0') {
        uri_[0] = '\0';
        changed_ |= 1u << resource::kPackageUri;
    }
    received_ = 0;
    total_ = 0;
    saved_offset_ = 0;
    download_ = {};
    set_state(State::kIdle, result);
}

void FirmwareUpdate::fail(UpdateResult result) {
    LWM2M_LOG_WARNING("firmware download failed after %lu bytes: Update Result %u",
                      static_cast<unsigned long>(received_), static_cast<unsigned>(result));
    reset(result);
}

Status FirmwareUpdate::push_bytes(size_t offset, std::span<const uint8_t> bytes, bool last) {
    if (!options_.push) {
        return Status::kUnsupported;
    }
    if (offset == 0) {
        if (state_ == State::kUpdating ||
            (state_ == State::kDownloading && source_ != Source::kPush)) {
            LWM2M_LOG_WARNING("Package written in state %s: refused", state_name(state_));
            return Status::kUnsupported;
        }
        if (state_ != State::kIdle) {
            handler_.cancel();  // a new package replaces the one held or half received
        }
        if (uri_[0] != '\0') {
            uri_[0] = '\0';
            changed_ |= 1u << resource::kPackageUri;
        }
        received_ = 0;
        total_ = 0;
        source_ = Source::kPush;
        set_state(State::kDownloading, UpdateResult::kInitial);
        const UpdateResult begun = handler_.begin(0);
        if (begun != UpdateResult::kInitial) {
            fail(begun);
            return begun == UpdateResult::kNotEnoughSpace ? Status::kNoSpace
                                                          : Status::kStorageError;
        }
    } else if (source_ != Source::kPush || state_ != State::kDownloading || offset != received_) {
        return Status::kInvalidState;
    }
    if (!bytes.empty()) {
        const UpdateResult written = handler_.write(offset, bytes);
        if (written != UpdateResult::kInitial) {
            fail(written);
            return written == UpdateResult::kNotEnoughSpace ? Status::kNoSpace
                                                            : Status::kStorageError;
        }
        received_ = offset + bytes.size();
    }
    if (last) {
        finish_package();
    }
    return Status::kOk;
}

Status FirmwareUpdate::start_pull(const char* uri) {
    if (state_ == State::kDownloading || state_ == State::kUpdating) {
        LWM2M_LOG_WARNING("Package URI written in state %s: refused", state_name(state_));
        return Status::kUnsupported;
    }
    if (state_ == State::kDownloaded) {
        handler_.cancel();
    }
    std::strcpy(uri_, uri);
    changed_ |= 1u << resource::kPackageUri;
    received_ = 0;
    total_ = 0;
    saved_offset_ = 0;
    download_ = {};
    download_.size_exponent = block_size_exponent();
    source_ = Source::kNone;

    fw::PackageUri parts;
    const Status parsed = fw::parse_package_uri(uri_, parts);
    if (parsed == Status::kOk && options_.transport != nullptr &&
        (!parts.secure || options_.coaps)) {
        source_ = Source::kCoap;
    } else if (options_.downloader != nullptr && options_.downloader->supports(uri_)) {
        source_ = Source::kDownloader;
    } else {
        const UpdateResult result = parsed == Status::kInvalidArgument
                                        ? UpdateResult::kInvalidUri
                                        : UpdateResult::kUnsupportedProtocol;
        LWM2M_LOG_WARNING(
            "cannot download '%s': %s", uri_,
            result == UpdateResult::kInvalidUri ? "invalid URI" : "unsupported protocol");
        set_state(State::kIdle, result);
        return Status::kOk;  // the Write succeeded; the Update Result gives the reason nothing
                             // follows
    }
    LWM2M_LOG_INFO("downloading the package from %s", uri_);
    set_state(State::kDownloading, UpdateResult::kInitial);
    const UpdateResult begun = handler_.begin(0);
    if (begun != UpdateResult::kInitial) {
        fail(begun);
        return Status::kOk;
    }
    if (source_ == Source::kDownloader) {
        const UpdateResult started = options_.downloader->start(uri_, 0);
        if (started != UpdateResult::kInitial) {
            fail(started);
        }
    }
    // The CoAP download starts in the next step().
    return Status::kOk;
}

void FirmwareUpdate::finish_package() {
    close_download();
    const UpdateResult checked = handler_.finish();
    if (checked != UpdateResult::kInitial) {
        LWM2M_LOG_WARNING("package of %lu bytes refused by the application",
                          static_cast<unsigned long>(received_));
        fail(checked);
        return;
    }
    LWM2M_LOG_INFO("package of %lu bytes downloaded", static_cast<unsigned long>(received_));
    total_ = received_;
    set_state(State::kDownloaded, UpdateResult::kInitial);
    // Saved before the response to the last block goes out, so that the
    // server never learns of a package that a reboot would lose.
    save_due_ = false;
    save_state();
}

void FirmwareUpdate::update_finished(UpdateResult result) {
    if (state_ != State::kUpdating) {
        return;
    }
    if (result == UpdateResult::kSuccess) {
        LWM2M_LOG_INFO("firmware updated");
        source_ = Source::kNone;
        set_state(State::kIdle, UpdateResult::kSuccess);
    } else if (result == UpdateResult::kIntegrityFailure ||
               result == UpdateResult::kUnsupportedPackage) {
        // The package is of no use: drop it.
        LWM2M_LOG_WARNING("update failed: the package is unusable (Update Result %u)",
                          static_cast<unsigned>(result));
        reset(result);
    } else {
        // The package stays, so the server may execute Update again.
        LWM2M_LOG_WARNING("update failed");
        set_state(State::kDownloaded, UpdateResult::kUpdateFailed);
    }
}

Status FirmwareUpdate::downloaded_bytes(size_t offset, std::span<const uint8_t> bytes) {
    if (source_ != Source::kDownloader || state_ != State::kDownloading || offset != received_) {
        return Status::kInvalidState;
    }
    const UpdateResult written = handler_.write(offset, bytes);
    if (written != UpdateResult::kInitial) {
        fail(written);
        return Status::kOk;
    }
    received_ += bytes.size();
    progress_saved(received_);
    return Status::kOk;
}

void FirmwareUpdate::download_finished(UpdateResult result) {
    if (source_ != Source::kDownloader || state_ != State::kDownloading) {
        return;
    }
    if (result != UpdateResult::kInitial) {
        fail(result);
        return;
    }
    finish_package();
}

void FirmwareUpdate::progress_saved(size_t received) {
    if (received - saved_offset_ >= options_.save_interval_bytes) {
        saved_offset_ = received;
        save_due_ = true;
    }
}

// ---- Timed work

void FirmwareUpdate::step(uint64_t now_ms) {
    if (!loaded_) {
        loaded_ = true;
        load_state();
    }
    if (apply_due_) {
        apply_due_ = false;
        const UpdateResult applied = handler_.apply();
        if (applied != UpdateResult::kInitial) {
            update_finished(applied);
        }
    }
    if (source_ == Source::kCoap && state_ == State::kDownloading) {
        step_download(now_ms);
    }
    if (save_due_) {
        save_due_ = false;
        save_state();
    }
    // Reported here rather than inside the callbacks, so that an
    // observation's evaluation never runs in the middle of a request.
    const uint16_t changed = changed_;
    changed_ = 0;
    for (uint16_t id = 0; id < 16 && client_ != nullptr; ++id) {
        if ((changed & (1u << id)) != 0) {
            client_->value_changed(Path::resource(kObjectId, 0, id));
        }
    }
}

uint64_t FirmwareUpdate::next_step_ms() const {
    if (!loaded_ || apply_due_ || save_due_ || changed_ != 0) {
        return 0;
    }
    if (source_ == Source::kCoap && state_ == State::kDownloading) {
        return download_.deadline_ms;
    }
    return UINT64_MAX;
}

// ---- Persistence

void FirmwareUpdate::save_state() {
    Storage* storage = data_ != nullptr ? data_->config.storage : nullptr;
    if (storage == nullptr) {
        return;
    }
    fw::SavedState saved;
    saved.state = static_cast<uint8_t>(state_);
    saved.result = static_cast<uint8_t>(result_);
    saved.source = static_cast<uint8_t>(source_);
    saved.size_exponent = download_.size_exponent;
    saved.etag_length = download_.etag_length;
    std::memcpy(saved.etag, download_.etag, sizeof(saved.etag));
    saved.offset = static_cast<uint32_t>(saved_offset_);
    saved.changed_s = state_changed_s_;
    saved.uri = uri_;
    uint8_t buffer[fw::kMaxSavedStateSize];
    const size_t length = fw::encode_state(saved, buffer);
    const Status written =
        storage->write(options_.state_name, std::as_bytes(std::span(buffer, length)));
    if (written != Status::kOk) {
        LWM2M_LOG_ERROR("cannot save the firmware update state: %s", to_string(written));
    }
}

void FirmwareUpdate::load_state() {
    Storage* storage = data_ != nullptr ? data_->config.storage : nullptr;
    if (storage == nullptr) {
        return;
    }
    uint8_t buffer[fw::kMaxSavedStateSize];
    const Result<size_t> read =
        storage->read(options_.state_name, std::as_writable_bytes(std::span(buffer)));
    if (!read.ok()) {
        if (read.status() != Status::kNotFound) {
            LWM2M_LOG_ERROR("cannot read the firmware update state: %s", to_string(read.status()));
        }
        return;
    }
    fw::SavedState saved;
    if (!fw::decode_state(std::span(buffer, read.value()), saved, uri_)) {
        LWM2M_LOG_ERROR("firmware update state '%s' is corrupt: starting from Idle",
                        options_.state_name);
        return;
    }
    state_ = static_cast<State>(saved.state);
    result_ = static_cast<UpdateResult>(saved.result);
    source_ = static_cast<Source>(saved.source);
    state_changed_s_ = saved.changed_s;
    download_.size_exponent = saved.size_exponent;
    download_.etag_length = saved.etag_length;
    std::memcpy(download_.etag, saved.etag, sizeof(download_.etag));
    LWM2M_LOG_INFO("firmware update state loaded: %s, result %u", state_name(state_),
                   static_cast<unsigned>(result_));
    switch (state_) {
        case State::kUpdating:
            // The device restarted during the update: ask how it went.
            update_finished(handler_.update_outcome() == UpdateResult::kSuccess
                                ? UpdateResult::kSuccess
                                : UpdateResult::kUpdateFailed);
            if (state_ == State::kDownloaded) {
                // After a failed update across a reboot, the package is no longer trusted.
                reset(UpdateResult::kUpdateFailed);
            }
            break;
        case State::kDownloading: {
            if (source_ == Source::kPush) {
                // A push cannot continue: the server starts it again.
                fail(UpdateResult::kConnectionLost);
                break;
            }
            if ((source_ == Source::kCoap && options_.transport == nullptr) ||
                (source_ == Source::kDownloader && options_.downloader == nullptr)) {
                fail(UpdateResult::kConnectionLost);
                break;
            }
            const UpdateResult begun = handler_.begin(saved.offset);
            if (begun != UpdateResult::kInitial) {
                fail(begun);
                break;
            }
            received_ = saved.offset;
            saved_offset_ = saved.offset;
            LWM2M_LOG_INFO("resuming the download of %s at byte %lu", uri_,
                           static_cast<unsigned long>(received_));
            if (source_ == Source::kDownloader) {
                const UpdateResult started = options_.downloader->start(uri_, received_);
                if (started != UpdateResult::kInitial) {
                    fail(started);
                }
            }
            break;
        }
        default:
            break;
    }
}

}  // namespace lwm2m
