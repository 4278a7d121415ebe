#!/usr/bin/env bash
# make_test_pki.sh DIR
# Writes a throwaway PKI for the TLS tests into DIR (created if missing). Nothing here is
# committed: every test run makes its own keys, which die with its temporary folder.
#   ca.pem                 the test CA clients are told to trust (ca_file); its key is deleted
#   other-ca.pem           a second CA that signed nothing the server uses ("wrong CA")
#   server.pem/.key        signed by ca.pem for IP 127.0.0.1, IP ::1 and DNS localhost
#   other-name.pem/.key    signed by ca.pem, but only for DNS other.example (name mismatch)
#   expired.pem/.key       signed by ca.pem for 127.0.0.1 and localhost, already expired
#   self-signed.pem/.key   for 127.0.0.1 and localhost, signed by its own key
# EC P-256 keys: generated in milliseconds, so each test can afford a fresh set.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"

# A config of our own: the machine's openssl.cnf may add extensions of its own.
cat > openssl.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::HOTSTATE_TEST_SAN
[self]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $ENV::HOTSTATE_TEST_SAN
CNF
export OPENSSL_CONF=$PWD/openssl.cnf HOTSTATE_TEST_SAN=DNS:unused

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2> /dev/null; }

make_ca() {  # NAME CN
  new_key "$1.key"
  openssl req -new -x509 -config openssl.cnf -extensions ca -key "$1.key" -subj "/CN=$2" \
    -days 2 -out "$1.pem"
}

# NAME SAN DAYS: a leaf certificate signed by ca.pem (DAYS -1: expired yesterday).
make_leaf() {
  new_key "$1.key"
  openssl req -new -config openssl.cnf -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  HOTSTATE_TEST_SAN=$2 openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -extfile openssl.cnf -extensions leaf -days "$3" -out "$1.pem" 2> /dev/null
  rm -f "$1.csr"
}

make_ca ca "hotstate test CA"
make_ca other-ca "hotstate other test CA"
make_leaf server "IP:127.0.0.1, IP:::1, DNS:localhost" 2
make_leaf other-name "DNS:other.example" 2
make_leaf expired "IP:127.0.0.1, DNS:localhost" -1
new_key self-signed.key
HOTSTATE_TEST_SAN="IP:127.0.0.1, DNS:localhost" openssl req -new -x509 -config openssl.cnf \
  -extensions self -key self-signed.key -subj "/CN=self-signed" -days 2 -out self-signed.pem
rm -f ca.srl ca.key other-ca.key openssl.cnf
