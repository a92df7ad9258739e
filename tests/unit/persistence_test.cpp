// Client persistence through a fake storage: what is saved, how a rebooted
// client resumes its registration, and how damaged state is ignored.
#include <memory>
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "lwm2m/log.hpp"
#include "persist/state_store.hpp"

namespace lwm2m {
namespace {

using testing::FakeStorage;

std::vector<std::string>& log_lines() {
    static std::vector<std::string> lines;
    return lines;
}

void capture_log(LogLevel level, const char* module, const char* message) {
    const char letter = level == LogLevel::kError ? 'E' : level == LogLevel::kWarning ? 'W' : 'I';
    log_lines().push_back(std::string(1, letter) + " [" + module + "] " + message);
}

bool logged(const std::string& line) {
    for (const std::string& entry : log_lines()) {
        if (entry == line) {
            return true;
        }
    }
    return false;
}

// A client process started again on the same storage, with a fresh transport.
struct Rebooted {
    FakeTransport transport;
    Client client;

    Rebooted(Clock& clock, Random& random) : client(transport, clock, random) {}

    Message last_sent() {
        Message message;
        EXPECT_EQ(coap::decode(transport.last_sent().view(), message), coap::DecodeResult::kOk);
        return message;
    }
};

class PersistenceTest : public ClientTest {
  protected:
    PersistenceTest() {
        config_.storage = &storage_;
        log_lines().clear();
        log::set_output(&capture_log);
    }
    ~PersistenceTest() override { log::set_output(nullptr); }

    std::unique_ptr<Rebooted> reboot() {
        auto rebooted = std::make_unique<Rebooted>(clock_, random_);
        EXPECT_EQ(rebooted->client.configure(config_), Status::kOk);
        return rebooted;
    }

    persist::PersistedState saved() {
        persist::PersistedState state;
        EXPECT_EQ(persist::decode_state(storage_.blob(), state), persist::DecodeError::kNone);
        return state;
    }

    void write_lifetime(const char* value) {
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        const uint8_t token[] = {1};
        writer.header(Type::kConfirmable, code::kPut, 0x100, token);
        writer.add_option(option::kUriPath, "1");
        writer.add_option(option::kUriPath, "0");
        writer.add_option(option::kUriPath, "1");
        writer.add_uint_option(option::kContentFormat, 0);
        writer.append_payload(value);
        transport_.deliver(writer.bytes());
        client_.step();
    }

    FakeStorage storage_;
};

TEST_F(PersistenceTest, NoStorageNoSave) {
    config_.storage = nullptr;
    register_client();
    EXPECT_EQ(storage_.read_calls, 0);
    EXPECT_EQ(storage_.write_calls, 0);
}

TEST_F(PersistenceTest, RegisterSavesRegistration) {
    register_client();
    ASSERT_TRUE(storage_.present);
    EXPECT_STREQ(storage_.name, "lwm2m-state");
    const persist::PersistedState state = saved();
    EXPECT_STREQ(state.endpoint_name, "dev1");
    EXPECT_EQ(state.factory_checksum, persist::factory_checksum(config_));
    EXPECT_EQ(state.security[0].id, 0);
    EXPECT_STREQ(state.security[0].uri, "coap://192.0.2.1:5683");
    EXPECT_EQ(state.sessions[0].server.short_server_id, 1);
    EXPECT_TRUE(state.sessions[0].registration.registered);
    EXPECT_EQ(state.sessions[0].registration.local_port, 40000);
    EXPECT_STREQ(state.sessions[0].registration.location, "/rd/5a");
    EXPECT_EQ(state.sessions[0].registration.lifetime_s, 300u);
    EXPECT_EQ(state.sessions[0].registration.expiry_s, clock_.real_time_s() + 300);
}

TEST_F(PersistenceTest, MissingStateLogsAndRegisters) {
    configure();
    EXPECT_TRUE(
        logged("I [persist] no saved state 'lwm2m-state', starting from the configuration"));
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"rd"});
}

