// Feeds arbitrary datagrams to the package download of the Firmware Update
// object (/5). A client on fake ports registers and the server writes a
// Package URI. The input then plays the file server on the download
// transport. Some of its datagrams go to the client's server transport
// instead (Writes of /5/0/0 and /5/0/1, Executes of /5/0/2 and /5/0/10),
// and it also moves the clock and reboots the device.
//
// Input format: one settings byte (below), then repeated records of
//   [1 byte clock move][1 byte control][2 bytes length, big-endian][datagram]
// The clock moves first, and the client steps whenever it has timed work
// on the way, as a main loop that sleeps until time_until_next_step_ms()
// would. Then the datagram arrives and the client steps. Clock byte: below
// 200 it moves the clock by that many 100 ms, from 200 by (byte - 199)
// times 10 s, so that retry delays and EXCHANGE_LIFETIME pass in a few
// records. Control bits:
//   0x01  deliver on the server transport instead of the download transport
//   0x02  replace the message ID (bytes 2 and 3) with that of the GET
//   0x04  replace the token with that of the GET, if the datagram's token
//         length is LWM2M_TOKEN_LENGTH
//   0x08  with 0x02 and 0x04: take the GET of the exchange before the last
//   0x10  reboot after the step: a new Client and FirmwareUpdate on the same
//         storage and package handler, as after a power cycle
//   0x20  no step: the datagram arrives in the same step as the next one
//   0x40  the application calls update_finished() before the step, with
//         kUpdateFailed if 0x80 is set too, else kSuccess
// Settings byte:
//   bits 0-2  requested block size: 16 << min(bits, 6) bytes
//   bit 3     PackageHandler::finish() returns kIntegrityFailure
//   bits 4-5  apply() returns kSuccess, kUpdateFailed, kInitial (the update
//             goes on) or kIntegrityFailure
//   bit 6     the offset is saved after every block (else every 1024 bytes)
//   bit 7     write() returns kNotEnoughSpace past 4096 bytes
//
// Checks after every step, each of which aborts when it fails:
// - State (/5/0/3) and Update Result (/5/0/5) are in range;
// - the package handler gets begin() at most at the bytes it holds, then
//   writes that continue exactly where the package ends, and apply() only
//   for a package that finish() accepted;
// - the state is Downloaded only while finish() has accepted the package;
// - while downloading, progress().received is the byte count the handler
//   holds, and a GET sent in the step asks for the block at that offset,
//   with a block size no larger than the one configured;
// - every datagram sent on the download transport decodes as CoAP, and the
//   state saved in storage decodes;
// - a reboot keeps the state: Idle and Downloaded come back with their
//   Update Result, a download resumes at or before the byte it had reached
//   (a pushed one ends in Connection lost), and Updating ends in Idle.
// Seeds: corpus/firmware_download/, written by firmware_download_seeds.py.
// The unit tests compile this file with LWM2M_FUZZ_NO_ENTRY_POINT to replay
// those seeds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "coap/message.hpp"
#include "fakes.hpp"
#include "fuzz_targets.hpp"
#include "fw/firmware_state.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/firmware_update.hpp"
#include "lwm2m/storage.hpp"

namespace {

using lwm2m::Status;
using lwm2m::coap::Message;
using lwm2m::coap::MessageWriter;
using lwm2m::coap::Type;
using lwm2m::fw::State;
using lwm2m::fw::UpdateResult;
using lwm2m::testing::FakeClock;
using lwm2m::testing::FakeTransport;
namespace code = lwm2m::coap::code;
namespace option = lwm2m::coap::option;

constexpr const char* kPackageUri = "coap://fw.example:5690/fw/image.bin?v=2";
constexpr const char* kStateName = "lwm2m-fw";
constexpr int kMaxRecords = 128;
constexpr size_t kRecordHeaderSize = 4;
constexpr size_t kSpaceLimitBytes = 4096;
// Steps for timed work during one clock move, so that a client that always
// has work due cannot hold the run up.
constexpr int kMaxStepsPerMove = 16;

namespace control {
constexpr uint8_t kServer = 0x01;
constexpr uint8_t kPatchMessageId = 0x02;
constexpr uint8_t kPatchToken = 0x04;
constexpr uint8_t kPreviousExchange = 0x08;
constexpr uint8_t kReboot = 0x10;
constexpr uint8_t kSameStep = 0x20;
constexpr uint8_t kUpdateFinished = 0x40;
constexpr uint8_t kUpdateFailed = 0x80;
}  // namespace control

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "firmware download fuzz check failed: %s\n", reason);
    std::abort();
}

