// Feeds arbitrary datagrams to a client that bootstraps: its only factory
// account is a Bootstrap-Server, and its state goes to a fake storage. The
// client sends the Bootstrap-Request, gets 2.04, and then every datagram of
// the input reaches it as if from the Bootstrap-Server (and later from the
// LwM2M Server that the Bootstrap-Server configured). Input format, as in
// client_fuzzer.cpp: repeated records of [1 byte clock advance in 100 ms
// units][2 bytes length, big-endian][datagram], each followed by a step. A
// clock byte of 255 moves no clock and takes no step, so that its datagram
// and the next one arrive in the same step. The input length modulo 4
// picks the configuration: 0 LwM2M 1.1, 1 LwM2M 1.2, 2 LwM2M 1.0, 3 LwM2M 1.1
// with one Bootstrap-Request attempt before the client gives up.
//
// Checks after every step, each of which aborts when it fails:
// - every datagram the client sends decodes as CoAP;
// - while bootstrapping, the client sends no Register, Update, Send or
//   notification, and it leaves kBootstrapping for registration only after
//   it has sent 2.04 for a Bootstrap-Finish;
// - a Read of the Security object never gets 2.05, from any server;
// - every state the client saves decodes;
// - with kCheckSavedState, the first state saved after an accepted
//   Bootstrap-Finish is usable: at most one Bootstrap-Server account, a
//   Server instance and a NoSec coap:// account with its Short Server ID.
//   Every later state has the same Security instances, and a state saved
//   before any accepted Bootstrap-Finish has the factory accounts. After the
//   run, a client rebooted on the same storage does not fail at once.
// Seeds: corpus/bootstrap/, written by bootstrap_seeds.py. The unit tests
// compile this file with LWM2M_FUZZ_NO_ENTRY_POINT to replay those seeds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "fakes.hpp"
#include "fuzz_targets.hpp"
#include "lwm2m/client.hpp"
#include "persist/state_store.hpp"

namespace {

using lwm2m::RegistrationState;
using lwm2m::coap::Message;
using lwm2m::coap::MessageWriter;
using lwm2m::coap::Type;
namespace code = lwm2m::coap::code;
namespace option = lwm2m::coap::option;

constexpr const char* kBootstrapUri = "coap://192.0.2.2:5683";
constexpr const char* kEndpoint = "fuzz";
constexpr int kMaxRecords = 64;
constexpr size_t kRememberedRequests = 16;
// A record with this clock byte moves no clock and is received in the same
// step as the record after it.
constexpr uint8_t kSameStep = 255;

// The saved-state checks below. LWM2M_FUZZ_CHECK_SAVED_STATE=1 in the
// environment turns them on when this is false.
constexpr bool kCheckSavedState = true;

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "bootstrap fuzz check failed: %s\n", reason);
    std::abort();
}

void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

bool check_saved_state() {
    static const bool from_environment = [] {
        const char* value = std::getenv("LWM2M_FUZZ_CHECK_SAVED_STATE");
        return value != nullptr && value[0] == '1';
    }();
    return kCheckSavedState || from_environment;
}

lwm2m::ClientConfig make_config(size_t input_size, lwm2m::Storage& storage) {
    lwm2m::ClientConfig config;
    config.endpoint_name = kEndpoint;
    config.bootstrap_server_uri = kBootstrapUri;
    config.lifetime_s = 60;
    config.storage = &storage;
    switch (input_size % 4) {
        case 1:
            config.version = lwm2m::Lwm2mVersion::k1_2;
            break;
        case 2:
            config.version = lwm2m::Lwm2mVersion::k1_0;
            break;
        case 3:
            config.retry.retry_count = 1;
            config.retry.sequence_retry_count = 1;
            break;
        default:
            break;
    }
    return config;
}

// True if `message` has exactly the Uri-Path segments of `segments`.
bool has_path(const Message& message, std::initializer_list<const char*> segments) {
    const char* const* expected = segments.begin();
    size_t found = 0;
    for (uint8_t i = 0; i < message.option_count; ++i) {
        const lwm2m::coap::Option& path = message.options[i];
        if (path.number != option::kUriPath) {
            continue;
        }
        if (found == segments.size()) {
            return false;
        }
        const size_t length = std::strlen(expected[found]);
        if (path.value.size() != length ||
            std::memcmp(path.value.data(), expected[found], length) != 0) {
            return false;
        }
        ++found;
    }
    return found == segments.size();
}

