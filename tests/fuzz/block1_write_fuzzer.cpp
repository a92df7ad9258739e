// Differential fuzz target for Block1 Writes and Creates (RFC 7959). The same
// payload goes to one client in a single request and to another in blocks.
// Both must end with the same committed values and the same class of
// response code. With BLOCK1_FUZZ_VERBOSE set, each run prints both codes.
// The unit tests compile this file with LWM2M_FUZZ_NO_ENTRY_POINT to replay
// the seed corpus without libFuzzer.
//
// Input: [format][target][block sizes and mode][block count][payload...]
//   format  bits 1-0: 0 TLV, 1 legacy TLV (1542), 2 opaque, 3 text/plain.
//   target  bits 1-0: 0 PUT /X/0, 1 PUT /X/0/R, 2 POST /X (Create),
//           3 POST /X/0; bits 7-4: R (resource ID, see RecordingObject).
//   sizes   bits 2-0: SZX of the first blocks (7 counts as 6); bits 5-3:
//           SZX after the switch, used only if smaller (RFC 7959, 2.5);
//           bits 7-6: mode, see Mode.
//   count   number of blocks before the switch, the repeat or the abandon.
//
// Block-wise results may legitimately differ from the single request in
// these cases only, and then the blocks must end with 4.13 and nothing
// committed:
// - text/plain waits for the whole value in the carry buffer, so a payload
//   longer than LWM2M_BLOCK1_CARRY_SIZE cannot be taken in blocks;
// - text/plain in blocks has no buffer for base64, so an opaque resource
//   cannot be written that way;
// - the object rejects pieces of resource 4 (write_chunk() returns kNoSpace),
//   which a single request writes whole.
//
// Checked on every run: no crash or sanitizer report; begin_transaction() is
// followed by exactly one commit or rollback before the next begin; no write,
// write_chunk(), create_instance() or clear_resource() outside a transaction;
// the pieces of one value start at offset 0, are contiguous, and end with
// `last` before any other write or the commit; every block but the last is
// answered with 2.31 and its Block1 option.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "coap/message.hpp"
#include "dm/formats.hpp"
#include "fakes.hpp"
#include "fuzz_targets.hpp"
#include "lwm2m/client.hpp"
#include "lwm2m/log.hpp"
#include "lwm2m/object.hpp"

namespace lwm2m::fuzz {
namespace {

using lwm2m::DataType;
using lwm2m::Operations;
using lwm2m::ResourceDefinition;
using lwm2m::Status;
using lwm2m::Value;
using lwm2m::coap::Message;
using lwm2m::coap::MessageWriter;
using lwm2m::coap::Type;
namespace code = lwm2m::coap::code;
namespace option = lwm2m::coap::option;
namespace format = lwm2m::coap::format;

constexpr uint16_t kObjectId = 30000;
constexpr size_t kHeaderSize = 4;
// The single request must fit LWM2M_IN_BUFFER_SIZE with its options.
constexpr size_t kMaxPayload = LWM2M_IN_BUFFER_SIZE - 64;
// RFC 7252, 4.8.2: EXCHANGE_LIFETIME is 247 s with the default parameters.
constexpr uint64_t kPastExchangeLifetimeMs = 248'000;

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "block1_write_fuzzer: %s\n", reason);
    std::abort();
}

void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

enum class Mode : uint8_t {
    /// Every block once.
    kPlain,
    /// Block `count` is sent twice under new message IDs, then once more
    /// with the same message ID (a CoAP retransmission).
    kRepeat,
    /// No block after block `count` until EXCHANGE_LIFETIME has passed.
    kExpire,
    /// A Delete of another instance after block `count` ends the transfer.
    kInterrupt,
};

// Resource 4 takes whole values only; resource 8 is read-only; resource 9 is
// not defined.
constexpr uint16_t kWholeOnlyResource = 4;
constexpr ResourceDefinition kResources[] = {
    {0, Operations::kReadWrite, DataType::kOpaque, false, false},
    {1, Operations::kReadWrite, DataType::kString, false, false},
    {2, Operations::kReadWrite, DataType::kInteger, false, false},
    {3, Operations::kReadWrite, DataType::kString, true, false},
    {4, Operations::kReadWrite, DataType::kString, false, false},
    {5, Operations::kReadWrite, DataType::kBoolean, false, false},
    {6, Operations::kReadWrite, DataType::kFloat, false, false},
    {7, Operations::kReadWrite, DataType::kObjlnk, false, false},
    {8, Operations::kRead, DataType::kOpaque, false, false},
};

