#!/bin/sh
# mkpki.sh DIR [NAME] [ADDRESS] [DAYS]: a test CA NAME (default "ca") with a server certificate
# for 127.0.0.1, localhost and ADDRESS (the cloud's address in the tests), valid DAYS (default 30;
# 0: it expires the second it is made), and a device (client) certificate, made with openssl
# for the SIP tests. Each address is also a DNS name in
# subjectAltName: sofia-sip 1.12 matches host names against dNSName only.
# Writes NAME.pem/.key, NAME-server.crt/.key, NAME-device.crt/.key; keys are mode 0600.
set -eu
dir=$1
ca=${2:-ca}
san=IP:127.0.0.1,DNS:localhost,DNS:127.0.0.1${3:+,IP:$3,DNS:$3}
mkdir -p "$dir"
cd "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=symbridge test CA $ca" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout "$ca.key" -out "$ca.pem" 2>/dev/null
# cert NAME CN EXTENDED-KEY-USAGE [DAYS]
cert() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$ca-$1.key" -out "$ca-$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$san" \
		"$3" >"$ca-$1.ext"
	# DAYS 0: a certificate that expired yesterday (valid for a day from two days ago), not one
	# whose notAfter is the second it was made (then what a peer reports depends on timing)
	if [ "${4:-30}" = 0 ]; then
		LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME=-2d \
			openssl x509 -req -in "$ca-$1.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
			-days 1 -extfile "$ca-$1.ext" -out "$ca-$1.crt" 2>/dev/null
	else
		openssl x509 -req -in "$ca-$1.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
			-days "${4:-30}" -extfile "$ca-$1.ext" -out "$ca-$1.crt" 2>/dev/null
	fi
	rm -f "$ca-$1.csr" "$ca-$1.ext"
}
cert server "${3:-127.0.0.1}" serverAuth,clientAuth "${4:-30}"
cert device symbridge-device clientAuth,serverAuth
chmod 0644 "$ca.pem" "$ca-server.crt" "$ca-device.crt"
