// Entry points of the fuzz targets, shared by the libFuzzer executables and by
// the unit test that replays the seed corpus in an ordinary build. Each one
// aborts when it finds a broken invariant.
#pragma once

#include <cstdint>
#include <span>

namespace lwm2m::fuzz {

/// Decodes `input` and, if that succeeds, encodes the message again and checks
/// that the fields and the bytes are unchanged.
void run_coap_decode(std::span<const uint8_t> input);

/// Decodes `input` and, if it is a request, serves it through dm::parse_path()
/// and dm::handle_request(), then through core::handle_server_request() twice
/// to exercise the response cache.
void run_request(std::span<const uint8_t> input);

/// Sends the Write or Create that `input` describes (see block1_write_fuzzer.cpp)
/// to one client as a single request and to another in Block1 blocks, and
/// checks that both commit the same values.
void run_block1_write(std::span<const uint8_t> input);

/// Feeds the datagram sequence that `input` describes (see client_fuzzer.cpp)
/// to a registered client on fake ports.
void run_client(std::span<const uint8_t> input);

/// Feeds the datagram sequence that `input` describes (see bootstrap_fuzzer.cpp)
/// to a client that bootstraps from a Bootstrap-Server, on fake ports and a
/// fake storage.
void run_bootstrap(std::span<const uint8_t> input);

/// Decodes `input` as a persisted client state, and again with its length
/// and checksum made valid; a state that decodes must encode to the same bytes.
void run_state_decoder(std::span<const uint8_t> input);

/// Decodes `input` as a Firmware Update state blob, and again with its CRC
/// made valid. A state that decodes must encode to the same bytes. Parses
/// `input` as a NUL-terminated Package URI and checks the CoAP options that
/// a parsed URI gives.
void run_firmware_state(std::span<const uint8_t> input);

/// Feeds the datagram sequence that `input` describes (see
/// firmware_download_fuzzer.cpp) to a registered client with the Firmware
/// Update object, mostly on the transport of its package download.
void run_firmware_download(std::span<const uint8_t> input);

/// Feeds `input` as the byte stream from a bridge to the SLIP decoder and to
/// a SlipTransport that opens, receives, closes and reopens (see
/// slip_link_fuzzer.cpp).
void run_slip_link(std::span<const uint8_t> input);

}  // namespace lwm2m::fuzz
