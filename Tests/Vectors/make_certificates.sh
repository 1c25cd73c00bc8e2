#!/bin/sh
# Makes the test certificates of Tests/ProtocolsTests/CertificateTests.swift with OpenSSL 3.0 and prints each
# as a Swift base64 literal followed by `openssl x509 -text` facts as comments. Keys are thrown away.
#   sh Tests/Vectors/make_certificates.sh > /tmp/certificates.txt
set -eu
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; cd "$dir"
touch index.txt; echo 1000 > serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = here
[here]
dir = .
database = index.txt
serial = serial
new_certs_dir = .
policy = any
unique_subject = no
copy_extensions = copy
email_in_dn = no
[any]
commonName = supplied
organizationName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = CA:FALSE
[bare]
CNF
issue() { # name key-args subject md start end extensions san signer
  name=$1; shift
  openssl genpkey $1 -out "$name.key" 2>/dev/null 
  openssl req -new -key "$name.key" -subj "$2" -out "$name.csr" ${7:+-addext "subjectAltName=$7"} 
  if [ "$8" = self ]; then signer="-selfsign -keyfile $name.key"; else signer="-cert $8.pem -keyfile $8.key"; fi
  md="-md $3"; [ "$3" = null ] && md=""
  openssl ca -batch -config ca.cnf -notext $md -startdate "$4" -enddate "$5" -extensions "$6" \
    $signer -in "$name.csr" -out "$name.pem" 2>/dev/null 
  openssl x509 -in "$name.pem" -outform DER -out "$name.der"
  echo "    // $name: $(openssl x509 -in "$name.pem" -noout -subject -issuer -serial -startdate -enddate | tr '\n' ' ')"
  echo "    // sha256 $(openssl x509 -in "$name.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"
  echo "    // sha1 $(openssl x509 -in "$name.pem" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | tr A-F a-f)"
  echo "    static let $name = \"$(base64 -w0 "$name.der")\""
}
# name key subject md start end extensions SAN signer
issue root "-algorithm RSA -pkeyopt rsa_keygen_bits:2048" "/O=cleartext tests/CN=Test Root CA" sha256 \
  20200101000000Z 20400101000000Z root "" self
issue rsa2048 "-algorithm RSA -pkeyopt rsa_keygen_bits:2048" "/O=Example, Inc./CN=mail.example.com" sha256 \
  20240101000000Z 20340101000000Z leaf "DNS:mail.example.com,DNS:*.example.org,IP:192.0.2.10,IP:2001:db8::1" root
issue rsa1024sha1 "-algorithm RSA -pkeyopt rsa_keygen_bits:1024" "/CN=old.example.com" sha1 \
  20100101000000Z 20120101000000Z leaf "DNS:old.example.com" root
issue p256 "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" "/CN=ec.example.net" sha256 \
  20300101000000Z 20310101000000Z bare "" self
issue wildcard "-algorithm EC -pkeyopt ec_paramgen_curve:P-384" "/CN=*.example.com" sha384 \
  20240101000000Z 20500101120000Z leaf "DNS:*.example.com" root
issue p192 "-algorithm EC -pkeyopt ec_paramgen_curve:prime192v1" "/CN=tiny.example.net" sha256 \
  20240101000000Z 20340101000000Z bare "" self
issue ed25519 "-algorithm ED25519" "/CN=ed.example.net" null \
  20240101000000Z 20340101000000Z leaf "DNS:ed.example.net" self
