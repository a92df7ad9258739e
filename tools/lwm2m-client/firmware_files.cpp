#include "firmware_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "lwm2m/log.hpp"

namespace demo {
namespace {

using lwm2m::LogLevel;
using lwm2m::fw::UpdateResult;

constexpr const char kLogModule[] = "fw-demo";
constexpr size_t kTrailerSize = 4;

// CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320), the one zlib's
// crc32() computes, table-driven.
constexpr std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t value = i;
        for (int bit = 0; bit < 8; ++bit) {
            value = (value & 1) != 0 ? 0xEDB88320u ^ (value >> 1) : value >> 1;
        }
        table[i] = value;
    }
    return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

// Continues a CRC: start with 0, pass the result of the previous call.
uint32_t crc32_update(uint32_t crc, std::span<const uint8_t> bytes) {
    crc = ~crc;
    for (const uint8_t byte : bytes) {
        crc = kCrcTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

// The CRC of a package file: `computed` over all bytes but the trailer, and
// `trailer` as stored.
struct PackageCrc {
    size_t size = 0;
    uint32_t computed = 0;
    uint32_t trailer = 0;
};

// Reads the file open as `fd` to the end. Returns nullopt if a read fails, or
// a PackageCrc with only `size` set if the file is too short for a trailer.
std::optional<PackageCrc> read_package_crc(int fd) {
    struct stat status {};
    if (fstat(fd, &status) != 0) {
        return std::nullopt;
    }
    PackageCrc result;
    result.size = static_cast<size_t>(status.st_size);
    if (result.size <= kTrailerSize) {
        return result;
    }
    const size_t content_size = result.size - kTrailerSize;
    uint8_t buffer[16384];
    size_t offset = 0;
    while (offset < result.size) {
        const ssize_t count = pread(fd, buffer, sizeof(buffer), static_cast<off_t>(offset));
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            return std::nullopt;
        }
        const size_t length = static_cast<size_t>(count);
        // The part of this chunk before the trailer, and the trailer bytes in it.
        const size_t content = offset < content_size ? std::min(length, content_size - offset) : 0;
        result.computed = crc32_update(result.computed, {buffer, content});
        for (size_t i = content; i < length; ++i) {
            const size_t trailer_index = offset + i - content_size;
            result.trailer |= uint32_t{buffer[i]} << (8 * trailer_index);
        }
        offset += length;
    }
    return result;
}

std::optional<PackageCrc> read_package_crc(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    const std::optional<PackageCrc> result = read_package_crc(fd);
    close(fd);
    return result;
}

UpdateResult result_for_errno(int error) {
    return error == ENOMEM ? UpdateResult::kOutOfRam : UpdateResult::kNotEnoughSpace;
}

// Makes a rename or a new file in `directory` durable.
void sync_directory(const std::string& directory) {
    const int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

}  // namespace

FilePackageHandler::FilePackageHandler(const std::string& directory, uint32_t sync_interval_bytes,
                                       InstallBehaviour behaviour)
    : directory_(directory),
      package_path_(directory + "/package.bin"),
      installed_path_(directory + "/installed.bin"),
      sync_interval_bytes_(sync_interval_bytes),
      behaviour_(behaviour) {}

FilePackageHandler::~FilePackageHandler() {
    close_package();
}

void FilePackageHandler::close_package() {
    if (fd_ >= 0) {
        close(fd_);
        fd_ = -1;
    }
}

UpdateResult FilePackageHandler::begin(size_t resume_offset) {
    close_package();
    version_[0] = '\0';
    unsynced_bytes_ = 0;
    fd_ = open(package_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        const int error = errno;
        lwm2m::log::write(LogLevel::kError, kLogModule, "cannot open %s: %s", package_path_.c_str(),
                          std::strerror(error));
        return result_for_errno(error);
    }

    struct stat status {};
    if (fstat(fd_, &status) != 0) {
        const int error = errno;
        lwm2m::log::write(LogLevel::kError, kLogModule, "cannot stat %s: %s", package_path_.c_str(),
                          std::strerror(error));
        close_package();
        return result_for_errno(error);
    }
    // Bytes lost in a power cut after the library saved the offset: the
    // download cannot go on from there.
    if (static_cast<size_t>(status.st_size) < resume_offset) {
        lwm2m::log::write(
            LogLevel::kError, kLogModule, "%s has %lld bytes, fewer than the %zu to resume from",
            package_path_.c_str(), static_cast<long long>(status.st_size), resume_offset);
        close_package();
        return UpdateResult::kIntegrityFailure;
    }

    if (ftruncate(fd_, static_cast<off_t>(resume_offset)) != 0 || fsync(fd_) != 0) {
        const int error = errno;
        lwm2m::log::write(LogLevel::kError, kLogModule, "cannot truncate %s to %zu bytes: %s",
                          package_path_.c_str(), resume_offset, std::strerror(error));
        close_package();
        return result_for_errno(error);
    }
    sync_directory(directory_);

    if (resume_offset > 0) {
        lwm2m::log::write(LogLevel::kInfo, kLogModule, "%s kept up to byte %zu",
                          package_path_.c_str(), resume_offset);
    }
    return UpdateResult::kInitial;
}

UpdateResult FilePackageHandler::write(size_t offset, std::span<const uint8_t> bytes) {
    if (fd_ < 0) {
        lwm2m::log::write(LogLevel::kError, kLogModule, "write at byte %zu: %s is not open", offset,
                          package_path_.c_str());
        return UpdateResult::kNotEnoughSpace;
    }
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t count = pwrite(fd_, bytes.data() + written, bytes.size() - written,
                                     static_cast<off_t>(offset + written));
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            const int error = count < 0 ? errno : ENOSPC;
            lwm2m::log::write(LogLevel::kError, kLogModule, "cannot write %s at byte %zu: %s",
                              package_path_.c_str(), offset + written, std::strerror(error));
            return result_for_errno(error);
        }
        written += static_cast<size_t>(count);
    }
    unsynced_bytes_ += bytes.size();
    if (unsynced_bytes_ >= sync_interval_bytes_) {
        if (fdatasync(fd_) != 0) {
            const int error = errno;
            lwm2m::log::write(LogLevel::kError, kLogModule, "fdatasync of %s failed: %s",
                              package_path_.c_str(), std::strerror(error));
            return result_for_errno(error);
        }
        unsynced_bytes_ = 0;
    }
    return UpdateResult::kInitial;
}

