# isdn.sh: libpri peers (tests/peers/isdn-peer) for ISDN tests: start, command, wait for events.
# Source after daemon.sh. Peers use the descriptors 3 to 8 for their commands (each peer is
# started without the others' descriptors, so closing one is its end of input). Each peer reads commands from a FIFO and writes events to NAME.out;
# every peer is stopped by pid when the test exits.
ISDN_PEER=$top_builddir/tests/peers/isdn-peer
isdn_pids=

isdn_cleanup() {
	for p in $isdn_pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	sb_cleanup
}
trap isdn_cleanup EXIT

# peer_start NAME FD SOCKET SIDE TYPE [--audio]: FD is the shell descriptor for its commands
peer_start() {
	_n=$1 _fd=$2 _sock=$3 _side=$4 _type=$5
	shift 5
	mkfifo "$sb_tmp/$_n.in"
	"$ISDN_PEER" --connect "$_sock" --side "$_side" --type "$_type" "$@" \
		<"$sb_tmp/$_n.in" >"$sb_tmp/$_n.out" 2>"$sb_tmp/$_n.err" \
		3>&- 4>&- 5>&- 6>&- 7>&- 8>&- &
	eval "peer_pid_$_n=$!"
	isdn_pids="$isdn_pids $!"
	eval "exec $_fd>\"\$sb_tmp/\$_n.in\""
	eval "peer_fd_$_n=$_fd"
}

# peer NAME COMMAND...: send a command line
peer() {
	_n=$1
	shift
	eval "echo \"\$*\" >&\$peer_fd_$_n"
}

# peer_wait NAME REGEX [COUNT] [SECONDS]: until NAME printed COUNT (default 1) lines matching REGEX
# (bounded: SECONDS, default 10)
peer_wait() {
	_i=0
	while [ $_i -lt $(( ${4:-10} * 20 )) ]; do
		[ "$(grep -Ec "$2" "$sb_tmp/$1.out")" -ge "${3:-1}" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# peer_last NAME REGEX: the last line of NAME matching REGEX
peer_last() { grep -E "$2" "$sb_tmp/$1.out" | tail -1; }

# peer_stop NAME: close its commands; it exits on end of input
peer_stop() {
	eval "_fd=\$peer_fd_$1 _pid=\$peer_pid_$1"
	eval "exec $_fd>&-"
	wait "$_pid" 2>/dev/null
}

# wait_ctl EXPR: until `symbridgectl --json ARGS...` makes the python expression on j true
# usage: wait_ctl 'len(j["rows"]) == 0' show calls
wait_ctl() {
	_e=$1
	shift
	_i=0
	while [ $_i -lt 200 ]; do
		ctl --json "$@" 2>/dev/null | json_get "$_e" 2>/dev/null | grep -q True && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# span_up SLOT: until the span's D-channel is up
span_up() { wait_ctl "any(str(r['slot']) == '$1' and r['dchannel'] == 'up' for r in j['rows'])" show spans; }

# Licenses: the spans need Relay-Channels for calls (and take Ports and Relay-PRIs/BRIs).
# isdn_license_conf ITEMS...: a vendor key and a license file with ITEMS, signed for this test's
# hardware id; prints the license section to put into the configuration.
isdn_license_conf() {
	if [ ! -e "$sb_tmp/keys/pub" ]; then # once per test: a reload keeps the same key
		mkdir -p "$sb_tmp/keys"
		"$top_builddir/symbridge-license" keygen "$sb_tmp/keys/v.key" "$sb_tmp/keys/v.pub" |
			sed -n 's/.*public_key = "\([^"]*\)".*/\1/p' >"$sb_tmp/keys/pub"
		"$top_builddir/symbridge-license" sign --key "$sb_tmp/keys/v.key" --hwid "$SB_TEST_HWID" --test \
			--id ISDN-1 --expires 2099-12-31 -o "$sb_tmp/isdn.lic" "$@" >/dev/null
	fi
	_pub=$(cat "$sb_tmp/keys/pub")
	echo "license: { public_key = \"$_pub\"; };"
}
ISDN_LICENSES="Relay-PRIs=4 Relay-BRIs=4 Relay-Channels=64 PBX-Port13=8"
# isdn_license_install: install the file into the running daemon
isdn_license_install() { ctl license install "$sb_tmp/isdn.lic" >/dev/null; }

# isdn_pair_conf [CHANNELS]: the usual trunk pair: PRI slot 2 (we are CPE, its peer "a" is NET)
# and PRI slot 3 (we are NET, peer "b" is CPE), with sym-bridge slot 1 routing the channels given
# (default: number 100 out on slot 3 as 555) and licenses for them
isdn_pair_conf() {
	ch=${1:-}
	[ -n "$ch" ] || ch='{ number = "100"; target = "card:3/555"; }'
	sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = ( $ch ); },
	{ slot = 2; type = "pri"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "pri"; side = "net"; dchannel = "socket:$sb_tmp/b.sock"; }
);
CONF
}

# isdn_pair_peers [--audio]: the two peers of isdn_pair_conf started, and both spans up; with
# --audio the peers carry audio on their B-channels (their per-frame audio log off)
isdn_pair_peers() {
	peer_start a 3 "$sb_tmp/a.sock" net e1 "$@"
	peer_start b 4 "$sb_tmp/b.sock" cpe e1 "$@"
	if [ "${1:-}" = --audio ]; then
		peer a audio-log off
		peer b audio-log off
	fi
	span_up 2 && span_up 3
}