void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

uint64_t clock_move_ms(uint8_t value) {
    return value < 200 ? uint64_t{value} * 100 : uint64_t{value - 199u} * 10000;
}

// What the settings byte selects.
struct Settings {
    explicit Settings(uint8_t bits)
        : block_size(static_cast<uint16_t>(16u << ((bits & 7) < 6 ? bits & 7 : 6))),
          finish_fails((bits & 0x08) != 0),
          save_every_block((bits & 0x40) != 0),
          limited_space((bits & 0x80) != 0) {
        constexpr UpdateResult kApplyResults[] = {
            UpdateResult::kSuccess,
            UpdateResult::kUpdateFailed,
            UpdateResult::kInitial,
            UpdateResult::kIntegrityFailure,
        };
        apply_result = kApplyResults[(bits >> 4) & 3];
    }

    uint16_t block_size;
    bool finish_fails;
    bool save_every_block;
    bool limited_space;
    UpdateResult apply_result;
};

// A random source whose values differ from call to call, so that every GET
// has its own token, as with a real source.
class SequenceRandom final : public lwm2m::Random {
  public:
    uint32_t next_u32() override {
        state_ = state_ * 1664525u + 1013904223u;
        return state_ >> 8;
    }

  private:
    uint32_t state_ = 1;
};

// Storage with a few named blobs, which survives a reboot.
class SlotStorage final : public lwm2m::Storage {
  public:
    lwm2m::Result<size_t> read(const char* name, std::span<std::byte> buffer) override {
        const Slot* slot = find(name);
        if (slot == nullptr) {
            return Status::kNotFound;
        }
        if (slot->size > buffer.size()) {
            return Status::kMessageTooLarge;
        }
        std::memcpy(buffer.data(), slot->bytes, slot->size);
        return slot->size;
    }

    Status write(const char* name, std::span<const std::byte> data) override {
        Slot* slot = find(name);
        for (size_t i = 0; slot == nullptr && i < kSlots; ++i) {
            if (!slots_[i].used) {
                slot = &slots_[i];
            }
        }
        if (slot == nullptr || data.size() > sizeof(slot->bytes) ||
            std::strlen(name) >= sizeof(slot->name)) {
            return Status::kNoSpace;
        }
        std::memcpy(slot->bytes, data.data(), data.size());
        slot->size = data.size();
        std::strcpy(slot->name, name);
        slot->used = true;
        return Status::kOk;
    }

    Status remove(const char* name) override {
        Slot* slot = find(name);
        if (slot == nullptr) {
            return Status::kNotFound;
        }
        slot->used = false;
        return Status::kOk;
    }

    std::span<const uint8_t> blob(const char* name) {
        const Slot* slot = find(name);
        return slot == nullptr ? std::span<const uint8_t>() : std::span(slot->bytes, slot->size);
    }

  private:
    static constexpr size_t kSlots = 4;

    struct Slot {
        bool used = false;
        char name[32] = {};
        uint8_t bytes[8192] = {};
        size_t size = 0;
    };

    Slot* find(const char* name) {
        for (Slot& slot : slots_) {
            if (slot.used && std::strcmp(slot.name, name) == 0) {
                return &slot;
            }
        }
        return nullptr;
    }

    Slot slots_[kSlots];
};

// The application's side. It keeps only the byte count of the package, as
// a flash area would keep the bytes across a reboot, and checks the order
// of the calls.
class CheckingHandler final : public lwm2m::fw::PackageHandler {
  public:
    explicit CheckingHandler(const Settings& settings) : settings_(settings) {}

    UpdateResult begin(size_t resume_offset) override {
        check(resume_offset <= held_, "begin() resumes past the bytes the handler holds");
        held_ = resume_offset;
        active_ = true;
        accepted_ = false;
        return UpdateResult::kInitial;
    }