UpdateResult FilePackageHandler::finish() {
    if (fd_ < 0 || fsync(fd_) != 0) {
        lwm2m::log::write(LogLevel::kError, kLogModule, "cannot sync %s", package_path_.c_str());
        close_package();
        return UpdateResult::kNotEnoughSpace;
    }
    const std::optional<PackageCrc> crc = read_package_crc(fd_);
    close_package();
    if (!crc) {
        lwm2m::log::write(LogLevel::kError, kLogModule, "cannot read %s back",
                          package_path_.c_str());
        return UpdateResult::kNotEnoughSpace;
    }
    if (crc->size <= kTrailerSize) {
        lwm2m::log::write(LogLevel::kWarning, kLogModule,
                          "package of %zu bytes is too short for its 4-byte CRC-32 trailer",
                          crc->size);
        return UpdateResult::kUnsupportedPackage;
    }
    if (crc->computed != crc->trailer) {
        lwm2m::log::write(LogLevel::kWarning, kLogModule,
                          "package of %zu bytes: CRC-32 %08x, but its trailer says %08x", crc->size,
                          crc->computed, crc->trailer);
        return UpdateResult::kIntegrityFailure;
    }
    std::snprintf(version_, sizeof(version_), "%08x", crc->computed);
    lwm2m::log::write(LogLevel::kInfo, kLogModule, "package of %zu bytes checked, CRC-32 %s",
                      crc->size, version_);
    return UpdateResult::kInitial;
}

UpdateResult FilePackageHandler::apply() {
    if (behaviour_.fail && !behaviour_.reboot) {
        // A failed install leaves the installed image alone and keeps the
        // package for another Update.
        lwm2m::log::write(LogLevel::kWarning, kLogModule,
                          "update failed (--firmware-fail-update): %s kept", package_path_.c_str());
        return UpdateResult::kUpdateFailed;
    }
    if (std::rename(package_path_.c_str(), installed_path_.c_str()) != 0) {
        lwm2m::log::write(LogLevel::kError, kLogModule, "cannot rename %s to %s: %s",
                          package_path_.c_str(), installed_path_.c_str(), std::strerror(errno));
        return UpdateResult::kUpdateFailed;
    }
    sync_directory(directory_);
    version_[0] = '\0';
    lwm2m::log::write(LogLevel::kInfo, kLogModule, "package installed as %s",
                      installed_path_.c_str());
    if (behaviour_.reboot) {
        // Like a power cut right after the install: no De-register, no cleanup.
        lwm2m::log::write(LogLevel::kInfo, kLogModule,
                          "rebooting into the new image: exiting with status 0");
        std::fflush(stderr);
        std::_Exit(0);
    }
    return UpdateResult::kSuccess;
}

void FilePackageHandler::cancel() {
    close_package();
    version_[0] = '\0';
    if (unlink(package_path_.c_str()) != 0 && errno != ENOENT) {
        lwm2m::log::write(LogLevel::kWarning, kLogModule, "cannot remove %s: %s",
                          package_path_.c_str(), std::strerror(errno));
    }
}

UpdateResult FilePackageHandler::update_outcome() {
    if (behaviour_.fail) {
        lwm2m::log::write(LogLevel::kWarning, kLogModule,
                          "the new image failed to start (--firmware-fail-update)");
        return UpdateResult::kUpdateFailed;
    }
    const std::optional<PackageCrc> crc = read_package_crc(installed_path_);
    if (!crc || crc->size <= kTrailerSize || crc->computed != crc->trailer) {
        lwm2m::log::write(LogLevel::kWarning, kLogModule,
                          "%s is missing or fails its CRC-32 check: update failed",
                          installed_path_.c_str());
        return UpdateResult::kUpdateFailed;
    }
    lwm2m::log::write(LogLevel::kInfo, kLogModule, "running the new image, CRC-32 %08x",
                      crc->computed);
    return UpdateResult::kSuccess;
}

const char* FilePackageHandler::package_name() const {
    return "lwm2m-client-demo";
}

const char* FilePackageHandler::package_version() const {
    if (version_[0] == '\0') {
        // After a restart in the Downloaded state only the file is left.
        const std::optional<PackageCrc> crc = read_package_crc(package_path_);
        if (crc && crc->size > kTrailerSize && crc->computed == crc->trailer) {
            std::snprintf(version_, sizeof(version_), "%08x", crc->computed);
        }
    }
    return version_;
}

}  // namespace demo
