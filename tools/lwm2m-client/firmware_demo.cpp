#include "firmware_demo.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace demo {
namespace {

// Maximum length of a blob name in lwm2m::Storage.
constexpr size_t kMaxStorageNameLength = 32;

}  // namespace

void add_firmware_options(CLI::App& app, FirmwareCommandLine& options) {
    const char* const kGroup = "Firmware Update (object /5, added with --firmware-dir)";
    app.add_option("--firmware-dir", options.directory,
                   "Adds the Firmware Update object (/5). A package, written into Package "
                   "(/5/0/0) or pulled from the coap:// or coaps:// URI written to Package URI "
                   "(/5/0/1), is stored in DIR/package.bin, and Execute Update (/5/0/2) "
                   "installs it by renaming it to DIR/installed.bin. A package must end with "
                   "the CRC-32 (IEEE 802.3, as zlib.crc32 computes it) of all bytes before "
                   "it, as 4 bytes little-endian. A coaps:// pull uses the credentials of the "
                   "coaps:// server account. The directory is created if missing. The "
                   "download state is kept in the --state-file directory, as STATE_FILE.fw; "
                   "without --state-file a restart neither resumes a download nor reports "
                   "the result of an update")
        ->type_name("DIR")
        ->group(kGroup);
    app.add_option("--firmware-block-size", options.block_size,
                   "Block size requested in the Block2 GETs of a pull, in bytes")
        ->capture_default_str()
        ->check(CLI::IsMember({16u, 32u, 64u, 128u, 256u, 512u, 1024u}))
        ->group(kGroup);
    app.add_option("--firmware-attempts", options.attempts,
                   "Attempts to fetch a block before the pull ends with Connection lost "
                   "(Update Result 4). Each attempt is one confirmable GET with its "
                   "retransmissions (--ack-timeout-ms, --max-retransmit)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 255u))
        ->group(kGroup);
    app.add_option("--firmware-retry-delay", options.retry_delay_s,
                   "Seconds between the first and the second attempt, doubled before each "
                   "further one, at most 600")
        ->capture_default_str()
        ->check(CLI::Range(0u, 600u))
        ->group(kGroup);
    app.add_option("--firmware-save-interval", options.save_interval_bytes,
                   "Bytes between two saves of a pull's offset, from which a restart resumes. "
                   "package.bin is flushed to disk (fdatasync) at the same interval. 0 saves "
                   "after every block")
        ->capture_default_str()
        ->group(kGroup);
    app.add_flag("--firmware-reboot", options.reboot,
                 "Simulates a reboot into the new image: after Execute Update renamed the "
                 "package, exit with status 0 at once, without De-register. Restarted with "
                 "the same --state-file, the client reports the result of the update")
        ->group(kGroup);
    app.add_flag("--firmware-fail-update", options.fail_update,
                 "Simulates a failed update (Update Result 8). Without --firmware-reboot the "
                 "package stays for another Execute Update and installed.bin is left as it "
                 "was; with it, the restarted client reports the failure if it also has "
                 "this flag")
        ->group(kGroup);
    app.add_flag("--firmware-no-push", options.no_push,
                 "Rejects packages written into Package (/5/0/0): pulls only")
        ->group(kGroup);
}

std::string FirmwareDemo::add_to(lwm2m::Client& client, const FirmwareCommandLine& options,
                                 lwm2m::net::Transport& transport, bool coaps,
                                 const std::string& client_state_name) {
    std::error_code error;
    std::filesystem::create_directories(options.directory, error);
    if (!std::filesystem::is_directory(options.directory)) {
        return "--firmware-dir " + options.directory + " is not a directory" +
               (error ? ": " + error.message() : "");
    }
    // Named after the client's state, so that two clients with their own
    // state files in one directory keep apart. Without storage it is unused.
    state_name_ = client_state_name.empty() ? "lwm2m-fw" : client_state_name + ".fw";
    if (state_name_.size() > kMaxStorageNameLength) {
        return "the firmware update state " + state_name_ +
               " needs a --state-file name of at most " +
               std::to_string(kMaxStorageNameLength - 3) + " characters";
    }

    lwm2m::fw::Options settings;
    settings.transport = &transport;
    settings.coaps = coaps;
    settings.block_size = static_cast<uint16_t>(options.block_size);
    settings.state_name = state_name_.c_str();
    settings.save_interval_bytes = options.save_interval_bytes;
    settings.attempts = static_cast<uint8_t>(options.attempts);
    settings.retry_delay_s = static_cast<uint16_t>(options.retry_delay_s);
    settings.push = !options.no_push;
    handler_ =
        std::make_unique<FilePackageHandler>(options.directory, options.save_interval_bytes,
                                             InstallBehaviour{options.reboot, options.fail_update});
    object_ = std::make_unique<lwm2m::FirmwareUpdate>(*handler_, settings);
    if (client.add_object(*object_) != lwm2m::Status::kOk) {
        return "cannot add the Firmware Update object (LWM2M_MAX_OBJECTS too small)";
    }

    const bool terminal = isatty(STDERR_FILENO) == 1;
    progress_ = std::make_unique<FirmwareProgress>(terminal);
    if (terminal) {
        lwm2m::log::set_output(FirmwareProgress::log_output);
    }
    return "";
}

void FirmwareDemo::update_progress(uint64_t now_ms) {
    if (object_ != nullptr) {
        progress_->update(object_->state(), object_->progress(), now_ms);
    }
}

}  // namespace demo