    UpdateResult write(size_t offset, std::span<const uint8_t> bytes) override {
        check(active_, "write() outside a package");
        check(offset == held_, "write() does not continue where the package ends");
        if (settings_.limited_space && held_ + bytes.size() > kSpaceLimitBytes) {
            return UpdateResult::kNotEnoughSpace;
        }
        held_ += bytes.size();
        return UpdateResult::kInitial;
    }

    UpdateResult finish() override {
        check(active_, "finish() outside a package");
        active_ = false;
        accepted_ = !settings_.finish_fails;
        return settings_.finish_fails ? UpdateResult::kIntegrityFailure : UpdateResult::kInitial;
    }

    UpdateResult apply() override {
        check(accepted_, "apply() of a package that finish() did not accept");
        return settings_.apply_result;
    }

    void cancel() override {
        held_ = 0;
        active_ = false;
        accepted_ = false;
    }

    UpdateResult update_outcome() override {
        return settings_.apply_result == UpdateResult::kUpdateFailed ? UpdateResult::kUpdateFailed
                                                                     : UpdateResult::kSuccess;
    }

    size_t held() const { return held_; }
    bool accepted() const { return accepted_; }

  private:
    const Settings& settings_;
    size_t held_ = 0;
    bool active_ = false;
    bool accepted_ = false;
};

lwm2m::fw::Options firmware_options(const Settings& settings, FakeTransport& download) {
    lwm2m::fw::Options options;
    options.transport = &download;
    options.block_size = settings.block_size;
    options.state_name = kStateName;
    options.save_interval_bytes = settings.save_every_block ? 0 : 1024;
    options.attempts = 3;
    options.retry_delay_s = 1;
    return options;
}

// One boot of the device: its transports, the object and the client.
struct Device {
    Device(const Settings& settings, CheckingHandler& handler, FakeClock& clock,
           lwm2m::Random& random)
        : firmware(handler, firmware_options(settings, download)), client(server, clock, random) {}

    FakeTransport server;
    FakeTransport download;
    lwm2m::FirmwareUpdate firmware;
    lwm2m::Client client;
};

// The message ID and token of one GET the client sent.
struct Exchange {
    uint16_t message_id = 0;
    uint8_t token_length = 0;
    uint8_t token[lwm2m::coap::kMaxTokenLength] = {};
};

class Run {
  public:
    explicit Run(uint8_t settings) : settings_(settings), handler_(settings_) {}

    void start() {
        boot();
        write_package_uri();
    }

    void feed(uint8_t clock_byte, uint8_t control, const uint8_t* bytes, size_t length) {
        advance(clock_move_ms(clock_byte));
        deliver(control, bytes, length);
        if ((control & control::kSameStep) != 0) {
            return;
        }
        if ((control & control::kUpdateFinished) != 0) {
            const bool failed = (control & control::kUpdateFailed) != 0;
            device_->firmware.update_finished(failed ? UpdateResult::kUpdateFailed
                                                     : UpdateResult::kSuccess);
            check_object();
        }
        step();
        if ((control & control::kReboot) != 0) {
            reboot();
        }
    }

    void finish() {
        step();
        device_->client.deregister();
        step();
    }

  private:
    void boot() {
        device_ = std::make_unique<Device>(settings_, handler_, clock_, random_);
        check(device_->client.add_object(device_->firmware) == Status::kOk,
              "add_object() rejected the Firmware Update object");
        lwm2m::ClientConfig config;
        config.endpoint_name = "fuzz";
        config.server_uri = "coap://192.0.2.1:5683";
        config.lifetime_s = 600;
        config.storage = &storage_;
        config.coap.ack_timeout_ms = 1000;
        config.coap.max_retransmit = 2;
        check(device_->client.configure(config) == Status::kOk,
              "configure() rejected the configuration");
        exchanges_[0] = Exchange();
        exchanges_[1] = Exchange();
        step();
        answer_registration();
        step();
    }

