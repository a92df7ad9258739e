// The POSIX FileStorage, in a temporary directory that each test removes.
#include "lwm2m/posix/file_storage.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace lwm2m::posix {
namespace {

std::string make_temporary_directory() {
    char pattern[] = "/tmp/lwm2m-storage-XXXXXX";
    const char* created = ::mkdtemp(pattern);
    EXPECT_NE(created, nullptr);
    return created == nullptr ? "/nonexistent" : created;
}

class FileStorageTest : public ::testing::Test {
  protected:
    ~FileStorageTest() override { std::filesystem::remove_all(directory_); }

    // Initialized before storage_, which keeps a pointer to it.
    std::string directory_ = make_temporary_directory();
    FileStorage storage_{directory_.c_str()};
};

std::span<const std::byte> bytes_of(const char* text) {
    return std::as_bytes(std::span(text, std::strlen(text)));
}

TEST_F(FileStorageTest, WriteThenReadReturnsBytes) {
    ASSERT_EQ(storage_.write("state", bytes_of("hello")), Status::kOk);
    std::byte buffer[16];
    const Result<size_t> read = storage_.read("state", buffer);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), 5u);
    EXPECT_EQ(std::memcmp(buffer, "hello", 5), 0);
    EXPECT_FALSE(std::filesystem::exists(directory_ + "/state.tmp"));
}

TEST_F(FileStorageTest, WriteReplacesOldBytes) {
    ASSERT_EQ(storage_.write("state", bytes_of("first value")), Status::kOk);
    ASSERT_EQ(storage_.write("state", bytes_of("new")), Status::kOk);
    std::byte buffer[16];
    const Result<size_t> read = storage_.read("state", buffer);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), 3u);
    EXPECT_EQ(std::memcmp(buffer, "new", 3), 0);
}

TEST_F(FileStorageTest, MissingBlobNotFound) {
    std::byte buffer[16];
    EXPECT_EQ(storage_.read("state", buffer).status(), Status::kNotFound);
    EXPECT_EQ(storage_.remove("state"), Status::kNotFound);
}

TEST_F(FileStorageTest, ShortBufferTooLarge) {
    ASSERT_EQ(storage_.write("state", bytes_of("hello")), Status::kOk);
    std::byte buffer[4];
    EXPECT_EQ(storage_.read("state", buffer).status(), Status::kMessageTooLarge);
    std::byte exact[5];
    EXPECT_TRUE(storage_.read("state", exact).ok());
}

TEST_F(FileStorageTest, EmptyBlobReadsZeroBytes) {
    ASSERT_EQ(storage_.write("state", {}), Status::kOk);
    std::byte buffer[4];
    const Result<size_t> read = storage_.read("state", buffer);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), 0u);
}

TEST_F(FileStorageTest, RemoveDeletesBlob) {
    ASSERT_EQ(storage_.write("state", bytes_of("x")), Status::kOk);
    EXPECT_EQ(storage_.remove("state"), Status::kOk);
    std::byte buffer[4];
    EXPECT_EQ(storage_.read("state", buffer).status(), Status::kNotFound);
}

TEST_F(FileStorageTest, StaleTemporaryFileIgnored) {
    ASSERT_EQ(storage_.write("state", bytes_of("old")), Status::kOk);
    // A crash between creating the temporary file and the rename leaves it behind.
    std::ofstream(directory_ + "/state.tmp") << "partial";
    std::byte buffer[16];
    const Result<size_t> read = storage_.read("state", buffer);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), 3u);
    ASSERT_EQ(storage_.write("state", bytes_of("next")), Status::kOk);
    EXPECT_FALSE(std::filesystem::exists(directory_ + "/state.tmp"));
}

TEST_F(FileStorageTest, InvalidNamesRejected) {
    std::byte buffer[4];
    for (const char* name :
         {"", "../state", "a/b", ".hidden", "with space", "a-name-that-is-longer-than-32-chars"}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(storage_.write(name, bytes_of("x")), Status::kInvalidArgument);
        EXPECT_EQ(storage_.read(name, buffer).status(), Status::kInvalidArgument);
        EXPECT_EQ(storage_.remove(name), Status::kInvalidArgument);
    }
}

TEST_F(FileStorageTest, MissingDirectoryIsStorageError) {
    const std::string absent = directory_ + "/absent";
    FileStorage missing(absent.c_str());
    EXPECT_EQ(missing.write("state", bytes_of("x")), Status::kStorageError);
}

}  // namespace
}  // namespace lwm2m::posix
