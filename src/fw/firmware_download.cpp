// The pull of a package from a coap:// or coaps:// Package URI: one
// confirmable GET per block with Block2 (RFC 7959, 2.4), retransmitted as RFC
// 7252, 4.2 specifies, on the Firmware Update object's own transport. The ETag of
// the first block must stay the same to the last, and the offset is saved
// every Options::save_interval_bytes so that a reboot resumes the download.
#include <cstring>

#include "coap/message.hpp"
#include "core/account.hpp"
#include "core/context.hpp"
#include "fw/package_uri.hpp"
#include "lwm2m/firmware_update.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("fw");

namespace lwm2m {
namespace {

using fw::State;
using fw::UpdateResult;

namespace code = coap::code;

// A connect() in progress (a DTLS handshake) is repeated this often.
constexpr uint32_t kConnectPollMs = 100;
// Maximum wait between two attempts.
constexpr uint32_t kMaxRetryDelayMs = 600000;
// Datagrams read in one step, so that a flood cannot hold the step up.
constexpr int kMaxDatagramsPerStep = 8;
// Restarts from byte 0 allowed in one download when the package changes.
constexpr uint8_t kMaxRestarts = 3;
// Room for the CoAP header, token and options of a block response.
constexpr size_t kResponseOverhead = 64;
constexpr uint8_t kServiceUnavailable = coap::make_code(5, 3);

uint32_t initial_timeout_ms(const CoapTransmission& coap, Random& random) {
    const uint32_t spread = static_cast<uint32_t>(uint64_t{coap.ack_timeout_ms} *
                                                  (coap.ack_random_factor_percent - 100) / 100);
    return coap.ack_timeout_ms + (spread == 0 ? 0 : random.next_u32() % (spread + 1));
}

// The account whose credentials a coaps:// download uses: the one whose URI
// names the same host and port, else the first server account with security.
const detail::SecurityInstance* find_credentials(const detail::ClientData& data,
                                                 const fw::PackageUri& parts) {
    const detail::SecurityInstance* fallback = nullptr;
    for (const detail::SecurityInstance& account : data.security) {
        if (account.id == detail::kNoInstance ||
            account.security_mode == detail::kSecurityModeNoSec) {
            continue;
        }
        char host[LWM2M_MAX_URI_LENGTH + 1];
        uint16_t port = 0;
        bool secure = false;
        if (core::parse_server_uri(account.uri, host, port, &secure) == Status::kOk && secure &&
            port == parts.port && std::strcmp(host, parts.host) == 0) {
            return &account;
        }
        if (fallback == nullptr && !account.bootstrap_server) {
            fallback = &account;
        }
    }
    return fallback;
}

void send_empty(net::Transport& transport, coap::Type type, uint16_t message_id) {
    uint8_t message[4];
    coap::MessageWriter writer(message);
    writer.header(type, code::kEmpty, message_id, {});
    (void)transport.send(std::as_bytes(writer.bytes()));
}

void send_empty_ack(net::Transport& transport, uint16_t message_id) {
    send_empty(transport, coap::Type::kAcknowledgement, message_id);
}

}  // namespace

uint8_t FirmwareUpdate::block_size_exponent() const {
    // The largest block of at most Options::block_size that fits the in buffer.
    uint8_t exponent = 6;
    while (exponent > 0 && ((size_t{16} << exponent) > options_.block_size ||
                            (size_t{16} << exponent) + kResponseOverhead > LWM2M_IN_BUFFER_SIZE)) {
        --exponent;
    }
    return exponent;
}

bool FirmwareUpdate::open_download(uint64_t now_ms) {
    fw::PackageUri parts;
    if (fw::parse_package_uri(uri_, parts) != Status::kOk) {
        fail(UpdateResult::kInvalidUri);
        return false;
    }
    net::Transport& transport = *options_.transport;
    if (!transport_created_) {
        const Status created = transport.create();
        if (created != Status::kOk) {
            LWM2M_LOG_ERROR("download transport create failed: %s", to_string(created));
            fail(UpdateResult::kConnectionLost);
            return false;
        }
        transport_created_ = true;
    }
    if (transport.state() != net::TransportState::kClosed) {
        (void)transport.close();
    }
    net::SecurityParams params;
    if (parts.secure) {
        const detail::SecurityInstance* account = find_credentials(*data_, parts);
        if (account == nullptr) {
            LWM2M_LOG_ERROR("no credentials for %s: no server account with security", uri_);
            fail(UpdateResult::kUnsupportedProtocol);
            return false;
        }
        params = core::security_params(*account, parts.host);
    }
    const Status secured = transport.set_security(params);
    if (secured != Status::kOk) {
        LWM2M_LOG_ERROR("the download transport cannot use Security Mode %u: %s",
                        static_cast<unsigned>(params.mode), to_string(secured));
        fail(UpdateResult::kUnsupportedProtocol);
        return false;
    }
    download_.open = true;
    download_.connecting = true;
    download_.in_flight = false;
    download_.connect_started_ms = now_ms;
    return true;
}

void FirmwareUpdate::close_download() {
    if (download_.open && options_.transport != nullptr) {
        (void)options_.transport->close();
    }
    download_.open = false;
    download_.connecting = false;
    download_.in_flight = false;
    download_.acknowledged = false;
}

void FirmwareUpdate::retry_download(uint64_t now_ms, const char* reason, uint64_t min_delay_ms) {
    close_download();
    options_.transport->renew_session();
    ++download_.attempt;
    if (download_.attempt >= options_.attempts) {
        LWM2M_LOG_WARNING("download of %s: %s, attempt %u of %u", uri_, reason, download_.attempt,
                          options_.attempts);
        fail(UpdateResult::kConnectionLost);
        return;
    }
    uint64_t delay_ms = uint64_t{options_.retry_delay_s} * 1000 << (download_.attempt - 1);
    if (delay_ms < min_delay_ms) {
        delay_ms = min_delay_ms;
    }
    if (delay_ms > kMaxRetryDelayMs) {
        delay_ms = kMaxRetryDelayMs;
    }
    LWM2M_LOG_WARNING("download of %s: %s at byte %lu, attempt %u of %u, next in %lu ms", uri_,
                      reason, static_cast<unsigned long>(received_), download_.attempt,
                      options_.attempts, static_cast<unsigned long>(delay_ms));
    download_.deadline_ms = now_ms + delay_ms;
}

void FirmwareUpdate::step_download(uint64_t now_ms) {
    const CoapTransmission& coap = data_->config.coap;
    if (!download_.open) {
        if (now_ms < download_.deadline_ms || !open_download(now_ms)) {
            return;
        }
    }
    net::Transport& transport = *options_.transport;
    if (download_.connecting) {
        fw::PackageUri parts;
        (void)fw::parse_package_uri(uri_, parts);  // checked by open_download()
        const Status connected = transport.connect(parts.host, parts.port);
        if (connected == Status::kInProgress || connected == Status::kWouldBlock) {
            if (now_ms - download_.connect_started_ms >= core::max_transmit_wait_ms(coap)) {
                retry_download(now_ms, "connect timed out");
            } else {
                download_.deadline_ms = now_ms + kConnectPollMs;
            }
            return;
        }
        if (connected != Status::kOk) {
            retry_download(now_ms, to_string(connected));
            return;
        }
        download_.connecting = false;
        LWM2M_LOG_DEBUG("download connection to %s:%u from local port %u", parts.host, parts.port,
                        transport.local_port());
    }

    receive_blocks(now_ms);
    if (state_ != State::kDownloading || !download_.open) {
        return;  // finished, failed or waiting for the next attempt
    }
    if (!download_.in_flight) {
        download_.message_id = download_.message_id == 0
                                   ? static_cast<uint16_t>(random_->next_u32() | 1)
                                   : static_cast<uint16_t>(download_.message_id + 1);
        for (uint8_t i = 0; i < LWM2M_TOKEN_LENGTH; ++i) {
            download_.token[i] = static_cast<uint8_t>(random_->next_u32());
        }
        download_.retransmissions = 0;
        download_.acknowledged = false;
        download_.timeout_ms = initial_timeout_ms(coap, *random_);
        download_.deadline_ms = now_ms + download_.timeout_ms;
        download_.in_flight = true;
        send_block_request();
    } else if (now_ms >= download_.deadline_ms) {
        if (download_.acknowledged || download_.retransmissions >= coap.max_retransmit) {
            retry_download(now_ms, "no response");
            return;
        }
        ++download_.retransmissions;
        download_.timeout_ms *= 2;
        download_.deadline_ms = now_ms + download_.timeout_ms;
        send_block_request();
    }
}

void FirmwareUpdate::send_block_request() {
    fw::PackageUri parts;
    (void)fw::parse_package_uri(uri_, parts);
    coap::MessageWriter request(data_->out_buffer);
    request.header(coap::Type::kConfirmable, code::kGet, download_.message_id,
                   {download_.token, LWM2M_TOKEN_LENGTH});
    (void)fw::add_uri_options(parts, request);
    const uint32_t number = static_cast<uint32_t>(received_ >> (download_.size_exponent + 4));
    request.add_uint_option(coap::option::kBlock2, number << 4 | download_.size_exponent);
    if (number == 0) {
        request.add_uint_option(coap::option::kSize2, 0);  // requests the total size
    }
    if (request.overflow()) {
        LWM2M_LOG_ERROR("the GET for %s does not fit LWM2M_OUT_BUFFER_SIZE", uri_);
        fail(UpdateResult::kInvalidUri);
        return;
    }
    const Status sent = options_.transport->send(std::as_bytes(request.bytes()));
    if (sent != Status::kOk) {
        LWM2M_LOG_DEBUG("block request not sent: %s", to_string(sent));
    }
}

void FirmwareUpdate::receive_blocks(uint64_t now_ms) {
    net::Transport& transport = *options_.transport;
    for (int i = 0; i < kMaxDatagramsPerStep && download_.open; ++i) {
        const Result<size_t> received =
            transport.receive(std::as_writable_bytes(std::span(data_->in_buffer)));
        if (!received.ok()) {
            if (received.status() != Status::kWouldBlock) {
                LWM2M_LOG_DEBUG("download receive: %s", to_string(received.status()));
            }
            return;
        }
        coap::Message message;
        if (coap::decode(std::span(data_->in_buffer, received.value()), message) !=
            coap::DecodeResult::kOk) {
            continue;
        }
        const bool ours_by_id =
            message.message_id == download_.message_id &&
            (message.type == coap::Type::kAcknowledgement || message.type == coap::Type::kReset);
        if (message.code == code::kEmpty) {
            if (message.type == coap::Type::kConfirmable) {
                // A CoAP ping (RFC 7252, 4.3) gets a Reset.
                send_empty(transport, coap::Type::kReset, message.message_id);
                continue;
            }
            if (!download_.in_flight || !ours_by_id) {
                continue;
            }
            if (message.type == coap::Type::kReset) {
                retry_download(now_ms, "request reset by the server");
                return;
            }
            // An empty ACK: the block comes in a separate response. The wait
            // starts at the first one, so that copies cannot make it endless.
            if (!download_.acknowledged) {
                download_.acknowledged = true;
                download_.deadline_ms = now_ms + core::exchange_lifetime_ms(data_->config.coap);
            }
            continue;
        }
        if (message.type == coap::Type::kConfirmable && download_.has_acked_response &&
            message.message_id == download_.acked_message_id) {
            // RFC 7252, 4.5: a duplicate of a CON response is acknowledged
            // again, but processed only once.
            send_empty_ack(transport, message.message_id);
            continue;
        }
        if (!message.is_response() || !download_.in_flight ||
            message.token_length != LWM2M_TOKEN_LENGTH ||
            std::memcmp(message.token, download_.token, LWM2M_TOKEN_LENGTH) != 0 ||
            (message.type == coap::Type::kAcknowledgement && !ours_by_id)) {
            // RFC 7252, 4.2: a CON message the client cannot process, such as
            // a response to an earlier exchange, is rejected with a Reset.
            if (message.type == coap::Type::kConfirmable) {
                send_empty(transport, coap::Type::kReset, message.message_id);
            }
            continue;
        }
        if (message.type == coap::Type::kConfirmable) {
            send_empty_ack(transport, message.message_id);
            download_.has_acked_response = true;
            download_.acked_message_id = message.message_id;
        }
        download_.in_flight = false;
        download_.acknowledged = false;
        handle_block(message, now_ms);
        // The next block is requested by step_download(), once per step.
        return;
    }
}

void FirmwareUpdate::handle_block(const coap::Message& message, uint64_t now_ms) {
    if (message.code != code::kContent) {
        const bool incomplete =
            message.code == code::kBadOption || message.code == code::kRequestEntityIncomplete;
        if (incomplete && received_ > 0) {
            // The package is shorter than where we are: it changed.
            LWM2M_LOG_WARNING("block at byte %lu refused (%u.%02u): downloading from the start",
                              static_cast<unsigned long>(received_), message.code >> 5,
                              message.code & 31);
            restart_download();
            return;
        }
        if (coap::code_class(message.code) == 5) {
            // RFC 7252, 5.9.3.4: the Max-Age of a 5.03 is the number of
            // seconds after which to retry.
            uint32_t max_age_s = 0;
            if (message.code == kServiceUnavailable) {
                (void)message.find_uint(coap::option::kMaxAge, max_age_s);
            }
            retry_download(now_ms, "server error", uint64_t{max_age_s} * 1000);
            return;
        }
        LWM2M_LOG_WARNING("GET %s answered %u.%02u", uri_, message.code >> 5, message.code & 31);
        fail(UpdateResult::kInvalidUri);
        return;
    }

    uint32_t number = 0;
    uint8_t exponent = download_.size_exponent;
    bool more = false;
    uint32_t block = 0;
    if (message.find_uint(coap::option::kBlock2, block, 3)) {
        number = block >> 4;
        more = (block & 0x8) != 0;
        exponent = static_cast<uint8_t>(block & 0x7);
        // RFC 7959, 2.4: the server uses the block size of the request or a
        // smaller one. This also rejects the reserved SZX 7 (RFC 7959, 2.2).
        if (exponent > download_.size_exponent) {
            retry_download(now_ms, "block larger than requested");
            return;
        }
    } else if (message.find(coap::option::kBlock2) != nullptr) {
        // Longer than the 3 bytes of RFC 7959, 2.2. Block2 is critical, so a
        // response with a value this client cannot read is rejected (RFC
        // 7252, 5.4.1), not read as a whole package without Block2.
        retry_download(now_ms, "Block2 longer than 3 bytes");
        return;
    }
    const size_t offset = size_t{number} << (exponent + 4);
    if (offset != received_) {
        // The response to this GET has another block. It ends the attempt,
        // because asking again at once would let a server that always
        // responds with another block keep the download going forever.
        LWM2M_LOG_DEBUG("block at byte %lu, expected byte %lu", static_cast<unsigned long>(offset),
                        static_cast<unsigned long>(received_));
        retry_download(now_ms, "another block than requested");
        return;
    }
    const size_t block_size = size_t{16} << exponent;
    if (more && message.payload.size() != block_size) {
        retry_download(now_ms, "short block");
        return;
    }
    // Only a response without Block2 may be longer: it has the whole package.
    if (message.payload.size() > block_size && message.find(coap::option::kBlock2) != nullptr) {
        retry_download(now_ms, "last block longer than its size");
        return;
    }

    const coap::Option* etag = message.find(coap::option::kETag);
    const size_t etag_length = etag != nullptr ? etag->value.size() : 0;
    if (etag_length > sizeof(download_.etag)) {
        retry_download(now_ms, "ETag longer than 8 bytes");
        return;
    }
    const bool same_etag =
        etag_length == download_.etag_length &&
        (etag_length == 0 || std::memcmp(etag->value.data(), download_.etag, etag_length) == 0);
    if (received_ > 0 && !same_etag) {
        LWM2M_LOG_WARNING(
            "the package changed on the server (new ETag) at byte %lu: "
            "downloading it from the start",
            static_cast<unsigned long>(received_));
        restart_download();
        return;
    }
    if (received_ == 0) {
        download_.etag_length = static_cast<uint8_t>(etag_length);
        if (etag_length > 0) {
            std::memcpy(download_.etag, etag->value.data(), etag_length);
        }
    }
    uint32_t size = 0;
    if (message.find_uint(coap::option::kSize2, size)) {
        total_ = size;
    }

    download_.size_exponent = exponent;
    download_.attempt = 0;
    if (!message.payload.empty()) {
        const UpdateResult written = handler_.write(received_, message.payload);
        if (written != UpdateResult::kInitial) {
            fail(written);
            return;
        }
        received_ += message.payload.size();
    }
    if (!more) {
        finish_package();
        return;
    }
    progress_saved(received_);
}

void FirmwareUpdate::restart_download() {
    if (++download_.restarts > kMaxRestarts) {
        LWM2M_LOG_WARNING("the package changed %u times during the download: giving up",
                          download_.restarts);
        fail(UpdateResult::kConnectionLost);
        return;
    }
    handler_.cancel();
    const UpdateResult begun = handler_.begin(0);
    if (begun != UpdateResult::kInitial) {
        fail(begun);
        return;
    }
    received_ = 0;
    saved_offset_ = 0;
    total_ = 0;
    download_.etag_length = 0;
    save_due_ = true;
}

}  // namespace lwm2m
