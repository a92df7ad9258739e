// The built-in objects: Server object versions 1.0 to 1.2 and their new
// resources, Device resources provided by the application, Error Code and
// the Security object's resource set.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "dm/data_model.hpp"
#include "dm_test_support.hpp"
#include "io/payload_sink.hpp"

namespace lwm2m::dm {
namespace {

using test_support::DataModel;
using test_support::Exchange;
namespace code = coap::code;
namespace option = coap::option;
namespace format = coap::format;

// Reads `path` as SenML JSON and returns {name: value} of every record.
std::map<std::string, nlohmann::json> read_senml(DataModel& model,
                                                 std::initializer_list<const char*> path) {
    Exchange exchange(code::kGet);
    exchange.path(path).uint_option(option::kAccept, format::kSenmlJson);
    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    std::map<std::string, nlohmann::json> values;
    std::string base_name;
    for (const nlohmann::json& record : nlohmann::json::parse(exchange.response_payload())) {
        base_name = record.value("bn", base_name);
        const std::string name = base_name + record.value("n", std::string());
        for (const char* key : {"v", "vs", "vb", "vlo"}) {
            if (record.contains(key)) {
                values[name] = record[key];
            }
        }
    }
    return values;
}

// Writes `text` to a single resource as text/plain and returns the response code.
uint8_t write_text(DataModel& model, std::initializer_list<const char*> path, const char* text) {
    Exchange exchange(code::kPut);
    exchange.path(path).uint_option(option::kContentFormat, format::kTextPlain).payload(text);
    return exchange.serve(model.data, model.clock);
}

// Writes a SenML JSON payload to `path` (PUT replaces, POST updates).
uint8_t write_senml(DataModel& model, uint8_t method, std::initializer_list<const char*> path,
                    const char* payload) {
    Exchange exchange(method);
    exchange.path(path).uint_option(option::kContentFormat, format::kSenmlJson).payload(payload);
    return exchange.serve(model.data, model.clock);
}

std::string discover(DataModel& model, std::initializer_list<const char*> path) {
    Exchange exchange(code::kGet);
    exchange.path(path).uint_option(option::kAccept, format::kLinkFormat);
    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    return exchange.response_payload();
}

// A model whose client is configured for `version`.
struct VersionedModel : DataModel {
    explicit VersionedModel(Lwm2mVersion version) {
        data.config.version = version;
        data.server_object.select_version(version);
    }
};

// ---------------------------------------------------------------------------
// Server object versions

TEST(Unit, ServerVersionFollowsLwm2mVersion) {
    struct VersionCase {
        Lwm2mVersion version;
        const char* links;
    };
    const VersionCase cases[] = {
        {Lwm2mVersion::k1_0, "</1/0>,</3>;ver=1.1,</3/0>"},
        {Lwm2mVersion::k1_1, "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>"},
        {Lwm2mVersion::k1_2, "</1>;ver=1.2,</1/0>,</3>;ver=1.1,</3/0>"},
    };
    for (const VersionCase& test : cases) {
        VersionedModel model(test.version);
        std::array<uint8_t, 128> buffer{};
        io::PayloadSink sink(buffer);
        write_registration_links(model.data, sink);
        const std::string links(reinterpret_cast<const char*>(sink.kept().data()),
                                sink.kept().size());
        EXPECT_EQ(links, test.links);
    }
}

TEST(Unit, Server10ListsResourcesZeroToEight) {
    VersionedModel model(Lwm2mVersion::k1_0);

    const std::string links = discover(model, {"1", "0"});

    EXPECT_NE(links.find("</1/0/8>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</1/0/9>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</1/0/17>"), std::string::npos) << links;
}

TEST(Unit, Server11ListsResourcesUpTo23) {
    VersionedModel model(Lwm2mVersion::k1_1);

    const std::string links = discover(model, {"1", "0"});

    EXPECT_NE(links.find(",</1/0/9>,</1/0/10>,</1/0/14>,</1/0/15>,"), std::string::npos) << links;
    EXPECT_NE(links.find(",</1/0/23>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</1/0/24>"), std::string::npos) << links;
}

TEST(Unit, Server12ListsNewResources) {
    VersionedModel model(Lwm2mVersion::k1_2);

    const std::string links = discover(model, {"1", "0"});

    EXPECT_NE(links.find(",</1/0/24>;dim=0,</1/0/25>;dim=0,</1/0/26>,</1/0/27>"), std::string::npos)
        << links;
    // No DTLS alert, no bootstrap and no registration order exist yet.
    EXPECT_EQ(links.find("</1/0/11>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</1/0/12>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</1/0/13>"), std::string::npos) << links;
}

TEST(Unit, Server12ReadInstance) {
    VersionedModel model(Lwm2mVersion::k1_2);
    model.data.session->server.initial_registration_delay_s = 30;

    std::map<std::string, nlohmann::json> values = read_senml(model, {"1", "0"});

    EXPECT_EQ(values["/1/0/1"], 86400);
    EXPECT_EQ(values["/1/0/10"], "65535:65535");
    EXPECT_EQ(values["/1/0/14"], 30);
    EXPECT_EQ(values["/1/0/15"], false);
    EXPECT_EQ(values["/1/0/16"], true);
    EXPECT_EQ(values["/1/0/21"], false);
    EXPECT_EQ(values["/1/0/22"], "U");
    EXPECT_EQ(values["/1/0/26"], 0);
    EXPECT_EQ(values["/1/0/27"], 0);
    EXPECT_EQ(values.count("/1/0/11"), 0u);
    EXPECT_EQ(values.count("/1/0/9"), 0u) << "an executable resource was read";
}

TEST(Unit, ServerAbsentResourceNotFound) {
    VersionedModel model(Lwm2mVersion::k1_2);
    for (const char* resource : {"11", "12", "13"}) {
        SCOPED_TRACE(resource);
        Exchange exchange(code::kGet);
        exchange.path({"1", "0", resource});

        EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
    }
}

TEST(Unit, Server11HidesVersion12Resources) {
    VersionedModel model(Lwm2mVersion::k1_1);
    Exchange exchange(code::kGet);
    exchange.path({"1", "0", "26"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
}

// ---------------------------------------------------------------------------
// Server object writes

TEST(Unit, DefaultNotificationModeWrite) {
    VersionedModel model(Lwm2mVersion::k1_2);

    ASSERT_EQ(write_text(model, {"1", "0", "26"}, "1"), code::kChanged);
    EXPECT_EQ(model.data.session->server.default_notification_mode, 1);

    EXPECT_EQ(write_text(model, {"1", "0", "26"}, "2"), code::kBadRequest);
    EXPECT_EQ(write_text(model, {"1", "0", "26"}, "-1"), code::kBadRequest);
    EXPECT_EQ(model.data.session->server.default_notification_mode, 1);
}

TEST(Unit, PreferredTransportWrite) {
    VersionedModel model(Lwm2mVersion::k1_2);

    ASSERT_EQ(write_text(model, {"1", "0", "22"}, "T"), code::kChanged);
    EXPECT_EQ(model.data.session->server.preferred_transport, 'T');
    ASSERT_EQ(write_text(model, {"1", "0", "22"}, "M"), code::kChanged);
    EXPECT_EQ(model.data.session->server.preferred_transport, 'M');

    for (const char* invalid : {"X", "u", "UT", ""}) {
        SCOPED_TRACE(invalid);
        EXPECT_EQ(write_text(model, {"1", "0", "22"}, invalid), code::kBadRequest);
    }
    EXPECT_EQ(model.data.session->server.preferred_transport, 'M');
}

TEST(Unit, PreferredTransportMqttNeeds12) {
    VersionedModel model(Lwm2mVersion::k1_1);

    EXPECT_EQ(write_text(model, {"1", "0", "22"}, "M"), code::kBadRequest);
    EXPECT_EQ(model.data.session->server.preferred_transport, 'U');
}

TEST(Unit, InitialRegistrationDelayWrite) {
    VersionedModel model(Lwm2mVersion::k1_1);

    ASSERT_EQ(write_text(model, {"1", "0", "14"}, "45"), code::kChanged);
    EXPECT_EQ(model.data.session->server.initial_registration_delay_s, 45u);
    EXPECT_EQ(write_text(model, {"1", "0", "14"}, "-5"), code::kBadRequest);
}

TEST(Unit, ApnLinkWrite) {
    VersionedModel model(Lwm2mVersion::k1_1);

    ASSERT_EQ(write_text(model, {"1", "0", "10"}, "11:2"), code::kChanged);
    EXPECT_EQ(model.data.session->server.apn_link.object_id, 11);
    EXPECT_EQ(model.data.session->server.apn_link.instance_id, 2);

    // Only the APN connection profile object (11) or the null link.
    EXPECT_EQ(write_text(model, {"1", "0", "10"}, "3:0"), code::kBadRequest);
    EXPECT_EQ(write_text(model, {"1", "0", "10"}, "65535:0"), code::kBadRequest);
    ASSERT_EQ(write_text(model, {"1", "0", "10"}, "65535:65535"), code::kChanged);
    EXPECT_EQ(model.data.session->server.apn_link.object_id, 0xffff);
}

TEST(Unit, TriggerTrueRejected) {
    VersionedModel model(Lwm2mVersion::k1_1);

    EXPECT_EQ(write_text(model, {"1", "0", "21"}, "1"), code::kBadRequest);
    EXPECT_EQ(write_text(model, {"1", "0", "21"}, "0"), code::kChanged);
}

TEST(Unit, RegistrationFailureResourcesReadOnly) {
    VersionedModel model(Lwm2mVersion::k1_2);
    model.data.session->server.bootstrap_on_registration_failure = true;

    EXPECT_EQ(write_text(model, {"1", "0", "15"}, "1"), code::kMethodNotAllowed);
    EXPECT_EQ(write_text(model, {"1", "0", "16"}, "0"), code::kMethodNotAllowed);
    std::map<std::string, nlohmann::json> values = read_senml(model, {"1", "0", "16"});
    EXPECT_EQ(values["/1/0/16"], true);
}

TEST(Unit, ProfileIdHashAlgorithmWrite) {
    VersionedModel model(Lwm2mVersion::k1_2);

    ASSERT_EQ(write_text(model, {"1", "0", "27"}, "1"), code::kChanged);
    EXPECT_EQ(model.data.session->server.profile_id_hash_algorithm, 1);
    EXPECT_EQ(write_text(model, {"1", "0", "27"}, "256"), code::kBadRequest);
    EXPECT_EQ(model.data.session->server.profile_id_hash_algorithm, 1);
}

TEST(Unit, AlternateApnLinksReplaceAndUpdate) {
    VersionedModel model(Lwm2mVersion::k1_2);

    ASSERT_EQ(write_senml(model, code::kPut, {"1", "0", "24"},
                          R"([{"bn":"/1/0/24/","n":"5","vlo":"11:1"},{"n":"2","vlo":"11:0"}])"),
              code::kChanged);
    ASSERT_EQ(
        write_senml(model, code::kPost, {"1", "0"}, R"([{"bn":"/1/0/","n":"24/5","vlo":"11:7"}])"),
        code::kChanged);

    EXPECT_EQ(discover(model, {"1", "0", "24"}), "</1/0/24>;dim=2,</1/0/24/2>,</1/0/24/5>");
    std::map<std::string, nlohmann::json> values = read_senml(model, {"1", "0", "24"});
    EXPECT_EQ(values["/1/0/24/2"], "11:0");
    EXPECT_EQ(values["/1/0/24/5"], "11:7");

    // A replacing Write removes the instances it does not name.
    ASSERT_EQ(write_senml(model, code::kPut, {"1", "0", "24"},
                          R"([{"bn":"/1/0/24/","n":"9","vlo":"11:3"}])"),
              code::kChanged);
    EXPECT_EQ(discover(model, {"1", "0", "24"}), "</1/0/24>;dim=1,</1/0/24/9>");
}

TEST(Unit, AlternateApnLinksBeyondCapacity) {
    VersionedModel model(Lwm2mVersion::k1_2);
    std::string payload = "[";
    for (int i = 0; i <= LWM2M_MAX_ALTERNATE_APN_LINKS; ++i) {
        payload += (i == 0 ? "" : ",") + std::string(R"({"n":"/1/0/24/)") + std::to_string(i) +
                   R"(","vlo":"11:0"})";
    }
    payload += "]";

    EXPECT_EQ(write_senml(model, code::kPut, {"1", "0", "24"}, payload.c_str()),
              code::kRequestEntityTooLarge);
    EXPECT_EQ(model.data.session->server.alternate_apn_link_count, 0)
        << "the write was not rolled back";
}

TEST(Unit, SupportedServerVersionsWrite) {
    VersionedModel model(Lwm2mVersion::k1_2);

    ASSERT_EQ(write_senml(model, code::kPut, {"1", "0", "25"},
                          R"([{"bn":"/1/0/25/","n":"0","vs":"1.1"},{"n":"1","vs":"1.2.1"}])"),
              code::kChanged);
    std::map<std::string, nlohmann::json> values = read_senml(model, {"1", "0", "25"});
    EXPECT_EQ(values["/1/0/25/0"], "1.1");
    EXPECT_EQ(values["/1/0/25/1"], "1.2.1");

    for (const char* invalid : {"1", "1.", ".1", "1..2", "1.2.3.4", "v1.2", "1.2.3456789012"}) {
        SCOPED_TRACE(invalid);
        const std::string payload = std::string(R"([{"n":"/1/0/25/0","vs":")") + invalid + R"("}])";
        EXPECT_EQ(write_senml(model, code::kPost, {"1", "0"}, payload.c_str()), code::kBadRequest);
    }
    EXPECT_EQ(read_senml(model, {"1", "0", "25", "0"})["/1/0/25/0"], "1.1");
}

TEST(Unit, ServerWriteRollsBackNewResources) {
    VersionedModel model(Lwm2mVersion::k1_2);
    // The Write sets Default Notification Mode and an APN link, then fails
    // on Preferred Transport, so neither value is kept.
    const uint8_t result = write_senml(
        model, code::kPost, {"1", "0"},
        R"([{"bn":"/1/0/","n":"26","v":1},{"n":"24/0","vlo":"11:0"},{"n":"22","vs":"Z"}])");

    EXPECT_EQ(result, code::kBadRequest);
    EXPECT_EQ(model.data.session->server.default_notification_mode, 0);
    EXPECT_EQ(model.data.session->server.alternate_apn_link_count, 0);
    EXPECT_EQ(model.data.session->server.preferred_transport, 'U');
}

TEST(Unit, BootstrapRequestTriggerNotAllowed) {
    VersionedModel model(Lwm2mVersion::k1_1);
    Exchange exchange(code::kPost);
    exchange.path({"1", "0", "9"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
    EXPECT_EQ(model.data.session->state, RegistrationState::kUnconfigured);
}

// ---------------------------------------------------------------------------
// Device resources from the application

// Values a fake application returns for the provided Device resources.
struct DeviceValues {
    int64_t battery_level = 87;
    int read_count = 0;
};

Status read_device_value(void* context, uint16_t resource_id, uint16_t resource_instance_id,
                         Value& value) {
    DeviceValues& values = *static_cast<DeviceValues*>(context);
    ++values.read_count;
    switch (resource_id) {
        case 6:
            value = Value::make_integer(resource_instance_id == 0 ? 1 : 5);  // battery, USB
            return Status::kOk;
        case 7:
            value = Value::make_integer(resource_instance_id == 0 ? 3700 : 5000);
            return Status::kOk;
        case 8:
            value = Value::make_integer(resource_instance_id == 0 ? 120 : 450);
            return Status::kOk;
        case 9:
            value = Value::make_integer(values.battery_level);
            return Status::kOk;
        case 10:
            value = Value::make_integer(64);
            return Status::kOk;
        case 20:
            value = Value::make_integer(1);  // charging
            return Status::kOk;
        case 21:
            value = Value::make_integer(256);
            return Status::kOk;
        case 22:
            value = Value::make_objlnk(3, 1);
            return Status::kOk;
    }
    return Status::kNotFound;
}

struct ProvidedDeviceModel : DataModel {
    ProvidedDeviceModel() {
        DeviceInfo& device = data.config.device;
        device.provided_resources = kDeviceProvidableResources;
        device.power_source_count = 2;
        device.ext_dev_info_count = 1;
        device.read_resource = read_device_value;
        device.read_resource_context = &values;
    }

    DeviceValues values;
};

TEST(Unit, DeviceUnprovidedResourcesAbsent) {
    DataModel model;

    const std::string links = discover(model, {"3", "0"});
    for (const char* resource : {"6", "7", "8", "9", "10", "20", "21", "22"}) {
        SCOPED_TRACE(resource);
        EXPECT_EQ(links.find("</3/0/" + std::string(resource) + ">"), std::string::npos) << links;
        Exchange exchange(code::kGet);
        exchange.path({"3", "0", resource});
        EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
    }
    std::map<std::string, nlohmann::json> values = read_senml(model, {"3", "0"});
    EXPECT_EQ(values.count("/3/0/9"), 0u);
}

TEST(Unit, DeviceProvidedResourcesListed) {
    ProvidedDeviceModel model;

    const std::string links = discover(model, {"3", "0"});

    EXPECT_NE(links.find(",</3/0/6>;dim=2,</3/0/7>;dim=2,</3/0/8>;dim=2,</3/0/9>,</3/0/10>,"),
              std::string::npos)
        << links;
    EXPECT_NE(links.find(",</3/0/20>,</3/0/21>,</3/0/22>;dim=1"), std::string::npos) << links;
}

TEST(Unit, DeviceProvidedResourcesRead) {
    ProvidedDeviceModel model;

    std::map<std::string, nlohmann::json> values = read_senml(model, {"3", "0"});

    EXPECT_EQ(values["/3/0/6/0"], 1);
    EXPECT_EQ(values["/3/0/6/1"], 5);
    EXPECT_EQ(values["/3/0/7/1"], 5000);
    EXPECT_EQ(values["/3/0/8/0"], 120);
    EXPECT_EQ(values["/3/0/9"], 87);
    EXPECT_EQ(values["/3/0/10"], 64);
    EXPECT_EQ(values["/3/0/20"], 1);
    EXPECT_EQ(values["/3/0/21"], 256);
    EXPECT_EQ(values["/3/0/22/0"], "3:1");
    EXPECT_EQ(values.count("/3/0/6/2"), 0u);
}

TEST(Unit, DeviceOnlyChosenResourcesProvided) {
    ProvidedDeviceModel model;
    model.data.config.device.provided_resources = device_resource_bit(9);

    const std::string links = discover(model, {"3", "0"});

    EXPECT_NE(links.find("</3/0/9>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</3/0/10>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</3/0/6>"), std::string::npos) << links;
}

TEST(Unit, DeviceBatteryLevelOutOfRange) {
    ProvidedDeviceModel model;
    model.values.battery_level = 101;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "9"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kInternalServerError);
}

TEST(Unit, DevicePowerSourceInstanceNotFound) {
    ProvidedDeviceModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "7", "2"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
    EXPECT_EQ(model.values.read_count, 0);
}

TEST(Unit, DeviceProvidedResourceReadOnly) {
    ProvidedDeviceModel model;

    EXPECT_EQ(write_text(model, {"3", "0", "9"}, "50"), code::kMethodNotAllowed);
}

// ---------------------------------------------------------------------------
// Error Code

TEST(Unit, ErrorCodesSetAndCleared) {
    DataModel model;
    detail::DeviceObjectHandler& device = model.data.device_object;

    ASSERT_EQ(device.set_error_code(1), Status::kOk);
    ASSERT_EQ(device.set_error_code(7), Status::kOk);
    ASSERT_EQ(device.set_error_code(1), Status::kOk);
    EXPECT_EQ(discover(model, {"3", "0", "11"}), "</3/0/11>;dim=2,</3/0/11/0>,</3/0/11/1>");
    std::map<std::string, nlohmann::json> values = read_senml(model, {"3", "0", "11"});
    EXPECT_EQ(values["/3/0/11/0"], 1);
    EXPECT_EQ(values["/3/0/11/1"], 7);

    ASSERT_EQ(device.clear_error_code(1), Status::kOk);
    values = read_senml(model, {"3", "0", "11"});
    EXPECT_EQ(values.size(), 1u);
    EXPECT_EQ(values["/3/0/11/0"], 7);

    ASSERT_EQ(device.clear_error_code(7), Status::kOk);
    values = read_senml(model, {"3", "0", "11"});
    EXPECT_EQ(values["/3/0/11/0"], 0);
}

TEST(Unit, ErrorCodeInvalidValues) {
    DataModel model;
    detail::DeviceObjectHandler& device = model.data.device_object;

    EXPECT_EQ(device.set_error_code(0), Status::kInvalidArgument);
    EXPECT_EQ(device.set_error_code(33), Status::kInvalidArgument);
    EXPECT_EQ(device.clear_error_code(5), Status::kNotFound);
    for (uint8_t error_code = 1; error_code <= 4; ++error_code) {
        ASSERT_EQ(device.set_error_code(error_code), Status::kOk);
    }
    EXPECT_EQ(device.set_error_code(16), Status::kNoSpace);
}

TEST(Unit, ResetErrorCodeClearsAll) {
    DataModel model;
    ASSERT_EQ(model.data.device_object.set_error_code(2), Status::kOk);
    Exchange exchange(code::kPost);
    exchange.path({"3", "0", "12"});

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);
    EXPECT_EQ(read_senml(model, {"3", "0", "11"})["/3/0/11/0"], 0);
}

// ---------------------------------------------------------------------------
// Security object

TEST(Unit, SecurityDeclaresVersion11Resources) {
    DataModel model;
    const Object& security = model.data.security_object;

    for (uint16_t resource_id = 0; resource_id <= 17; ++resource_id) {
        EXPECT_NE(security.find_resource(resource_id), nullptr) << resource_id;
    }
    EXPECT_TRUE(security.find_resource(16)->multiple);
    EXPECT_EQ(security.find_resource(17)->type, DataType::kObjlnk);
    // A NoSec account has no SMS, (D)TLS or OSCORE settings.
    EXPECT_TRUE(security.has_resource(0, 10));
    EXPECT_FALSE(security.has_resource(0, 6));
    EXPECT_FALSE(security.has_resource(0, 14));
}

TEST(Unit, SecurityReadUnauthorized) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"0", "0", "5"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kUnauthorized);
    EXPECT_TRUE(exchange.response().payload.empty());
}

}  // namespace
}  // namespace lwm2m::dm