bool is_security_read(const Message& request) {
    if (request.code != code::kGet) {
        return false;
    }
    const lwm2m::coap::Option* first = request.find(option::kUriPath);
    if (first == nullptr || first->value.size() != 1 || first->value[0] != '0') {
        return false;
    }
    uint32_t accept = 0;
    return !request.find_uint(option::kAccept, accept, 2) ||
           accept != lwm2m::coap::format::kLinkFormat;
}

bool same_token(const Message& a, const Message& b) {
    return a.token_length == b.token_length && std::memcmp(a.token, b.token, a.token_length) == 0;
}

// A configuration the client can register with, as Bootstrap-Finish requires.
bool usable_accounts(const lwm2m::persist::PersistedState& state) {
    int bootstrap_accounts = 0;
    bool server_account = false;
    for (const lwm2m::detail::SecurityInstance& account : state.security) {
        if (account.id == lwm2m::detail::kNoInstance) {
            continue;
        }
        if (account.bootstrap_server) {
            ++bootstrap_accounts;
            continue;
        }
        char host[LWM2M_MAX_URI_LENGTH + 1];
        uint16_t port = 0;
        for (uint8_t i = 0; i < state.session_count; ++i) {
            if (account.short_server_id == state.sessions[i].server.short_server_id &&
                account.security_mode == lwm2m::detail::kSecurityModeNoSec &&
                lwm2m::core::parse_server_uri(account.uri, host, port) == lwm2m::Status::kOk) {
                server_account = true;
            }
        }
    }
    return bootstrap_accounts <= 1 && state.session_count > 0 && server_account;
}

// The accounts configure() installs: the Bootstrap-Server account at /0/0 alone.
bool factory_accounts(const lwm2m::persist::PersistedState& state) {
    const lwm2m::detail::SecurityInstance& first = state.security[0];
    for (size_t i = 1; i < LWM2M_MAX_SECURITY_INSTANCES; ++i) {
        if (state.security[i].id != lwm2m::detail::kNoInstance) {
            return false;
        }
    }
    return first.id == 0 && first.bootstrap_server && std::strcmp(first.uri, kBootstrapUri) == 0 &&
           state.session_count == 0;
}

class Run {
  public:
    explicit Run(size_t input_size)
        : config_(make_config(input_size, storage_)), client_(transport_, clock_, random_) {}

    void start() {
        if (client_.configure(config_) != lwm2m::Status::kOk) {
            fail("configure() rejected the Bootstrap-Server configuration");
        }
        check(client_.registration_state() == RegistrationState::kBootstrapping,
              "a client without a server account does not bootstrap");
        step();
        reject_bootstrap_pack_request();
        accept_bootstrap_request();
        step();
    }

    // Delivers one datagram of the input, then steps, unless the datagram
    // joins the next one in the same step.
    void feed(const uint8_t* bytes, size_t length, uint8_t clock_byte) {
        // The fake transport only has room for a bounded backlog.
        if (transport_.inbox_count - transport_.inbox_read < transport_.kCapacity &&
            transport_.state() == lwm2m::net::TransportState::kConnected) {
            transport_.deliver({bytes, length});
            remember_request(bytes, length);
        }
        if (clock_byte == kSameStep) {
            return;
        }
        clock_.now_ms += uint64_t{clock_byte} * 100;
        step();
        (void)client_.time_until_next_step_ms();
    }

    void finish() {
        step();
        const RegistrationState before = client_.registration_state();
        client_.deregister();
        note_session_end(before, client_.registration_state());
        step();
        if (check_saved_state()) {
            reboot();
        }
    }

