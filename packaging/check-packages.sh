#!/bin/sh
# check-packages.sh OUTDIR NAME VERSION: checks the .deb and .rpm that build-deb.sh and build-rpm.sh
# left in OUTDIR, as TAP. Always: files, conffiles, permissions, the installed config passing
# `symbridged -t`, the unit (systemd-analyze verify and security) and its commands run from the
# unpacked package up to READY=1. With CI=true or SB_PACKAGE_INSTALL=1 (as root) the .deb is also
# installed on this machine for real, its maintainer scripts checked, then purged (README.md).
set -u
out=$(cd "$1" && pwd) || exit 1
name=$2
version=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/lib/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbpkg.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

deb=$(ls "$out"/deb/${name}_${version}-*_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
dbgsym=$(ls "$out"/deb/${name}-dbgsym_${version}-*_*.deb 2>/dev/null | head -n 1)
rpmf=$(ls "$out"/rpm/RPMS/*/${name}-${version}-*.rpm 2>/dev/null | head -n 1)
vdeb=$(ls "$out"/deb/${name}-vendor-tools_${version}-*_*.deb 2>/dev/null | head -n 1)
vrpm=$(ls "$out"/rpm/RPMS/*/${name}-vendor-tools-${version}-*.rpm 2>/dev/null | head -n 1)
src=$out/deb/$name-$version        # the unpacked release tarball the .deb was built from

# What the packages must hold, taken from the release tree so that a program or man page added
# later is expected without editing this script: every bin/sbin program and every man page.
programs=$(sed -n 's/^\(s\{0,1\}bin\)_PROGRAMS[[:space:]]*+\{0,1\}=[[:space:]]*\(.*\)/\1 \2/p' \
	$(find "$src" -name local.mk) "$src/Makefile.am" 2>/dev/null |
	awk '{ for (i = 2; i <= NF; i++) print "/usr/" $1 "/" $i }' | sort -u)
manpages=$(cd "$src/man" 2>/dev/null && ls | grep '\.[1-8]$' |
	awk -F. '{ print "/usr/share/man/man" $NF "/" $0 }' | sort)
# the vendor's signing tool and its page go to symbridge-vendor-tools, everything else to symbridge
vendor_files="/usr/bin/symbridge-license-vendor /usr/share/man/man1/symbridge-license-vendor.1"
programs=$(printf '%s\n' $programs | grep -vxF -e /usr/bin/symbridge-license-vendor)
manpages=$(printf '%s\n' $manpages | grep -vxF -e /usr/share/man/man1/symbridge-license-vendor.1)

tap_plan 37

# readiness NAME BIN CONF: run the unit's ExecStart (BIN -f -c CONF) with a temporary state dir and
# socket and a stand-in supervisor; prints READY=1 when it came and the control socket answered
readiness() {
	python3 - "$tmp/$1" "$2" "$3" "$tmp/$1.sock" <<'PY'
import json, os, signal, socket, subprocess, sys, time
d, binary, conf, ctl = sys.argv[1:5]
os.makedirs(d, exist_ok=True)
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind(d + "/notify")
n.settimeout(10)
env = dict(os.environ, NOTIFY_SOCKET=d + "/notify")
p = subprocess.Popen([binary, "-f", "-c", conf, "--state-dir", d + "/state",
                      "--control-socket", ctl], env=env, stderr=open(d + "/log", "w"))
res = []
try:
    res.append(n.recv(64).decode())
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(5)
    c.connect(ctl)
    c.sendall(b'{"argv": ["show", "status"]}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        b = c.recv(4096)
        if not b:
            break
        buf += b
    res.append("ctl=%s" % json.loads(buf)["ok"])
    p.send_signal(signal.SIGHUP)           # the unit's ExecReload
    p.send_signal(signal.SIGTERM)
    res.append("exit=%s" % p.wait(timeout=10))
except Exception as e:
    res.append("error: %s" % e)
finally:
    if p.poll() is None:
        p.kill()
        p.wait()
print(" ".join(res))
PY
}

# ---- the .deb, unpacked into a throw-away root ----
[ -n "$deb" ] && [ -s "$deb" ]
tap_ok $? "deb: $(basename "${deb:-symbridge.deb}") was built"
[ -n "$dbgsym" ] && dpkg-deb -c "$dbgsym" 2>/dev/null | grep -q '/usr/lib/debug/.build-id/.*\.debug$'
tap_ok $? "deb: the automatic -dbgsym package holds the detached debug symbols"
lint=$out/deb/lintian.log
[ -r "$lint" ] && ! grep -q '^E:' "$lint"
tap_ok $? "deb: lintian reports no errors" || tap_diag "$(cat "$lint" 2>/dev/null)"
tap_diag "lintian warnings: $(grep -c '^W:' "$lint" 2>/dev/null) $(grep '^W:' "$lint" 2>/dev/null | cut -d' ' -f2- | sort -u | tr '\n' ';')"

root=$tmp/deb-root
mkdir -p "$root"
dpkg-deb -x "$deb" "$root" 2>/dev/null
missing=
f2b="/etc/fail2ban/filter.d/symbridge.conf /etc/fail2ban/jail.d/symbridge.conf"
upg="/usr/libexec/symbridge/upgrade-restart /etc/default/symbridge"
ex="/usr/share/doc/symbridge/examples/kamailio-dispatcher/kamailio.cfg /usr/share/doc/symbridge/examples/kamailio-dispatcher/dispatcher.list"
for f in $programs /etc/symbridge/symbridge.conf /lib/systemd/system/symbridged.service \
	/usr/share/doc/symbridge/copyright $f2b $upg $ex; do
	[ -e "$root$f" ] || missing="$missing $f"
done
for m in $manpages; do [ -e "$root$m.gz" ] || missing="$missing $m.gz"; done
[ -n "$programs" ] && [ -n "$manpages" ] && [ -z "$missing" ]
tap_ok $? "deb: programs ($(echo $programs | tr '\n' ' ')), man pages, config, unit, fail2ban filter and jail, kamailio example are in the package" ||
	tap_diag "missing:$missing"
for p in $programs; do [ -x "$root$p" ] || missing="$missing $p"; done
[ -z "$missing" ]
tap_ok $? "deb: the programs are executable"

mkdir -p "$tmp/deb-control"
dpkg-deb -e "$deb" "$tmp/deb-control"
conffiles=$(printf '%s\n' /etc/symbridge/symbridge.conf /etc/default/symbridge $f2b | sort)
[ "$(sort "$tmp/deb-control/conffiles" 2>/dev/null)" = "$conffiles" ]
tap_ok $? "deb: /etc/symbridge/symbridge.conf and the fail2ban files are the conffiles" || tap_diag "$(cat "$tmp/deb-control/conffiles")"
dpkg-deb -f "$deb" Depends | grep -q 'adduser' && dpkg-deb -f "$deb" Depends | grep -q 'libuv1'
tap_ok $? "deb: Depends names adduser and the shared libraries" || tap_diag "$(dpkg-deb -f "$deb" Depends)"
grep -q '^[[:space:]]*adduser --system --group ' "$tmp/deb-control/postinst" &&
	grep -q -- '--gecos "symbridge gateway daemon" symbridge$' "$tmp/deb-control/postinst" &&
	grep -q 'deb-systemd-helper' "$tmp/deb-control/postinst" &&
	grep -q '^[[:space:]]*/usr/libexec/symbridge/upgrade-restart' "$tmp/deb-control/postinst"
tap_ok $? "deb: postinst creates the system user and group symbridge, registers the unit, and on upgrade asks a running daemon to restart when idle (upgrade-restart)"

conf=$root/etc/symbridge/symbridge.conf
grep -q '^[[:space:]]*state_dir = "/var/lib/symbridge";' "$conf" &&
	grep -q '^[[:space:]]*control_socket = "/run/symbridge/ctl.sock";' "$conf"
tap_ok $? "deb: the packaged config keeps state in /var/lib/symbridge, the socket in /run/symbridge"
out_t=$("$root/usr/sbin/symbridged" -t -c "$conf" 2>&1)
tap_ok $? "deb: the packaged symbridged -t passes on the packaged config" || tap_diag "$out_t"

unit=$root/lib/systemd/system/symbridged.service
grep -q '^Type=notify$' "$unit" && grep -q '^User=symbridge$' "$unit" &&
	grep -q '^ExecStartPre=/usr/sbin/symbridged -t -c /etc/symbridge/symbridge.conf$' "$unit" &&
	grep -q '^ExecStart=/usr/sbin/symbridged -f -c /etc/symbridge/symbridge.conf$' "$unit" &&
	grep -q '^ExecReload=/usr/bin/symbridgectl -s /run/symbridge/ctl.sock reload$' "$unit" &&
	grep -q '^StateDirectory=symbridge$' "$unit" && grep -q '^RuntimeDirectory=symbridge$' "$unit" &&
	grep -q '^CapabilityBoundingSet=$' "$unit" && grep -q '^ProtectSystem=strict$' "$unit" &&
	grep -q '^NoNewPrivileges=yes$' "$unit" && grep -q '^PrivateTmp=yes$' "$unit"
tap_ok $? "deb: the unit is Type=notify as user symbridge, -t before start, reload by symbridgectl, hardened"

# systemd-analyze verify needs the unit's programs where it says; point it at the unpacked root
mkdir -p "$tmp/verify"
sed -e "s|/usr/sbin/|$root/usr/sbin/|g" -e "s|/usr/bin/|$root/usr/bin/|g" \
	-e "s| /etc/symbridge/| $root/etc/symbridge/|g" \
	"$unit" >"$tmp/verify/symbridged.service"
if command -v systemd-analyze >/dev/null 2>&1; then
	v=$(MANPATH=$root/usr/share/man systemd-analyze verify "$tmp/verify/symbridged.service" 2>&1)
	rc=$?
	# verify exits 0 on unknown keys and only prints them: any output is a failure
	[ $rc -eq 0 ] && [ -z "$v" ]
	tap_ok $? "deb: systemd-analyze verify accepts the unit with no message (man pages found too)" ||
		tap_diag "$v"
	sec=$(systemd-analyze security --offline=true "$tmp/verify/symbridged.service" 2>&1 |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	tap_diag "systemd-analyze security --offline=true: exposure $sec"
	awk -v s="${sec%% *}" 'BEGIN { exit !(s != "" && s + 0 <= 2.0) }'
	tap_ok $? "deb: systemd-analyze security rates the unit's exposure at most 2.0 (got $sec)"
else
	tap_ok 0 "# SKIP systemd-analyze is not installed"
	tap_ok 0 "# SKIP systemd-analyze is not installed"
fi

r=$(readiness deb "$root/usr/sbin/symbridged" "$conf")
[ "$r" = "READY=1 ctl=True exit=0" ]
tap_ok $? "deb: the unit's ExecStart from the package sends READY=1, serves, reloads, stops with 0" ||
	tap_diag "$r" "$(cat "$tmp/deb/log" 2>/dev/null)"

# ---- the vendor's signing tool: a package of its own, not in symbridge ----
vlist=$(dpkg-deb -c "$vdeb" 2>/dev/null | awk '{ print $NF }' | sed 's|^\.||' | grep -v '/$' |
	grep -v '^/usr/share/doc/' | sed 's|\.gz$||' | sort | tr '\n' ' ')
[ -n "$vdeb" ] && [ "$vlist" = "$(printf '%s\n' $vendor_files | sort | tr '\n' ' ')" ] &&
	[ ! -e "$root/usr/bin/symbridge-license-vendor" ] && [ -x "$root/usr/bin/symbridge-license" ] &&
	grep -q '^License: GPL-2+ with OpenSSL exception$' "$root/usr/share/doc/symbridge/copyright"
tap_ok $? "deb: symbridge-vendor-tools holds the signing tool and its page, symbridge does not; copyright GPL-2+ with OpenSSL exception" ||
	tap_diag "vendor package: ${vdeb:-none}: $vlist"

# ---- the .rpm: file list (rpm -qlp), attributes, scripts, and the unpacked payload ----
[ -n "$rpmf" ] && [ -s "$rpmf" ]
tap_ok $? "rpm: $(basename "${rpmf:-symbridge.rpm}") was built"
rpmlist=$(rpm -qlp "$rpmf" 2>/dev/null)
missing=
for f in $programs /etc/symbridge/symbridge.conf /usr/lib/systemd/system/symbridged.service \
	/var/lib/symbridge $f2b $upg; do
	printf '%s\n' "$rpmlist" | grep -qx "$f" || missing="$missing $f"
done
for m in $manpages; do printf '%s\n' "$rpmlist" | grep -qx "$m\(.gz\)\{0,1\}" || missing="$missing $m"; done
# the docs go to rpm's %{_docdir}: /usr/share/doc/symbridge or symbridge-VERSION
for f in $ex; do
	printf '%s\n' "$rpmlist" | grep -qx "/usr/share/doc/symbridge[-0-9.]*/${f#/usr/share/doc/symbridge/}" ||
		missing="$missing $f"
done
[ -z "$missing" ]
tap_ok $? "rpm -qlp: programs, man pages, config, unit, state dir and kamailio example are in the package" ||
	tap_diag "missing:$missing"
[ "$(rpm -qp --configfiles "$rpmf" 2>/dev/null | sort)" = "$conffiles" ]
tap_ok $? "rpm: /etc/symbridge/symbridge.conf and the fail2ban files are the %config files"
attrs=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]' "$rpmf" 2>/dev/null)
printf '%s\n' "$attrs" | grep -qx -- '-rw-r----- root symbridge /etc/symbridge/symbridge.conf' &&
	printf '%s\n' "$attrs" | grep -qx 'drwxr-x--- symbridge symbridge /var/lib/symbridge'
tap_ok $? "rpm: config is 0640 root:symbridge, state dir 0750 symbridge:symbridge" ||
	tap_diag "$(printf '%s\n' "$attrs" | grep -e symbridge.conf -e /var/lib)"
rpm -qp --scripts "$rpmf" 2>/dev/null | grep -q 'useradd -r -g symbridge'
tap_ok $? "rpm: %pre creates the system user symbridge"
rpm -qp --requires "$rpmf" 2>/dev/null | grep -q '^shadow-utils'
tap_ok $? "rpm: requires shadow-utils for %pre"
[ "$(rpm -qp --qf '%{VERSION}' "$rpmf" 2>/dev/null)" = "$version" ]
tap_ok $? "rpm: the spec's Version is the release's $version"
vrlist=$(rpm -qlp "$vrpm" 2>/dev/null | grep -v '^/usr/share/doc/\|^/usr/share/licenses/\|^/usr/lib/\.build-id' |
	sed 's|\.gz$||' | sort | tr '\n' ' ')
[ -n "$vrpm" ] && [ "$vrlist" = "$(printf '%s\n' $vendor_files | sort | tr '\n' ' ')" ] &&
	! printf '%s\n' "$rpmlist" | grep -q symbridge-license-vendor &&
	rpm -qp --qf '%{LICENSE}' "$rpmf" | grep -q '^GPL-2.0-or-later'
tap_ok $? "rpm: symbridge-vendor-tools holds the signing tool, symbridge does not; License: GPL-2.0-or-later" ||
	tap_diag "vendor rpm: ${vrpm:-none}: $vrlist"

rroot=$tmp/rpm-root
mkdir -p "$rroot"
(cd "$rroot" && rpm2cpio "$rpmf" | cpio -idm --quiet 2>/dev/null)
rconf=$rroot/etc/symbridge/symbridge.conf
grep -q '^[[:space:]]*state_dir = "/var/lib/symbridge";' "$rconf" &&
	grep -q '^[[:space:]]*control_socket = "/run/symbridge/ctl.sock";' "$rconf"
tap_ok $? "rpm: the packaged config keeps state in /var/lib/symbridge, the socket in /run/symbridge"
out_t=$("$rroot/usr/sbin/symbridged" -t -c "$rconf" 2>&1)
tap_ok $? "rpm: the packaged symbridged -t passes on the packaged config" || tap_diag "$out_t"
cmp -s "$rroot/usr/lib/systemd/system/symbridged.service" "$unit"
tap_ok $? "rpm: the unit is the same as the .deb's"
r=$(readiness rpm "$rroot/usr/sbin/symbridged" "$rconf")
[ "$r" = "READY=1 ctl=True exit=0" ]
tap_ok $? "rpm: the packaged daemon sends READY=1, serves, reloads, stops with 0" || tap_diag "$r"

# ---- the .deb installed for real: maintainer scripts, user, permissions, then purge ----
if [ "${CI:-}" != true ] && [ "${SB_PACKAGE_INSTALL:-0}" != 1 ]; then
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tap_ok 0 "# SKIP real install: set SB_PACKAGE_INSTALL=1 (CI does) to install and purge the .deb"
	done
	tap_done
fi
if [ "$(id -u)" -ne 0 ] || dpkg-query -W -f='${Status}' symbridge 2>/dev/null | grep -q 'installed'; then
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tap_ok 0 "# SKIP real install: needs root and no symbridge package already installed"
	done
	tap_done
fi
user_before=no
getent passwd symbridge >/dev/null && user_before=yes
group_before=no
getent group symbridge >/dev/null && group_before=yes
log=$tmp/apt.log
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >"$log" 2>&1
tap_ok $? "install: apt-get install ./$(basename "$deb") succeeds" || tap_diag "$(tail -n 20 "$log")"

pw=$(getent passwd symbridge)
uid=$(printf '%s' "$pw" | cut -d: -f3)
[ -n "$pw" ] && [ "$uid" -lt 1000 ] && [ "$(printf '%s' "$pw" | cut -d: -f6)" = /var/lib/symbridge ] &&
	[ "$(printf '%s' "$pw" | cut -d: -f7)" = /usr/sbin/nologin ] &&
	[ "$(id -gn symbridge)" = symbridge ]
tap_ok $? "install: system user symbridge (uid $uid, group symbridge, home /var/lib/symbridge, no login)" ||
	tap_diag "$pw (user existed before: $user_before)"
[ "$(stat -c '%a %U %G' /etc/symbridge/symbridge.conf)" = "640 root symbridge" ] &&
	[ "$(stat -c '%a %U %G' /var/lib/symbridge)" = "750 symbridge symbridge" ]
tap_ok $? "install: config 0640 root:symbridge, state dir 0750 symbridge:symbridge" ||
	tap_diag "$(stat -c '%a %U %G %n' /etc/symbridge/symbridge.conf /var/lib/symbridge)"
dpkg-query -W -f='${Conffiles}\n' symbridge | grep -q '^ /etc/symbridge/symbridge.conf [0-9a-f]\{32\}$'
tap_ok $? "install: dpkg tracks /etc/symbridge/symbridge.conf as a conffile"
out_t=$(setpriv --reuid=symbridge --regid=symbridge --init-groups \
	/usr/sbin/symbridged -t -c /etc/symbridge/symbridge.conf 2>&1)
tap_ok $? "install: as user symbridge, symbridged -t -c /etc/symbridge/symbridge.conf passes" ||
	tap_diag "$out_t"

# What systemd would do for the unit, by hand: RuntimeDirectory=, then ExecStart as symbridge on
# the installed config with its own paths; root's symbridgectl finds the default socket.
made_run=no
[ -d /run/symbridge ] || { install -d -o symbridge -g symbridge -m 0750 /run/symbridge && made_run=yes; }
setpriv --reuid=symbridge --regid=symbridge --init-groups \
	/usr/sbin/symbridged -f -c /etc/symbridge/symbridge.conf 2>"$tmp/installed.log" &
dpid=$!
pids="$pids $dpid"
i=0
while ! symbridgectl version >/dev/null 2>&1 && kill -0 "$dpid" 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
st=$(symbridgectl --json show status 2>&1)
printf '%s' "$st" | grep -q '"ok": *true' && [ -S /run/symbridge/ctl.sock ] &&
	[ -d /var/lib/symbridge/store ] && [ "$(stat -c %U /var/lib/symbridge/store)" = symbridge ]
tap_ok $? "install: the installed daemon runs as symbridge on /var/lib/symbridge, symbridgectl reaches it" ||
	tap_diag "$st" "$(cat "$tmp/installed.log")"
kill -TERM "$dpid" 2>/dev/null
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
wait "$dpid"
tap_ok $? "install: it stops with exit 0 on SIGTERM"
[ $made_run = yes ] && rm -rf /run/symbridge

# an upgrade to the same version runs postinst again: it must be idempotent
DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall "$deb" >"$log" 2>&1 &&
	[ "$(stat -c '%a %U %G' /etc/symbridge/symbridge.conf)" = "640 root symbridge" ]
tap_ok $? "install: reinstalling (postinst configure from an installed version) succeeds" ||
	tap_diag "$(tail -n 20 "$log")"

DEBIAN_FRONTEND=noninteractive apt-get purge -y symbridge >"$log" 2>&1 &&
	[ ! -e /usr/sbin/symbridged ] && [ ! -e /etc/symbridge ] && [ ! -e /var/lib/symbridge ]
tap_ok $? "purge: removes the programs, the config and the state dir" || tap_diag "$(tail -n 20 "$log")"
# leave the machine as it was: the user and group go if this test created them
[ $user_before = no ] && getent passwd symbridge >/dev/null && deluser --system --quiet symbridge 2>/dev/null
[ $group_before = no ] && getent group symbridge >/dev/null && delgroup --system --quiet symbridge 2>/dev/null
! getent passwd symbridge >/dev/null || [ $user_before = yes ]
tap_ok $? "purge: the machine is left as before (user symbridge existed before: $user_before)"
tap_done