    // Sends the response to the Register (or to the Update of a client that
    // restored its registration), so that the server may send requests.
    void answer_registration() {
        FakeTransport& server = device_->server;
        Message request;
        if (server.sent_count == 0 ||
            lwm2m::coap::decode(server.last_sent().view(), request) !=
                lwm2m::coap::DecodeResult::kOk ||
            request.code != code::kPost) {
            return;
        }
        // A Register goes to /rd, an Update to the location the Register got.
        int segments = 0;
        for (uint8_t i = 0; i < request.option_count; ++i) {
            segments += request.options[i].number == option::kUriPath ? 1 : 0;
        }
        const bool update = segments > 1;
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, update ? code::kChanged : code::kCreated,
                      request.message_id, request.token_view());
        if (!update) {
            writer.add_option(option::kLocationPath, "rd");
            writer.add_option(option::kLocationPath, "0");
        }
        server.deliver(writer.bytes());
    }

    void write_package_uri() {
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0xf0, 0x0d};
        writer.header(Type::kConfirmable, code::kPut, 0x3000, token);
        writer.add_option(option::kUriPath, "5");
        writer.add_option(option::kUriPath, "0");
        writer.add_option(option::kUriPath, "1");
        writer.add_uint_option(option::kContentFormat, lwm2m::coap::format::kTextPlain);
        writer.append_payload(kPackageUri);
        const size_t before = device_->server.sent_count;
        device_->server.deliver(writer.bytes());
        step();
        Message response;
        check(device_->server.sent_count > before &&
                  lwm2m::coap::decode(device_->server.last_sent().view(), response) ==
                      lwm2m::coap::DecodeResult::kOk &&
                  response.code == code::kChanged,
              "the Package URI write was not answered with 2.04");
        check(device_->firmware.state() == State::kDownloading,
              "the Package URI write did not start a download");
    }

    // Moves the clock by `ms`, stepping at the timed work on the way.
    void advance(uint64_t ms) {
        for (int i = 0; i < kMaxStepsPerMove && ms > 0; ++i) {
            const uint64_t due_ms = device_->client.time_until_next_step_ms();
            const uint64_t wait_ms = due_ms < ms ? due_ms : ms;
            clock_.now_ms += wait_ms;
            ms -= wait_ms;
            step();
        }
        clock_.now_ms += ms;
    }

    void deliver(uint8_t control, const uint8_t* bytes, size_t length) {
        FakeTransport& transport =
            (control & control::kServer) != 0 ? device_->server : device_->download;
        // The fake transport only has room for a bounded backlog.
        if (transport.inbox_count - transport.inbox_read >= FakeTransport::kCapacity ||
            transport.state() != lwm2m::net::TransportState::kConnected ||
            length > sizeof(lwm2m::testing::Datagram::bytes)) {
            return;
        }
        uint8_t datagram[sizeof(lwm2m::testing::Datagram::bytes)];
        if (length > 0) {
            std::memcpy(datagram, bytes, length);
        }
        if ((control & control::kServer) == 0) {
            patch(control, datagram, length);
        }
        transport.deliver({datagram, length});
    }

    // Gives the datagram the message ID or the token of a GET the client sent.
    void patch(uint8_t control, uint8_t* datagram, size_t length) const {
        const Exchange& exchange = exchanges_[(control & control::kPreviousExchange) != 0 ? 1 : 0];
        if (length < 4) {
            return;
        }
        if ((control & control::kPatchMessageId) != 0) {
            datagram[2] = static_cast<uint8_t>(exchange.message_id >> 8);
            datagram[3] = static_cast<uint8_t>(exchange.message_id);
        }
        const size_t token_length = datagram[0] & 0x0f;
        if ((control & control::kPatchToken) != 0 && token_length == exchange.token_length &&
            length >= 4 + token_length) {
            std::memcpy(datagram + 4, exchange.token, token_length);
        }
    }

    void step() {
        const size_t first_new = device_->download.sent_count;
        device_->client.step();
        (void)device_->client.time_until_next_step_ms();
        inspect_download_sent(first_new);
        check_object();
        check_saved_state();
    }

    void inspect_download_sent(size_t first_new) {
        const FakeTransport& download = device_->download;
        check(download.sent_count - first_new <= FakeTransport::kCapacity,
              "more datagrams in one step than the fake transport keeps");
        for (size_t i = first_new; i < download.sent_count; ++i) {
            Message message;
            check(lwm2m::coap::decode(download.sent[i % FakeTransport::kCapacity].view(),
                                      message) == lwm2m::coap::DecodeResult::kOk,
                  "the client sent a download datagram that does not decode");
            if (message.code == code::kGet) {
                inspect_get(message);
            } else {
                check(message.code == code::kEmpty, "a download datagram other than GET or empty");
            }
        }
    }

    void inspect_get(const Message& get) {
        check(get.type == Type::kConfirmable, "a GET that is not confirmable");
        uint32_t block = 0;
        check(get.find_uint(option::kBlock2, block, 3), "a GET without Block2");
        const uint32_t exponent = block & 7;
        check((16u << exponent) <= settings_.block_size,
              "a GET asks for a larger block than the configured one");
        const lwm2m::FirmwareUpdate& firmware = device_->firmware;
        if (firmware.state() == State::kDownloading) {
            const size_t offset = size_t{block >> 4} << (exponent + 4);
            check(offset == firmware.progress().received,
                  "a GET asks for another block than the one at the bytes received");
        }
        if (get.message_id != exchanges_[0].message_id) {
            exchanges_[1] = exchanges_[0];
        }
        Exchange& exchange = exchanges_[0];
        exchange.message_id = get.message_id;
        exchange.token_length = get.token_length;
        std::memcpy(exchange.token, get.token, get.token_length);
    }

    void check_object() const {
        const lwm2m::FirmwareUpdate& firmware = device_->firmware;
        check(static_cast<uint8_t>(firmware.state()) <= static_cast<uint8_t>(State::kUpdating),
              "State out of range");
        check(static_cast<uint8_t>(firmware.result()) <=
                  static_cast<uint8_t>(UpdateResult::kCancelled),
              "Update Result out of range");
        if (firmware.state() == State::kDownloaded) {
            check(handler_.accepted(), "Downloaded without a package that finish() accepted");
        }
        if (firmware.state() == State::kDownloading) {
            check(firmware.progress().received == handler_.held(),
                  "progress differs from the bytes the handler holds");
        }
    }

    void check_saved_state() {
        const std::span<const uint8_t> blob = storage_.blob(kStateName);
        if (blob.empty()) {
            return;
        }
        lwm2m::fw::SavedState saved;
        char uri[lwm2m::fw::kMaxSavedUriLength + 1];
        check(lwm2m::fw::decode_state(blob, saved, uri), "the saved state does not decode");
    }

    void reboot() {
        const State state = device_->firmware.state();
        const UpdateResult result = device_->firmware.result();
        const size_t received = device_->firmware.progress().received;
        device_.reset();
        boot();

        const lwm2m::FirmwareUpdate& firmware = device_->firmware;
        switch (state) {
            case State::kIdle:
            case State::kDownloaded:
                check(firmware.state() == state && firmware.result() == result,
                      "a reboot changed the Idle or Downloaded state");
                break;
            case State::kDownloading: {
                const bool resumed = firmware.state() == State::kDownloading &&
                                     firmware.progress().received <= received;
                const bool push_lost = firmware.state() == State::kIdle &&
                                       firmware.result() == UpdateResult::kConnectionLost;
                check(resumed || push_lost, "a reboot lost the download");
                break;
            }
            case State::kUpdating:
                check(firmware.state() == State::kIdle, "a reboot did not end the update");
                break;
        }
    }

    Settings settings_;
    CheckingHandler handler_;
    SlotStorage storage_;
    FakeClock clock_;
    SequenceRandom random_;
    std::unique_ptr<Device> device_;
    // The last GET exchange of the download and the one before it.
    Exchange exchanges_[2];
};

}  // namespace

namespace lwm2m::fuzz {

void run_firmware_download(std::span<const uint8_t> input) {
    if (input.empty()) {
        return;
    }
    Run run(input[0]);
    run.start();

    size_t pos = 1;
    for (int records = 0; records < kMaxRecords && pos + kRecordHeaderSize <= input.size();
         ++records) {
        const uint8_t clock_byte = input[pos];
        const uint8_t control = input[pos + 1];
        const size_t length = (size_t{input[pos + 2]} << 8) | input[pos + 3];
        pos += kRecordHeaderSize;
        const size_t available = length < input.size() - pos ? length : input.size() - pos;
        run.feed(clock_byte, control, input.data() + pos, available);
        pos += available;
    }
    run.finish();
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_firmware_download({data, size});
    return 0;
}
#endif