// Instance, resource and resource instance of one value.
using ValueKey = std::tuple<uint16_t, uint16_t, uint16_t>;

struct ObjectState {
    std::set<uint16_t> instances;
    std::map<ValueKey, std::vector<uint8_t>> values;

    bool operator==(const ObjectState&) const = default;
};

// The type byte followed by the value's bytes, so that a value written whole
// and one written in pieces compare equal.
std::vector<uint8_t> serialize(const Value& value) {
    std::vector<uint8_t> bytes{static_cast<uint8_t>(value.type)};
    uint64_t bits = 0;
    switch (value.type) {
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            bytes.insert(bytes.end(), value.bytes.begin(), value.bytes.end());
            return bytes;
        case DataType::kBoolean:
            bytes.push_back(value.boolean ? 1 : 0);
            return bytes;
        case DataType::kObjlnk:
            bits = (uint64_t{value.objlnk.object_id} << 16) | value.objlnk.instance_id;
            break;
        case DataType::kNone:
            return bytes;
        default:
            bits = value.unsigned_integer;
            break;
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
        bytes.push_back(static_cast<uint8_t>(bits >> shift));
    }
    return bytes;
}

// An object that stages writes in a copy of its values, which commit keeps
// and rollback drops, and that checks the order of the calls it gets.
class RecordingObject final : public lwm2m::Object {
  public:
    RecordingObject() : Object(kObjectId, kResources) {
        committed_.instances = {0, 1};
        committed_.values[{0, 2, lwm2m::kNoResourceInstance}] = serialize(Value::make_integer(7));
        committed_.values[{0, 3, 0}] = serialize(Value::make_bytes(DataType::kString, {}));
        committed_.values[{0, 3, 1}] = serialize(Value::make_bytes(DataType::kString, {}));
    }

    int32_t next_instance(int32_t after) const override {
        const auto next = committed_.instances.lower_bound(after < 0 ? 0 : after + 1);
        return next == committed_.instances.end() ? -1 : *next;
    }

    Status create_instance(uint16_t instance_id) override {
        check(in_transaction_, "create_instance() outside a transaction");
        staged_.instances.insert(instance_id);
        return Status::kOk;
    }

    Status clear_resource(uint16_t instance_id, uint16_t resource_id) override {
        check(in_transaction_, "clear_resource() outside a transaction");
        check_no_open_value("clear_resource() while a value is written in pieces");
        std::erase_if(staged_.values, [&](const auto& entry) {
            return std::get<0>(entry.first) == instance_id &&
                   std::get<1>(entry.first) == resource_id;
        });
        return Status::kOk;
    }

    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t item,
                 const Value& value) override {
        check(in_transaction_, "write() outside a transaction");
        check_no_open_value("write() while another value is written in pieces");
        if (value.type != find_resource(resource_id)->type) {
            std::fprintf(stderr, "write() of /%u/%u/%u/%u: type %d for a resource of type %d\n",
                         kObjectId, instance_id, resource_id, item, static_cast<int>(value.type),
                         static_cast<int>(find_resource(resource_id)->type));
            fail("value of the wrong type");
        }
        staged_.values[{instance_id, resource_id, item}] = serialize(value);
        return Status::kOk;
    }

    Status write_chunk(uint16_t instance_id, uint16_t resource_id, uint16_t item,
                       const Value& value, size_t offset, bool last) override {
        check(in_transaction_, "write_chunk() outside a transaction");
        const ValueKey key{instance_id, resource_id, item};
        if (offset == 0) {
            check_no_open_value("new value in pieces before the last piece of another");
            open_value_ = true;
            open_key_ = key;
            next_offset_ = 0;
        }
        check(open_value_ && open_key_ == key, "piece of a value that was not started");
        check(offset == next_offset_, "piece offsets not contiguous");
        check(value.type == find_resource(resource_id)->type, "piece of the wrong type");
        next_offset_ += value.bytes.size();
        open_value_ = !last;
        if (resource_id == kWholeOnlyResource) {
            rejected_piece = true;
            return Status::kNoSpace;
        }
        std::vector<uint8_t>& bytes = staged_.values[key];
        if (offset == 0) {
            bytes = serialize(Value::make_bytes(value.type, {}));
        }
        bytes.insert(bytes.end(), value.bytes.begin(), value.bytes.end());
        return Status::kOk;
    }

    Status begin_transaction() override {
        check(!in_transaction_, "begin_transaction() inside a transaction");
        in_transaction_ = true;
        staged_ = committed_;
        return Status::kOk;
    }

    void commit_transaction() override {
        check(in_transaction_, "commit_transaction() outside a transaction");
        check_no_open_value("commit with a value whose last piece never came");
        in_transaction_ = false;
        committed_ = staged_;
    }

    void rollback_transaction() override {
        check(in_transaction_, "rollback_transaction() outside a transaction");
        in_transaction_ = false;
        open_value_ = false;
    }

    const ObjectState& committed() const { return committed_; }
    bool in_transaction() const { return in_transaction_; }

    /// True once write_chunk() was called for resource 4, which rejects pieces.
    bool rejected_piece = false;

  private:
    void check_no_open_value(const char* reason) const { check(!open_value_, reason); }

    ObjectState committed_;
    ObjectState staged_;
    bool in_transaction_ = false;
    bool open_value_ = false;
    ValueKey open_key_;
    size_t next_offset_ = 0;
};

