// The size of the DTLS transport object, for bench/footprint/run to print.
#include <cstdint>

#include "lwm2m/mbedtls/dtls_transport.hpp"

extern "C" const uint32_t lwm2m_dtls_transport_size = sizeof(lwm2m::mbedtls::DtlsTransport);
