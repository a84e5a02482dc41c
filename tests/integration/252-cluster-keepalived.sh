#!/bin/sh
# 252-cluster-keepalived.sh: an active/standby pair run by keepalived. Two daemons in two network
# namespaces joined by a veth pair (unicast VRRP, a virtual address), each with keepalived using
# the shipped notify script (packaging/examples/keepalived/symbridge-notify) and `symbridgectl
# cluster check` as its vrrp_script; the cloud (kamailio, TLS, baresip) in its own namespace,
# reached from each node over a veth pair of its own. Kill -9 the active daemon: the standby
# becomes active, registers its channels and takes a new call from the cloud within 5 s of the
# kill; the killed one restarted stays standby. kill -STOP of the active daemon is detected by
# the health check the same way (the other node takes the next call), within the same 5 s. At
# the end it stops everything it started by pid and asserts that no process and no network
# namespace of it is left.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_netns
sb_need_peers kamailio openssl sipp baresip keepalived
tap_plan 10

nodes=
ka_pids=
cleanup252() {
	for n in A B; do
		eval "p=\${stopped_$n:-}"
		[ -n "$p" ] && kill -CONT "$p" 2>/dev/null
	done
	for p in $ka_pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $ka_pids; do wait "$p" 2>/dev/null; done
	for n in A B; do
		eval "p=\${pid_$n:-}"
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for ns in $nodes; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	sb_sip_cleanup
}
trap cleanup252 EXIT

sb_pki ca >/dev/null || { echo "Bail out! no test PKI"; exit 1; }
kp=$(sb_free_port)
sb_kamailio_start "$kp" && sb_baresip_start cloudy "$kp"
tap_ok $? "kamailio (TLS) and baresip as the cloud in $sb_cloud_ns" || exit 1

# The nodes' namespaces carry the cloud's index (its namespace name is the lock on it). Inside
# them and the cloud's namespace the addresses are private to this run: A-B 10.250.1.0/24 with
# the virtual address .10, A-cloud 10.250.2.0/30, B-cloud 10.250.3.0/30.
idx=${sb_cloud_ns#sbc}
ns_A=sba$idx ns_B=sbb$idx
net() {
	ip netns add "$ns_A" && nodes="$ns_A" && ip netns add "$ns_B" && nodes="$nodes $ns_B" || return 1
	ip -n "$ns_A" link set lo up && ip -n "$ns_B" link set lo up &&
		ip link add vab$idx netns "$ns_A" type veth peer name vba$idx netns "$ns_B" &&
		ip -n "$ns_A" addr add 10.250.1.1/24 dev vab$idx && ip -n "$ns_A" link set vab$idx up &&
		ip -n "$ns_B" addr add 10.250.1.2/24 dev vba$idx && ip -n "$ns_B" link set vba$idx up || return 1
	i=2
	for n in A B; do
		eval "ns=\$ns_$n"
		ip link add vc$n$idx netns "$ns" type veth peer name vn$n$idx netns "$sb_cloud_ns" &&
			ip -n "$ns" addr add 10.250.$i.1/30 dev vc$n$idx && ip -n "$ns" link set vc$n$idx up &&
			ip -n "$sb_cloud_ns" addr add 10.250.$i.2/30 dev vn$n$idx &&
			ip -n "$sb_cloud_ns" link set vn$n$idx up &&
			ip -n "$ns" route add "$sb_cloud_ip/32" via 10.250.$i.2 || return 1
		i=$((i + 1))
	done
	sb_poll 5 sh -c "ip netns exec $ns_A python3 -c \"import socket; socket.create_connection(('$sb_cloud_ip', $kp), 0.5)\" &&
		ip netns exec $ns_B python3 -c \"import socket; socket.create_connection(('$sb_cloud_ip', $kp), 0.5)\" &&
		ip -n $ns_A -o link show vab$idx | grep -q LOWER_UP && ip -n $ns_B -o link show vba$idx | grep -q LOWER_UP"
}
net
tap_ok $? "namespaces $ns_A and $ns_B joined by a veth pair, each reaching kamailio over its own" ||
	exit 1

sb_license_calls 4 1
lp=$(sb_free_port)
sip_port=$(sb_free_port)
# each node: the same configuration (its own state dir and socket): channel 100 rings a link to
# an intercom server on the node's loopback (sipp, answering every call)
for n in A B; do
	mkdir -p "$sb_tmp/$n"
	sb_conf "$n/c.conf" <<CONF
$lic_conf
system: { name = "pair"; log_level = "info"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; retry_min = 1; retry_max = 2; keepalive_interval = 1; };
cluster: { role = "auto"; peer = "the other node"; };
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "100"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "server"; transport = "udp"; peer = "127.0.0.1:$lp"; } );
CONF
	sed "s/@DELAY@/100/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
		>"$sb_tmp/$n/server.xml"
	eval "ns=\$ns_$n"
	(cd "$sb_tmp/$n" && exec timeout 300 ip netns exec "$ns" sipp -sf server.xml -i 127.0.0.1 \
		-p "$lp" -nostdin >server.out 2>&1) &
	server_pids="${server_pids:-} $!"