struct Request {
    uint8_t method = code::kPut;
    uint16_t format = format::kLwm2mTlv;
    // Uri-Path IDs after the object ID: none, the instance, or the instance
    // and the resource.
    int instance = -1;
    int resource = -1;
};

struct Reply {
    uint8_t code = 0;
    bool has_block1 = false;
    uint32_t block1 = 0;
};

// A registered client with the recording object, on fake ports.
class Harness {
  public:
    Harness() : client_(transport_, clock_, random_) {
        lwm2m::ClientConfig config;
        config.endpoint_name = "fuzz";
        config.server_uri = "coap://127.0.0.1:5683";
        config.lifetime_s = 86400;
        check(client_.configure(config) == Status::kOk, "configure() failed");
        client_.step();
        acknowledge_last(code::kCreated, true);  // Register
        check(client_.registration_state() == lwm2m::RegistrationState::kRegistered,
              "client did not register");
        check(client_.add_object(object) == Status::kOk, "add_object() failed");
        client_.step();
        acknowledge_last(code::kChanged, false);  // the Update that lists the object
    }

    // Sends `payload` as one request, or as block `number` if `block1` holds
    // a Block1 option value, and returns the reply.
    Reply send(const Request& request, std::span<const uint8_t> payload, int64_t block1,
               bool retransmit = false) {
        if (!retransmit) {
            build(request, payload, block1);
        }
        const size_t before = transport_.sent_count;
        transport_.deliver(last_request_);
        client_.step();
        Reply reply;
        for (size_t index = before; index < transport_.sent_count; ++index) {
            Message message;
            const auto& datagram =
                transport_.sent[index % lwm2m::testing::FakeTransport::kCapacity];
            if (lwm2m::coap::decode(datagram.view(), message) != lwm2m::coap::DecodeResult::kOk) {
                continue;
            }
            if (message.type == Type::kAcknowledgement && message.message_id == message_id_) {
                reply.code = message.code;
                reply.has_block1 = message.find_uint(option::kBlock1, reply.block1, 3);
                if (retransmit) {
                    check(datagram.view().size() == last_reply_.size() &&
                              std::memcmp(datagram.bytes.data(), last_reply_.data(),
                                          last_reply_.size()) == 0,
                          "retransmitted block answered with different bytes");
                }
                last_reply_.assign(datagram.view().begin(), datagram.view().end());
                return reply;
            }
        }
        fail("request not answered");
    }

