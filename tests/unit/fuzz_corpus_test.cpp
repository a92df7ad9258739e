// Replays the fuzz seed corpora through the fuzz targets in an ordinary build.
// A target aborts on a broken invariant, which fails this test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_targets.hpp"
#include "persist/state_store.hpp"

namespace lwm2m::fuzz {
namespace {

std::vector<std::filesystem::path> corpus_files(const char* directory = LWM2M_FUZZ_CORPUS_DIR) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.is_regular_file()) {
            files.push_back(entry.path());
        }
    }
    return files;
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

TEST(Unit, FuzzCorpusIsPresent) {
    EXPECT_GE(corpus_files().size(), 5u) << "corpus directory: " << LWM2M_FUZZ_CORPUS_DIR;
}

TEST(Unit, FuzzCorpusDecodesAndRoundTrips) {
    for (const std::filesystem::path& path : corpus_files()) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_coap_decode(input);
    }
}

TEST(Unit, FuzzCorpusServedAsRequests) {
    for (const std::filesystem::path& path : corpus_files()) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_request(input);
    }
}

TEST(Unit, FuzzCorpusBlock1WritesMatchSingle) {
    const std::vector<std::filesystem::path> files = corpus_files(LWM2M_FUZZ_BLOCK1_CORPUS_DIR);
    EXPECT_GE(files.size(), 5u) << "corpus directory: " << LWM2M_FUZZ_BLOCK1_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_block1_write(input);
    }
}

TEST(Unit, FuzzCorpusClientSequencesRun) {
    const std::vector<std::filesystem::path> files = corpus_files(LWM2M_FUZZ_CLIENT_CORPUS_DIR);
    EXPECT_GE(files.size(), 5u) << "corpus directory: " << LWM2M_FUZZ_CLIENT_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_client(input);
    }
}

TEST(Unit, FuzzCorpusBootstrapSequencesRun) {
    const std::vector<std::filesystem::path> files = corpus_files(LWM2M_FUZZ_BOOTSTRAP_CORPUS_DIR);
    EXPECT_GE(files.size(), 5u) << "corpus directory: " << LWM2M_FUZZ_BOOTSTRAP_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_bootstrap(input);
    }
}

TEST(Unit, FuzzCorpusStatesRoundTrip) {
    const std::vector<std::filesystem::path> files = corpus_files(LWM2M_FUZZ_STATE_CORPUS_DIR);
    EXPECT_GE(files.size(), 3u) << "corpus directory: " << LWM2M_FUZZ_STATE_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        // The seeds are valid states, so they reach the round trip.
        persist::PersistedState state;
        EXPECT_EQ(persist::decode_state(input, state), persist::DecodeError::kNone);
        run_state_decoder(input);
    }
}

TEST(Unit, FuzzCorpusFirmwareStatesAndUrisRun) {
    const std::vector<std::filesystem::path> files =
        corpus_files(LWM2M_FUZZ_FIRMWARE_STATE_CORPUS_DIR);
    EXPECT_GE(files.size(), 5u) << "corpus directory: " << LWM2M_FUZZ_FIRMWARE_STATE_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_firmware_state(input);
    }
}

TEST(Unit, FuzzCorpusFirmwareDownloadsRun) {
    const std::vector<std::filesystem::path> files =
        corpus_files(LWM2M_FUZZ_FIRMWARE_DOWNLOAD_CORPUS_DIR);
    EXPECT_GE(files.size(), 5u) << "corpus directory: " << LWM2M_FUZZ_FIRMWARE_DOWNLOAD_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_firmware_download(input);
    }
}

TEST(Unit, FuzzCorpusSlipLinkStreamsRun) {
    const std::vector<std::filesystem::path> files = corpus_files(LWM2M_FUZZ_SLIP_LINK_CORPUS_DIR);
    EXPECT_GE(files.size(), 5u) << "corpus directory: " << LWM2M_FUZZ_SLIP_LINK_CORPUS_DIR;
    for (const std::filesystem::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<uint8_t> input = read_file(path);

        run_slip_link(input);
    }
}

}  // namespace
}  // namespace lwm2m::fuzz