done
nctl() { _n=$1; shift; "$SYMBRIDGECTL" -s "$sb_tmp/$_n/ctl.sock" "$@"; }
# start_node N: the daemon in N's namespace, until its socket answers
start_node() {
	eval "ns=\$ns_$1"
	ip netns exec "$ns" "$SYMBRIDGED" -f -c "$sb_tmp/$1/c.conf" --state-dir "$sb_tmp/$1/state" \
		--control-socket "$sb_tmp/$1/ctl.sock" 2>>"$sb_tmp/$1/daemon.log" &
	eval "pid_$1=$!"
	sb_poll 10 "$SYMBRIDGECTL" -s "$sb_tmp/$1/ctl.sock" version
}
# the checks on the clock are grep on the JSON (a python per poll costs most of a second on a
# busy machine)
role() { nctl "$1" --json show cluster | sed -n 's/.*"role":"\([a-z]*\)".*/\1/p'; }
registered() { nctl "$1" --json show cloud | grep -q '"state":"registered"'; }
calls_up() { nctl "$1" --json show calls | grep -o '"state":"up"' | wc -l; }

# keepalived N ME PEER IF: its own config, pid files and notify wrapper (the shipped script with
# this node's socket), unicast peers, the health check as the example writes it
keepalived_conf() {
	cat >"$sb_tmp/$1/notify" <<SH
#!/bin/sh
echo "\$3" >>"$sb_tmp/$1/vrrp.log"
echo "\$(date +%s.%N) \$3" >>"$sb_tmp/$1/vrrp-times.log"
SYMBRIDGECTL="$SYMBRIDGECTL" SYMBRIDGE_CTL_SOCKET="$sb_tmp/$1/ctl.sock" \
	exec sh "$top_srcdir/packaging/examples/keepalived/symbridge-notify" "\$@"
SH
	chmod 0755 "$sb_tmp/$1/notify"
	cat >"$sb_tmp/$1/keepalived.conf" <<KA
global_defs {
	router_id symbridge-$1
	script_user root
}
vrrp_script symbridge_check {
	script "$SYMBRIDGECTL -s $sb_tmp/$1/ctl.sock -t 2 cluster check"
	interval 1
	timeout 3
	fall 1
	rise 1
}
vrrp_instance symbridge {
	state BACKUP
	nopreempt
	interface $4
	virtual_router_id 51
	priority 250
	advert_int 1
	unicast_src_ip 10.250.1.$2
	unicast_peer {
		10.250.1.$3
	}
	virtual_ipaddress {
		10.250.1.10/24 dev $4
	}
	track_script {
		symbridge_check
	}
	notify "$sb_tmp/$1/notify"
}
KA
}
start_keepalived() {
	eval "ns=\$ns_$1"
	ip netns exec "$ns" keepalived -n -l -G -P -f "$sb_tmp/$1/keepalived.conf" \
		-p "$sb_tmp/$1/ka.pid" -r "$sb_tmp/$1/ka-vrrp.pid" -c "$sb_tmp/$1/ka-check.pid" \
		>>"$sb_tmp/$1/keepalived.log" 2>&1 &
	ka_pids="$ka_pids $!"
}
vip_on() { eval "ns=\$ns_$1"; ip -n "$ns" -o addr show | grep -q ' 10\.250\.1\.10/'; }

