#!/bin/sh
# Creates a throw-away test PKI in DIR with /usr/bin/openssl: an EC P-256 CA, a server
# certificate for localhost and 127.0.0.1, and one client certificate per endpoint name.
#
#   make_test_pki.sh DIR [ENDPOINT...]      (default endpoint: node-1)
#
# Every key and certificate is written as PEM (NAME.pem, NAME.key.pem) and DER (NAME.der,
# NAME.key.der, the key as PKCS#8). Names: ca, server, and client-ENDPOINT with CN=ENDPOINT.
# The certificates are valid for one day. Tests create DIR at run time; nothing here is
# meant to be committed.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 DIR [ENDPOINT...]" >&2
    exit 2
fi
dir=$1
shift
if [ $# -eq 0 ]; then
    set -- node-1
fi

openssl=${OPENSSL:-/usr/bin/openssl}
mkdir -p "$dir"
cd "$dir"

new_key() {
    "$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key.pem"
    "$openssl" pkcs8 -topk8 -nocrypt -in "$1.key.pem" -outform DER -out "$1.key.der"
}

# Signs NAME.csr with the CA, using the X.509 v3 extensions in NAME.ext.
sign() {
    "$openssl" x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key.pem -CAcreateserial \
        -days 1 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    "$openssl" x509 -in "$1.pem" -outform DER -out "$1.der"
    rm -f "$1.csr" "$1.ext"
}

new_key ca
"$openssl" req -new -x509 -key ca.key.pem -days 1 -sha256 -subj "/CN=lwm2m-cpp test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
"$openssl" x509 -in ca.pem -outform DER -out ca.der

new_key server
"$openssl" req -new -key server.key.pem -subj "/CN=localhost" -out server.csr
cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOF
sign server

for endpoint in "$@"; do
    name=client-$endpoint
    new_key "$name"
    "$openssl" req -new -key "$name.key.pem" -subj "/CN=$endpoint" -out "$name.csr"
    cat >"$name.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF
    sign "$name"
done
rm -f ca.srl