TEST_F(PersistenceTest, RebootSendsUpdateFromSamePort) {
    register_client();
    auto rebooted = reboot();
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kRegistered);
    EXPECT_STREQ(rebooted->client.location(), "/rd/5a");

    rebooted->client.step();
    ASSERT_EQ(rebooted->transport.sent_count, 1u);
    const Message update = rebooted->last_sent();
    EXPECT_EQ(update.code, code::kPost);
    EXPECT_EQ(options_of(update, option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
    EXPECT_EQ(rebooted->transport.last_sent_port(), 40000);
}

TEST_F(PersistenceTest, RejectedUpdateAfterRebootRegisters) {
    register_client();
    auto rebooted = reboot();
    rebooted->client.step();
    const Message update = rebooted->last_sent();

    uint8_t buffer[32];
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, code::kNotFound, update.message_id, update.token_view());
    rebooted->transport.deliver(writer.bytes());
    rebooted->client.step();

    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kRegistering);
    const Message reg = rebooted->last_sent();
    EXPECT_EQ(options_of(reg, option::kUriPath), std::vector<std::string>{"rd"});
    EXPECT_EQ(options_of(reg, option::kUriQuery)[0], "ep=dev1");
}

TEST_F(PersistenceTest, LifetimeWriteSavedAndRestored) {
    register_client();
    const int writes_before = storage_.write_calls;
    write_lifetime("120");
    EXPECT_GT(storage_.write_calls, writes_before);
    EXPECT_EQ(saved().sessions[0].server.lifetime_s, 120u);

    auto rebooted = reboot();
    rebooted->client.step();
    // The written lifetime was not yet sent, so the resumed Update carries it.
    const std::vector<std::string> query = options_of(rebooted->last_sent(), option::kUriQuery);
    EXPECT_EQ(query, std::vector<std::string>{"lt=120"});
}

TEST_F(PersistenceTest, UnchangedWriteSavesNothing) {
    register_client();
    const int writes_before = storage_.write_calls;
    write_lifetime("300");
    EXPECT_EQ(storage_.write_calls, writes_before);
}

TEST_F(PersistenceTest, CorruptStateLogsAndRegisters) {
    register_client();
    storage_.bytes[persist::kHeaderSize + 2] ^= 0x40;
    auto rebooted = reboot();
    EXPECT_TRUE(logged(
        "E [persist] state 'lwm2m-state' is corrupt (bad checksum), starting from the factory "
        "configuration"));
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kNotRegistered);
    rebooted->client.step();
    EXPECT_EQ(options_of(rebooted->last_sent(), option::kUriPath), std::vector<std::string>{"rd"});
}

TEST_F(PersistenceTest, TruncatedStateIgnored) {
    register_client();
    storage_.size -= 5;
    auto rebooted = reboot();
    EXPECT_TRUE(
        logged("E [persist] state 'lwm2m-state' is corrupt (truncated), starting from the factory "
               "configuration"));
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(PersistenceTest, OtherVersionIgnored) {
    register_client();
    storage_.bytes[4] = persist::kFormatVersion + 1;
    auto rebooted = reboot();
    EXPECT_TRUE(logged(
        "E [persist] state 'lwm2m-state' is corrupt (unsupported format version), starting from "
        "the factory configuration"));
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(PersistenceTest, OtherEndpointIgnored) {
    register_client();
    config_.endpoint_name = "dev2";
    auto rebooted = reboot();
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(PersistenceTest, OtherServerIgnored) {
    register_client();
    config_.server_uri = "coap://192.0.2.2:5683";
    auto rebooted = reboot();
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(PersistenceTest, ExpiredRegistrationRegisters) {
    register_client();
    clock_.now_ms += 301 * 1000;
    auto rebooted = reboot();
    EXPECT_EQ(rebooted->client.registration_state(), RegistrationState::kNotRegistered);
    rebooted->client.step();
    EXPECT_EQ(options_of(rebooted->last_sent(), option::kUriPath), std::vector<std::string>{"rd"});
}

TEST_F(PersistenceTest, DeregisterSavesUnregistered) {
    register_client();
    client_.deregister();
    client_.step();
    respond(code::kDeleted);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kDeregistered);
    EXPECT_FALSE(saved().sessions[0].registration.registered);
}

TEST_F(PersistenceTest, FailedWriteIsLogged) {
    storage_.write_result = Status::kStorageError;
    register_client();
    EXPECT_TRUE(logged("E [persist] cannot save state 'lwm2m-state': storage error"));
}

}  // namespace
}  // namespace lwm2m