keepalived_conf A 1 2 vab$idx
keepalived_conf B 2 1 vba$idx
start_node A && start_node B && nctl A license install "$lic_file" >/dev/null &&
	nctl B license install "$lic_file" >/dev/null && [ "$(role A)" = standby ] && [ "$(role B)" = standby ]
tap_ok $? "both daemons up with their licence, both standby (role auto)" || tap_diag "$(tail -3 "$sb_tmp/A/daemon.log")"

# A's keepalived first: it becomes MASTER; then B's sees A's adverts and stays BACKUP
start_keepalived A
a_active() { [ "$(role A)" = active ] && registered A && vip_on A; }
sb_poll 20 a_active && start_keepalived B && sb_poll 10 sh -c "grep -qx BACKUP '$sb_tmp/B/vrrp.log'" &&
	[ "$(role B)" = standby ] && ! vip_on B
tap_ok $? "keepalived: A is MASTER (active, registered, the virtual address), B BACKUP (standby)" ||
	tap_diag "$(tail -5 "$sb_tmp/A/keepalived.log")" "$(cat "$sb_tmp/A/vrrp.log" 2>/dev/null)" \
		"$(nctl A show cluster 2>&1)"

# dialer N: a caller in the cloud that dials 100 as soon as node N is registered (started, and
# connected to baresip's control port, before the failure; python's start-up is not timed)
dialer() {
	rm -f "$sb_tmp/dialer.ready"
	python3 - "$SYMBRIDGECTL" "$sb_tmp/$1/ctl.sock" "$sb_cloud_ip" "$bs_ctrl" \
		"sip:100@$sb_cloud_ip:$kp" "$sb_tmp/dialer.ready" <<'PY' &
import json, socket, subprocess, sys, time
ctl, sock, host, port, uri, ready = sys.argv[1:7]
s = socket.create_connection((host, int(port)), 5)
open(ready, "w").close()
end = time.time() + 20
while time.time() < end:
    out = subprocess.run([ctl, "-s", sock, "--json", "show", "cloud"], capture_output=True,
                         text=True).stdout
    if '"state":"registered"' in out:
        break
    time.sleep(0.05)
m = json.dumps({"command": "dial", "params": uri, "token": "t"}).encode()
s.sendall(b"%d:%s," % (len(m), m))
time.sleep(1)
PY
	dialer_pid=$!
	sb_poll 10 test -e "$sb_tmp/dialer.ready"
}
# call_through N [DIALED]: a call from the cloud to 100 is taken by node N (bounded); N hangs it
# up. DIALED: the dialer placed it already.
call_through() {
	[ -n "${2:-}" ] || sb_baresip dial "sip:100@$sb_cloud_ip:$kp" >/dev/null
	up() { [ "$(calls_up "$1")" = 1 ]; }
	sb_poll 10 up "$1"
	_rc=$?
	t_up=$(date +%s.%N)
	for _id in $(nctl "$1" --json show calls | json_get "' '.join(str(r['id']) for r in j['rows'])"); do
		nctl "$1" hangup "$_id" >/dev/null
	done
	return $_rc
}
call_through A
tap_ok $? "a call from the cloud to 100 is taken by A" || tap_diag "$(nctl A show calls)"
nobody() { [ "$(calls_up A)" = 0 ]; }
sb_poll 10 nobody

# kill -9 the active daemon: keepalived's check fails, B is MASTER, activates, registers
dialer B
t0=$(date +%s.%N)
kill -KILL "$pid_A"
echo "$t0 kill" >>"$sb_tmp/B/vrrp-times.log"
wait "$pid_A" 2>/dev/null
pid_A=
b_ready() { [ "$(role B)" = active ] && registered B; }
sb_poll 10 b_ready && call_through B dialed
rc=$?
wait "$dialer_pid"
# when B took the call: its log line for the cloud's INVITE (the test's own polling and dialing
# under load add to the time it sees the call up, reported beside it)
taken() {
	python3 - "$sb_tmp/$1/daemon.log" "$2" <<'PY'
import datetime, sys
for line in open(sys.argv[1]):
    if "the cloud (" in line and "calls channel 100" in line:
        t = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()
        if t >= float(sys.argv[2]):
            print(round(t - float(sys.argv[2]), 1))
            break
else:
    print(99)
PY
}
dt=$(taken B "$t0")
dt_up=$(python3 -c "print(round($t_up - $t0, 1))")
[ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if $dt <= 5 else 1)" && vip_on B
tap_ok $? "kill -9 of A: B active, registered and took a new call from the cloud $dt s after the kill (bound 5 s; up as the test saw it: $dt_up s)" ||
	tap_diag "$(tail -5 "$sb_tmp/A/keepalived.log")" "$(tail -5 "$sb_tmp/B/keepalived.log")" "$t_up call up" \
		"$(cat "$sb_tmp/B/vrrp-times.log")" "$(grep -h 'cluster\|registered' "$sb_tmp/B/daemon.log" | tail -5)"