    // Sends a Delete of an instance that does not exist, which ends any
    // Block1 transfer without changing the object.
    void interrupt() {
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0x77};
        writer.header(Type::kConfirmable, code::kDelete, ++message_id_, token);
        writer.add_option(option::kUriPath, "30000");
        writer.add_option(option::kUriPath, "999");
        transport_.deliver(writer.bytes());
        client_.step();
    }

    void advance(uint64_t ms) {
        clock_.now_ms += ms;
        client_.step();
    }

    RecordingObject object;

  private:
    void acknowledge_last(uint8_t response_code, bool location) {
        Message request;
        check(lwm2m::coap::decode(transport_.last_sent().view(), request) ==
                  lwm2m::coap::DecodeResult::kOk,
              "client sent an undecodable message");
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, response_code, request.message_id,
                      request.token_view());
        if (location) {
            writer.add_option(option::kLocationPath, "rd");
            writer.add_option(option::kLocationPath, "0");
        }
        transport_.deliver(writer.bytes());
        client_.step();
    }

    void build(const Request& request, std::span<const uint8_t> payload, int64_t block1) {
        last_request_.resize(LWM2M_IN_BUFFER_SIZE + 64);
        MessageWriter writer(last_request_);
        const uint8_t token[] = {0x42, 0x13};
        writer.header(Type::kConfirmable, request.method, ++message_id_, token);
        char text[12];  // any int in decimal, with its sign and NUL
        writer.add_option(option::kUriPath, "30000");
        if (request.instance >= 0) {
            std::snprintf(text, sizeof text, "%d", request.instance);
            writer.add_option(option::kUriPath, text);
        }
        if (request.resource >= 0) {
            std::snprintf(text, sizeof text, "%d", request.resource);
            writer.add_option(option::kUriPath, text);
        }
        writer.add_uint_option(option::kContentFormat, request.format);
        if (block1 >= 0) {
            writer.add_uint_option(option::kBlock1, static_cast<uint32_t>(block1));
        }
        writer.append_payload(payload);
        check(!writer.overflow(), "request does not fit the harness buffer");
        last_request_.resize(writer.size());
    }

    lwm2m::testing::FakeTransport transport_;
    lwm2m::testing::FakeClock clock_;
    lwm2m::testing::FakeRandom random_;
    lwm2m::Client client_;
    uint16_t message_id_ = 0x4000;
    std::vector<uint8_t> last_request_;
    std::vector<uint8_t> last_reply_;
};

struct Plan {
    Request request;
    uint8_t first_exponent = 0;
    uint8_t second_exponent = 0;
    Mode mode = Mode::kPlain;
    uint32_t count = 0;
    std::span<const uint8_t> payload;
};

Plan parse_plan(std::span<const uint8_t> input) {
    static constexpr uint16_t kFormats[] = {format::kLwm2mTlv, lwm2m::dm::kLegacyTlvFormat,
                                            format::kOpaque, format::kTextPlain};
    Plan plan;
    plan.request.format = kFormats[input[0] & 0x03];
    const uint8_t target = input[1];
    switch (target & 0x03) {
        case 0:
            plan.request = {code::kPut, plan.request.format, 0, -1};
            break;
        case 1:
            plan.request = {code::kPut, plan.request.format, 0, target >> 4};
            break;
        case 2:
            plan.request = {code::kPost, plan.request.format, -1, -1};
            break;
        default:
            plan.request = {code::kPost, plan.request.format, 0, -1};
            break;
    }
    plan.first_exponent = std::min(input[2] & 0x07, 6);
    plan.second_exponent = std::min((input[2] >> 3) & 0x07, 6);
    if (plan.second_exponent > plan.first_exponent) {
        plan.second_exponent = plan.first_exponent;
    }
    plan.mode = static_cast<Mode>(input[2] >> 6);
    plan.count = input[3];
    plan.payload = input.subspan(kHeaderSize);
    return plan;
}

struct BlockRun {
    Reply last;
    // Block-wise differs legitimately from the single request (see the top
    // of this file).
    bool may_differ = false;
    // The transfer ended before the last block (kExpire, kInterrupt).
    bool abandoned = false;
    // The first block had the M bit set, so the client saw a transfer.
    bool split = false;
};

uint32_t block_option(uint32_t number, bool more, uint8_t exponent) {
    return (number << 4) | (more ? 0x08u : 0u) | exponent;
}