  private:
    // An LwM2M 1.2 client requests a Bootstrap-Pack first. A 4.04 response
    // sends it to the Bootstrap-Request, which the input then drives.
    void reject_bootstrap_pack_request() {
        Message request;
        if (transport_.sent_count == 0 ||
            lwm2m::coap::decode(transport_.last_sent().view(), request) !=
                lwm2m::coap::DecodeResult::kOk ||
            !has_path(request, {"bspack"})) {
            return;
        }
        uint8_t buffer[32];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, code::kNotFound, request.message_id,
                      request.token_view());
        transport_.deliver(writer.bytes());
        step();
    }

    void accept_bootstrap_request() {
        Message request;
        if (transport_.sent_count == 0 ||
            lwm2m::coap::decode(transport_.last_sent().view(), request) !=
                lwm2m::coap::DecodeResult::kOk) {
            fail("no Bootstrap-Request");
        }
        check(has_path(request, {"bs"}), "first request is not POST /bs");
        uint8_t buffer[32];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, code::kChanged, request.message_id,
                      request.token_view());
        transport_.deliver(writer.bytes());
    }

    void step() {
        const RegistrationState before = client_.registration_state();
        const size_t first_new = transport_.sent_count;
        const int writes_before = storage_.write_calls;
        client_.step();
        const RegistrationState after = client_.registration_state();

        const bool bootstrapping = before == RegistrationState::kBootstrapping;
        for (size_t i = first_new; i < transport_.sent_count; ++i) {
            check(transport_.sent_count - i <= transport_.kCapacity,
                  "more datagrams in one step than the fake transport keeps");
            inspect_sent(transport_.sent[i % transport_.kCapacity], bootstrapping);
        }
        if (bootstrapping && after != RegistrationState::kBootstrapping) {
            const bool registering = after == RegistrationState::kNotRegistered ||
                                     after == RegistrationState::kRegistering ||
                                     after == RegistrationState::kRegistered;
            check(!registering || finish_accepted_,
                  "left kBootstrapping for registration without an accepted Bootstrap-Finish");
        }
        note_session_end(before, after);

        if (storage_.write_calls != writes_before &&
            (check_saved_state() || !bootstrap_session_failed_)) {
            inspect_saved_state();
        }
    }

    // Notes a bootstrap session that ended in kFailed or kDeregistered. The
    // client then saves whatever the session wrote, which only the checks of
    // kCheckSavedState judge.
    void note_session_end(RegistrationState before, RegistrationState after) {
        if (before == RegistrationState::kBootstrapping &&
            (after == RegistrationState::kFailed || after == RegistrationState::kDeregistered)) {
            bootstrap_session_failed_ = true;
        }
    }

    void inspect_sent(const lwm2m::testing::Datagram& datagram, bool bootstrapping) {
        Message message;
        check(lwm2m::coap::decode(datagram.view(), message) == lwm2m::coap::DecodeResult::kOk,
              "the client sent a datagram that does not decode");
        if (message.is_request()) {
            inspect_sent_request(message, bootstrapping);
            return;
        }

        if (bootstrapping) {
            check(message.find(option::kObserve) == nullptr,
                  "a message with Observe went out while bootstrapping");
        }
        const bool response_type =
            message.type == Type::kAcknowledgement || message.type == Type::kNonConfirmable;
        if (!message.is_response() || !response_type) {
            return;
        }

        // The input may repeat message IDs and tokens, so a response may
        // belong to any request it matches.
        int matches = 0;
        int security_reads = 0;
        int finishes = 0;
        for (size_t i = 0; i < requests_count_ && i < kRememberedRequests; ++i) {
            const Message& request = requests_[i];
            const bool confirmable = request.type == Type::kConfirmable;
            const bool same_exchange = confirmable ? message.type == Type::kAcknowledgement &&
                                                         message.message_id == request.message_id
                                                   : message.type == Type::kNonConfirmable;
            if (!same_exchange || !same_token(message, request)) {
                continue;
            }
            ++matches;
            security_reads += is_security_read(request) ? 1 : 0;
            finishes += request.code == code::kPost && has_path(request, {"bs"}) ? 1 : 0;
        }

        if (matches > 0 && security_reads == matches) {
            check(message.code != code::kContent, "a Read of the Security object got 2.05");
        }
        if (!bootstrapping || message.code != code::kChanged || finishes == 0) {
            return;
        }
        finish_accepted_ = true;
        // Only a response that cannot belong to another request commits. One
        // that may belong to another request too (a message ID and token used
        // twice) leaves the saved state beyond judging for the rest of the run.
        commit_due_ = commit_due_ || finishes == matches;
        commit_unknown_ = commit_unknown_ || finishes != matches;
    }

    // Keeps the last kRememberedRequests requests of the input for matching
    // the client's responses.
    void remember_request(const uint8_t* bytes, size_t length) {
        Message request;
        if (lwm2m::coap::decode({bytes, length}, request) != lwm2m::coap::DecodeResult::kOk ||
            !request.is_request()) {
            return;
        }
        requests_[requests_count_ % kRememberedRequests] = request;
        ++requests_count_;
    }

    void inspect_sent_request(const Message& request, bool bootstrapping) {
        if (has_path(request, {"bs"}) || has_path(request, {"bspack"})) {
            // A new Bootstrap-Request starts a new session, but a retransmission
            // may follow a Bootstrap-Finish that overtook the response.
            if (!has_bootstrap_request_ || request.message_id != bootstrap_request_id_) {
                finish_accepted_ = false;
            }
            has_bootstrap_request_ = true;
            bootstrap_request_id_ = request.message_id;
            return;
        }
        if (!bootstrapping) {
            return;
        }
        // Bootstrap-Finish and the Register it allows may share one step.
        const bool register_request = request.code == code::kPost && has_path(request, {"rd"});
        check(!register_request || finish_accepted_,
              "Register before an accepted Bootstrap-Finish");
        check(register_request, "a request other than Register went out while bootstrapping");
    }

    void inspect_saved_state() {
        lwm2m::persist::PersistedState state;
        check(lwm2m::persist::decode_state(storage_.blob(), state) ==
                  lwm2m::persist::DecodeError::kNone,
              "the client saved a state that does not decode");
        if (!check_saved_state() || commit_unknown_) {
            return;
        }
        if (commit_due_) {
            check(usable_accounts(state), "the state saved after Bootstrap-Finish is not usable");
            std::copy(std::begin(state.security), std::end(state.security), committed_);
            has_committed_ = true;
            commit_due_ = false;
            return;
        }
        if (!has_committed_) {
            check(factory_accounts(state),
                  "the client saved accounts before any accepted Bootstrap-Finish");
            return;
        }
        check(std::equal(std::begin(state.security), std::end(state.security), committed_),
              "the client saved Security instances that no Bootstrap-Finish accepted");
    }

    // A client that boots on the same storage must get going again: with the
    // saved accounts, or with the factory Bootstrap-Server account.
    void reboot() {
        lwm2m::testing::FakeTransport transport;
        lwm2m::Client client(transport, clock_, random_);
        check(client.configure(config_) == lwm2m::Status::kOk,
              "a rebooted client rejects its configuration");
        check(client.registration_state() != RegistrationState::kFailed,
              "a rebooted client has no usable account");
        client.step();
        check(client.registration_state() != RegistrationState::kFailed,
              "a rebooted client fails in its first step");
    }

    lwm2m::testing::FakeTransport transport_;
    lwm2m::testing::FakeClock clock_;
    lwm2m::testing::FakeRandom random_;
    lwm2m::testing::FakeStorage storage_;
    lwm2m::ClientConfig config_;
    lwm2m::Client client_;
    // Requests of the input, in a ring. Their views point into the fuzz
    // input, which outlives the run.
    Message requests_[kRememberedRequests];
    size_t requests_count_ = 0;
    // The client sent 2.04 for a Bootstrap-Finish since its last
    // Bootstrap-Request.
    bool finish_accepted_ = false;
    bool commit_unknown_ = false;
    // Message ID of the last Bootstrap-Request.
    bool has_bootstrap_request_ = false;
    uint16_t bootstrap_request_id_ = 0;
    // A Bootstrap-Finish was accepted, and the next saved state is the one it
    // committed.
    bool commit_due_ = false;
    // A bootstrap session ended in kFailed or kDeregistered.
    bool bootstrap_session_failed_ = false;
    // The Security instances of the last committed state.
    bool has_committed_ = false;
    lwm2m::detail::SecurityInstance committed_[LWM2M_MAX_SECURITY_INSTANCES];
};

}  // namespace

namespace lwm2m::fuzz {

void run_bootstrap(std::span<const uint8_t> input) {
    const uint8_t* data = input.data();
    const size_t size = input.size();
    Run run(size);
    run.start();

    size_t pos = 0;
    int records = 0;
    while (pos + 3 <= size && records < kMaxRecords) {
        const uint8_t clock_byte = data[pos];
        const size_t length = (size_t{data[pos + 1]} << 8) | data[pos + 2];
        pos += 3;
        const size_t available = length < size - pos ? length : size - pos;
        if (available > sizeof(lwm2m::testing::Datagram::bytes)) {
            break;
        }
        run.feed(data + pos, available, clock_byte);
        pos += available;
        ++records;
    }
    run.finish();
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_bootstrap({data, size});
    return 0;
}
#endif