sb_poll 10 sh -c "[ \"\$($SYMBRIDGECTL -s $sb_tmp/B/ctl.sock --json show calls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"rows\"]))')\" = 0 ]"

# A restarted: it comes up standby and stays so (nopreempt: keepalived makes it BACKUP)
: >"$sb_tmp/A/vrrp.log"
start_node A && sb_poll 15 sh -c "grep -qx BACKUP '$sb_tmp/A/vrrp.log'" && [ "$(role A)" = standby ] &&
	[ "$(role B)" = active ] && vip_on B && ! vip_on A
tap_ok $? "A restarted: standby, keepalived BACKUP; B stays active with the virtual address" ||
	tap_diag "$(cat "$sb_tmp/A/vrrp.log")" "$(nctl A show cluster 2>&1)"

# kill -STOP of the active daemon (a hung B): the check times out, A takes over
dialer A
t0=$(date +%s.%N)
kill -STOP "$pid_B"
stopped_B=$pid_B
a_ready() { [ "$(role A)" = active ] && registered A; }
sb_poll 15 a_ready && call_through A dialed
rc=$?
wait "$dialer_pid"
dt=$(taken A "$t0")
dt_up=$(python3 -c "print(round($t_up - $t0, 1))")
# the check runs every second and gives up after 2 s (-t 2), so keepalived sees the hung node
# within 3 s; B's FAULT advert makes A MASTER at once: the issue's 5 s hold
[ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if $dt <= 5 else 1)" && vip_on A
tap_ok $? "kill -STOP of B: the health check (-t 2) fails, A active and took a call $dt s after the stop (bound 5 s; up as the test saw it: $dt_up s)" ||
	tap_diag "$(tail -5 "$sb_tmp/A/keepalived.log")" "$(nctl A show cluster 2>&1)"
kill -CONT "$pid_B"
stopped_B=
b_standby() { [ "$(role B)" = standby ]; }
sb_poll 15 b_standby && [ "$(role A)" = active ]
tap_ok $? "B continued: keepalived makes it standby again, A stays active" ||
	tap_diag "$(cat "$sb_tmp/B/vrrp.log")" "$(nctl B show cluster 2>&1)"

# the end, in order and by pid: keepalived, the daemons (exit 0), the servers, the cloud; then
# nothing this test started runs, and none of its namespaces is left
mine="$ka_pids $pid_A $pid_B $server_pids ${bs_pid:-} ${kam_pid_kam:-}"
for p in $ka_pids; do kill -TERM "$p" 2>/dev/null; done
for p in $ka_pids; do wait "$p" 2>/dev/null; done
ka_pids=
drc=0
for n in A B; do
	eval "p=\$pid_$n"
	kill -TERM "$p" && wait "$p" || drc=1
	eval "pid_$n="
done
for p in $server_pids; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
sb_baresip_stop
sb_kamailio_stop
# (a stopped parent's children may take a moment to go: bounded)
ns_left() {
	left=
	for ns in $nodes $sb_cloud_ns; do left="$left$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"; done
	[ -z "$left" ]
}
sb_poll 5 ns_left
for ns in $nodes; do ip netns del "$ns"; done
gone_ns="$nodes $sb_cloud_ns"
nodes=
sb_cloud_net_down
alive=
for p in $mine; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
listed=
for ns in $gone_ns; do ip netns list | grep -qw "$ns" && listed="$listed $ns"; done
[ $drc -eq 0 ] && [ -z "$left" ] && [ -z "$alive" ] && [ -z "$listed" ]
tap_ok $? "teardown: both daemons exit 0; no process left in the namespaces ($left), none of the test's alive ($alive), no namespace left ($listed)"
tap_done
