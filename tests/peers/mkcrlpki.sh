#!/bin/sh
# mkcrlpki.sh: a test CA run with `openssl ca` (index, serials, CRLs), for the revocation tests.
#   mkcrlpki.sh init DIR CDP [ADDRESS]  CA "ca" (ca.pem/.key) with ca-server.crt/.key (127.0.0.1
#                                and ADDRESS, as IP and DNS name) and ca-device.crt/.key, each
#                                naming the CRL distribution point CDP
#   mkcrlpki.sh issue DIR NAME   one more server certificate, ca-NAME.crt/.key
#   mkcrlpki.sh revoke DIR NAME  revoke ca-NAME.crt
#   mkcrlpki.sh gencrl DIR OUT [stale]  the CRL, DER, into OUT; stale: nextUpdate yesterday
# Files as tests/peers/mkpki.sh names them, so tests/lib/mqtt.sh's broker takes them.
set -eu
cmd=$1 dir=$2
cd "$dir" 2>/dev/null || { mkdir -p "$dir" && cd "$dir"; }
umask 077
issue() { # NAME CN
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "ca-$1.key" -out "ca-$1.csr" 2>/dev/null
	openssl ca -batch -config ca.cnf -extensions leaf -in "ca-$1.csr" -out "ca-$1.crt" 2>/dev/null
	rm -f "ca-$1.csr"
	chmod 0644 "ca-$1.crt"
}
case $cmd in
init)
	mkdir -p newcerts
	: >index.txt
	echo 1000 >serial
	echo 01 >crlnumber
	cat >ca.cnf <<CNF
[ ca ]
default_ca = the_ca
[ the_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
crlnumber = ./crlnumber
certificate = ./ca.pem
private_key = ./ca.key
default_md = sha256
default_days = 30
default_crl_days = 1
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:127.0.0.1${4:+,IP:$4,DNS:$4}
extendedKeyUsage = serverAuth,clientAuth
crlDistributionPoints = URI:$3
CNF
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=symbridge test CRL CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout ca.key -out ca.pem 2>/dev/null
	chmod 0644 ca.pem
	issue server "${4:-127.0.0.1}"
	issue device symbridge-device
	;;
issue) issue "$3" 127.0.0.1 ;;
revoke) openssl ca -batch -config ca.cnf -revoke "ca-$3.crt" 2>/dev/null ;;
gencrl)
	if [ "${4:-}" = stale ]; then
		set -- "$@" -crl_lastupdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" \
			-crl_nextupdate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
		out=$3
		shift 4
	else
		out=$3
		shift 3
	fi
	openssl ca -batch -config ca.cnf -gencrl -out crl.pem "$@" 2>/dev/null
	openssl crl -in crl.pem -outform DER -out "$out.new" && chmod 0644 "$out.new" && mv "$out.new" "$out"
	;;
esac
