// The demo's firmware package handler: it stores a package in a directory and
// "installs" it by renaming the file, so that tests can compare the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lwm2m/firmware_update.hpp"

namespace demo {

/// The outcome of an update that FilePackageHandler simulates.
struct InstallBehaviour {
    /// After the rename, exit the process with status 0 at once, without
    /// De-register, as a device that reboots into the new image.
    bool reboot = false;
    /// The update fails: apply() moves the package back and returns
    /// kUpdateFailed, and update_outcome() returns kUpdateFailed.
    bool fail = false;
};

/// A PackageHandler that writes the package to `directory/package.bin` and
/// installs it by renaming that file to `directory/installed.bin`.
///
/// Package format: the last 4 bytes are the CRC-32 (IEEE 802.3, the CRC of
/// zlib.crc32) of all bytes before them, little-endian. finish() checks it.
///
/// Durability: write() calls fdatasync() each time `sync_interval_bytes` more
/// bytes have arrived, and begin() and finish() call fsync(). With the
/// interval equal to fw::Options::save_interval_bytes, the bytes below each
/// offset that the library saves after an interval are on disk before it is
/// saved, at the cost of one fdatasync() per interval instead of one per block.
/// If the file is still shorter than a saved offset after a power loss,
/// begin() rejects the resume and the download ends with Integrity failure
/// (5). Bytes lost inside the file show as a CRC mismatch in finish().
class FilePackageHandler final : public lwm2m::fw::PackageHandler {
  public:
    /// `directory` must exist.
    FilePackageHandler(const std::string& directory, uint32_t sync_interval_bytes,
                       InstallBehaviour behaviour);
    ~FilePackageHandler();
    FilePackageHandler(const FilePackageHandler&) = delete;
    FilePackageHandler& operator=(const FilePackageHandler&) = delete;

    lwm2m::fw::UpdateResult begin(size_t resume_offset) override;
    lwm2m::fw::UpdateResult write(size_t offset, std::span<const uint8_t> bytes) override;
    lwm2m::fw::UpdateResult finish() override;
    lwm2m::fw::UpdateResult apply() override;
    void cancel() override;
    lwm2m::fw::UpdateResult update_outcome() override;
    const char* package_name() const override;
    const char* package_version() const override;

  private:
    void close_package();

    std::string directory_;
    std::string package_path_;
    std::string installed_path_;
    uint32_t sync_interval_bytes_;
    InstallBehaviour behaviour_;
    int fd_ = -1;
    size_t unsynced_bytes_ = 0;
    // The CRC of package.bin as 8 hex digits, computed on first use after a
    // restart in the Downloaded state.
    mutable char version_[9] = {};
};

}  // namespace demo
