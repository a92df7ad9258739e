# Named configurations of the library: lists of definitions for
# lwm2m/config.hpp. A build picks one with -DLWM2M_CONFIGURATION=minimal or
# common (src/CMakeLists.txt); "full", the default, keeps every feature and
# the defaults of config.hpp. Single cache variables (-DLWM2M_WITH_TLV=1)
# still override a configuration's value. bench/footprint measures
# both named configurations against the budgets in docs/benchmarks.md.

# Security, Server and Device objects, Discover, SenML CBOR, one server over
# UDP without DTLS (NoSec), so the Security instance keeps no key.
set(LWM2M_CONFIGURATION_MINIMAL
    LWM2M_WITH_TLV=0 LWM2M_WITH_JSON=0 LWM2M_WITH_LWM2M_CBOR=0 LWM2M_WITH_CBOR=0
    LWM2M_WITH_PERSISTENCE=0 LWM2M_WITH_SEND=0 LWM2M_WITH_BOOTSTRAP=0 LWM2M_WITH_OBSERVE=0
    LWM2M_WITH_ACCESS_CONTROL=0 LWM2M_WITH_RESPONSE_CACHE=0 LWM2M_WITH_TEXT_PLAIN=0
    LWM2M_WITH_OPAQUE=0 LWM2M_WITH_CBOR_EXTRAS=0 LWM2M_WITH_BLOCK1=0 LWM2M_WITH_COMPOSITE=0
    LWM2M_MAX_SERVERS=1 LWM2M_MAX_SECURITY_INSTANCES=1
    LWM2M_SECURITY_IDENTITY_SIZE=1 LWM2M_SECURITY_KEY_SIZE=1 LWM2M_SECURITY_SNI_SIZE=1
)

# The minimal configuration plus Bootstrap, persistence, Observe with
# stored notifications, Send, text/plain and opaque, and a response cache
# (the Firmware Update object is the application's choice: it links in
# when the application adds it).
set(LWM2M_CONFIGURATION_COMMON
    LWM2M_WITH_TLV=0 LWM2M_WITH_JSON=0 LWM2M_WITH_LWM2M_CBOR=0 LWM2M_WITH_CBOR=0
    LWM2M_WITH_ACCESS_CONTROL=0
    LWM2M_MAX_SERVERS=1 LWM2M_MAX_SECURITY_INSTANCES=2
)
