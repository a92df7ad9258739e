// The demo client's Firmware Update object: its options (--firmware-*), and
// the object with its package handler and progress display.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "firmware_files.hpp"
#include "firmware_progress.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/firmware_update.hpp"

namespace demo {

/// The Firmware Update options of the command line. The object is added only
/// with --firmware-dir.
struct FirmwareCommandLine {
    std::string directory;
    // Unsigned int rather than the option's uint8_t or uint16_t, which CLI11
    // would show as a character or check against the wrong range.
    unsigned block_size = 1024;
    unsigned attempts = 6;
    unsigned retry_delay_s = 5;
    uint32_t save_interval_bytes = 8192;
    bool reboot = false;
    bool fail_update = false;
    bool no_push = false;
};

/// Adds the Firmware Update options to `app`, in their own group of the help text.
void add_firmware_options(CLI::App& app, FirmwareCommandLine& options);

/// The Firmware Update object of the demo, with the package handler on files
/// and the progress display. It must outlive the client, like the client's
/// other objects.
class FirmwareDemo {
  public:
    /// Creates the firmware directory if missing and adds the object to
    /// `client`. It pulls packages over `transport`, which does DTLS if
    /// `coaps`, and keeps its state in ClientConfig::storage under
    /// `client_state_name` + ".fw" (`client_state_name` is the blob of the
    /// client's own state, "" without storage). Returns an error message, or
    /// "" on success.
    std::string add_to(lwm2m::Client& client, const FirmwareCommandLine& options,
                       lwm2m::net::Transport& transport, bool coaps,
                       const std::string& client_state_name);

    /// Updates the progress display; call after each Client::step().
    void update_progress(uint64_t now_ms);

  private:
    std::string state_name_;
    std::unique_ptr<FilePackageHandler> handler_;
    std::unique_ptr<lwm2m::FirmwareUpdate> object_;
    std::unique_ptr<FirmwareProgress> progress_;
};

}  // namespace demo
