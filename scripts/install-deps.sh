#!/bin/sh
# install-deps.sh: every Debian 12 package symbridge needs to build, run and test (run as root).
set -eu
pkgs="build-essential autoconf automake pkg-config
      libuv1-dev libconfig-dev liblmdb-dev libjansson-dev libedit-dev libssl-dev
      libsofia-sip-ua-dev libsrtp2-dev libspandsp-dev libopus-dev libpri-dev dahdi-source
      libmicrohttpd-dev curl prometheus
      libcmocka-dev liburing-dev libmosquitto-dev libcurl4-openssl-dev mosquitto mosquitto-clients python3 tmux libfaketime baresip-core
      sip-tester kamailio kamailio-tls-modules openssl valgrind strace fail2ban keepalived
      clang libclang-rt-14-dev"
# --packaging: also what `make deb`, `make rpm` and `make check-packages` need
if [ "${1:-}" = --packaging ]; then
	pkgs="$pkgs debhelper dh-autoreconf dpkg-dev fakeroot lintian rpm rpm2cpio cpio systemd man-db"
fi
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: missing packages:$missing; run this script as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# --no-install-recommends keeps DAHDI's kernel-module builders (dkms, headers) out
apt-get install -y --no-install-recommends $missing