// Sends the payload in blocks as `plan` describes, and checks each reply.
BlockRun send_blocks(Harness& harness, const Plan& plan) {
    BlockRun run;
    size_t offset = 0;
    uint32_t sent = 0;
    // Each pass sends one block of at least 16 bytes, or ends the transfer.
    while (true) {
        const uint8_t exponent = sent < plan.count ? plan.first_exponent : plan.second_exponent;
        const size_t size = size_t{16} << exponent;
        const size_t length = std::min(size, plan.payload.size() - offset);
        const bool more = offset + length < plan.payload.size();
        const uint32_t number = static_cast<uint32_t>(offset / size);
        const uint32_t option = block_option(number, more, exponent);
        const std::span<const uint8_t> block = plan.payload.subspan(offset, length);
        run.last = harness.send(plan.request, block, option);

        if (more && run.last.code == code::kContinue && sent == plan.count) {
            if (plan.mode == Mode::kRepeat) {
                const Reply again = harness.send(plan.request, block, option);
                check(again.code == code::kContinue, "repeated block not answered with 2.31");
                (void)harness.send(plan.request, block, option, true);
            } else if (plan.mode != Mode::kPlain) {
                if (plan.mode == Mode::kExpire) {
                    harness.advance(kPastExchangeLifetimeMs);
                } else {
                    harness.interrupt();
                }
                check(!harness.object.in_transaction(), "abandoned transfer not rolled back");
                const size_t next = offset + length;
                const size_t next_length = std::min(size, plan.payload.size() - next);
                const Reply late =
                    harness.send(plan.request, plan.payload.subspan(next, next_length),
                                 block_option(static_cast<uint32_t>(next / size),
                                              next + next_length < plan.payload.size(), exponent));
                check(late.code == code::kRequestEntityIncomplete,
                      "block after an abandoned transfer not answered with 4.08");
                run.abandoned = true;
                return run;
            }
        }
        run.split = run.split || more;
        ++sent;
        if (!more || run.last.code != code::kContinue) {
            break;
        }
        check(run.last.has_block1 && run.last.block1 == option,
              "2.31 without the Block1 option of the block");
        offset += length;
    }
    return run;
}

bool is_success(uint8_t response_code) {
    return lwm2m::coap::code_class(response_code) == 2;
}

void print_codes(uint8_t single, uint8_t blocks) {
    std::fprintf(stderr, "single request %u.%02u, blocks %u.%02u\n",
                 lwm2m::coap::code_class(single), lwm2m::coap::code_detail(single),
                 lwm2m::coap::code_class(blocks), lwm2m::coap::code_detail(blocks));
}

void discard_log(lwm2m::LogLevel, const char*, const char*) {}

}  // namespace

void run_block1_write(std::span<const uint8_t> input) {
    if (input.size() < kHeaderSize + 1 || input.size() - kHeaderSize > kMaxPayload) {
        return;
    }
    static const bool log_ready = [] {
        lwm2m::log::set_output(discard_log);
        return true;
    }();
    (void)log_ready;
    const Plan plan = parse_plan(input);

    auto whole = std::make_unique<Harness>();
    const ObjectState initial = whole->object.committed();
    const Reply single = whole->send(plan.request, plan.payload, -1);
    check(!whole->object.in_transaction(), "single request left its transaction open");
    check(is_success(single.code) || whole->object.committed() == initial,
          "failed single request changed the object");

    auto blocks = std::make_unique<Harness>();
    BlockRun run = send_blocks(*blocks, plan);
    check(!blocks->object.in_transaction(), "Block1 transfer left its transaction open");
    const ObjectState& result = blocks->object.committed();
    if (run.abandoned) {
        check(result == initial, "abandoned transfer changed the object");
        return;
    }
    check(run.last.code != code::kContinue, "last block answered with 2.31");
    if (std::getenv("BLOCK1_FUZZ_VERBOSE") != nullptr) {
        print_codes(single.code, run.last.code);
    }

    const bool several_blocks = run.split;
    const bool text = plan.request.format == format::kTextPlain;
    const bool opaque_target = plan.request.resource == 0 || plan.request.resource == 8;
    run.may_differ = blocks->object.rejected_piece ||
                     (several_blocks && text &&
                      (plan.payload.size() > LWM2M_BLOCK1_CARRY_SIZE || opaque_target));

    if (!is_success(run.last.code)) {
        check(result == initial, "failed Block1 transfer changed the object");
    }
    if (run.may_differ && is_success(single.code) && !is_success(run.last.code)) {
        check(run.last.code == code::kRequestEntityTooLarge,
              "block-wise failure with an allowed cause is not 4.13");
        return;
    }
    if (lwm2m::coap::code_class(single.code) != lwm2m::coap::code_class(run.last.code)) {
        print_codes(single.code, run.last.code);
        fail("single request and blocks ended in different response classes");
    }
    if (is_success(single.code)) {
        check(single.code == run.last.code, "different success codes");
        check(whole->object.committed() == result, "different committed values");
        if (several_blocks) {
            check(run.last.has_block1, "last block acknowledged without Block1");
        }
    }
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_block1_write({data, size});
    return 0;
}
#endif
