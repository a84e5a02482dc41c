#!/bin/sh
# 260-farm-dispatcher.sh: several appliances behind kamailio's dispatcher, with the shipped
# configuration (packaging/examples/kamailio-dispatcher/kamailio.cfg) and sipp as the intercom
# server: calls are spread by load over the active nodes, a drained node is marked down by the
# OPTIONS probes, gets no new call and finishes its own, the least loaded node gets the next
# calls, a killed node's new calls go to the
# others, an active/standby pair's standby gets calls only once active, and `kamcmd
# dispatcher.list` shows each state. Every node routes channel 400 to the
# same answering sipp server on a second link card.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/licnode.sh"
sb_need_peers sipp kamailio
command -v kamcmd >/dev/null || { echo "1..0 # SKIP kamcmd (package kamailio) is missing"; exit 0; }
tap_plan 14

# kamailio and the sipps get TERM first (kamailio then stops its children; KILL would leave
# them behind), then licnode's cleanup KILLs the daemons; each sipp has its own -timeout
peers=
cleanup260() {
	for p in $peers; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	licnode_cleanup
}
trap cleanup260 EXIT

kp=$(sb_free_port) # kamailio, the dispatcher
sp=$(sb_free_port) # the answering server every node calls
lp=$(sb_free_port) # the intercom server's calls come from here
sb_license_calls 40 1
ex=$top_srcdir/packaging/examples/kamailio-dispatcher

# farm_node NAME [SETTINGS]: its config (with SETTINGS: e.g. a cluster section), listening on a
# port of its own, and its line in dispatcher.list
farm_node() {
	_port=$(sb_free_port)
	sb_port_range _rtp
	eval "sip_$1=$_port"
	cat >"$sb_tmp/$1.conf" <<CONF
$lic_conf
system: { name = "t260-$1"; rtp_ports = [ $_rtp, $((_rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$_port" ]; options_interval = 3600; };
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:3/555"; } ); },
  { slot = 2; type = "link"; name = "dispatcher"; transport = "udp"; peer = "127.0.0.1:$kp"; },
  { slot = 3; type = "link"; name = "server"; transport = "udp"; peer = "127.0.0.1:$sp"; } );
${2:-}
CONF
	printf '1 sip:127.0.0.1:%s 0 0 duid=%s;maxload=0\n' "$_port" "$1" >>"$sb_tmp/dispatcher.list"
}
: >"$sb_tmp/dispatcher.list"
farm_node a
farm_node b

sed "s/@DELAY@/100/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
	>"$sb_tmp/server.xml"
(cd "$sb_tmp" && exec sipp -sf server.xml -i 127.0.0.1 -p "$sp" -nostdin -timeout 300s \
	>server.out 2>&1) &
peers="$peers $!"
sb_wait_listen "$sp"

for n in a b; do node $n && nctl $n license install "$lic_file" >/dev/null || break; done
mkdir -p "$sb_tmp/kam"
kamailio -f "$ex/kamailio.cfg" -DD -E -Y "$sb_tmp/kam" -P "$sb_tmp/kam/kamailio.pid" \
	-A "LISTEN=udp:127.0.0.1:$kp" -A "DS_LIST=\"$sb_tmp/dispatcher.list\"" \
	-A "CTL_SOCKET=\"unix:$sb_tmp/kam/ctl\"" -A "OWNERS_DB=\"text://$ex/symbridge-owners\"" \
	-A PING_INTERVAL=1 -A FR_TIMER=1000 \
	>"$sb_tmp/kamailio.log" 2>&1 &
peers="$peers $!"

# ds_flags PORT: the dispatcher's flags for the node listening on PORT (AP: active, IP: inactive)
ds_flags() {
	kamcmd -s "unix:$sb_tmp/kam/ctl" dispatcher.list 2>/dev/null |
		awk -v u="sip:127.0.0.1:$1" '$1 == "URI:" { m = ($2 == u) } m && $1 == "FLAGS:" { print $2; exit }'
}
flags_are() { [ "$(ds_flags "$1")" = "$2" ]; }
sb_poll 20 flags_are "$sip_a" AP && sb_poll 10 flags_are "$sip_b" AP
tap_ok $? "kamailio probes both nodes with OPTIONS and marks them active (AP)" ||
	tap_diag "$(kamcmd -s "unix:$sb_tmp/kam/ctl" dispatcher.list 2>&1 | head -30)" "$(tail -5 "$sb_tmp/kamailio.log")"

# calls N TAG: N calls at once from the intercom server through kamailio, each up until BYE
sed "s/@NUMBER@/400/g" "$top_srcdir/tests/peers/sipp/drain-uac.xml" >"$sb_tmp/uac.xml"
calls() {
	(cd "$sb_tmp" && exec sipp -sf uac.xml -i 127.0.0.1 -p "$(sb_free_port)" \
		-mp "$(sb_free_port)" -m "$1" -l "$1" -r 10 -nostdin -timeout 150s -timeout_error \
		-recv_timeout 150s -trace_err -error_file "uac-$2.err" "127.0.0.1:$kp" \
		>"uac-$2.out" 2>&1) &
	peers="$peers $!"
}
nup() { nctl "$1" --json show calls 2>/dev/null | json_get "sum(1 for r in j['rows'] if r['state'] == 'up')"; }
total_is() { [ "$(($(nup a) + $(nup b)))" = "$1" ]; }

calls 10 ten
sb_poll 30 total_is 10
na=$(nup a) nb=$(nup b)
[ "$na" -ge 4 ] && [ "$nb" -ge 4 ]
tap_ok $? "10 calls through kamailio are spread by load: node a $na, node b $nb" ||
	tap_diag "$(tail -3 "$sb_tmp/uac-ten.out")" "$(tail -5 "$sb_tmp/kamailio.log")"

# drain a: its OPTIONS answer 503, kamailio marks it inactive, new calls all go to b
nctl a drain >/dev/null
sb_poll 10 flags_are "$sip_a" IP
tap_ok $? "node a drained: kamailio marks it inactive (IP) from its 503 to OPTIONS (got $(ds_flags "$sip_a"))"
calls 4 four
sb_poll 30 total_is 14
tap_ok $? "4 new calls are up (total 14)" || tap_diag "$(tail -3 "$sb_tmp/uac-four.out")"
[ "$(nup a)" = "$na" ] && [ "$(nup b)" = $((nb + 4)) ]
tap_ok $? "the drained node took none and kept its $na calls; node b has $(nup b)"

# a's calls end one by one (as their users hang up); a is then idle, undrained, active again
for id in $(nctl a --json show calls | json_get "' '.join(str(r['id']) for r in j['rows'])"); do
	nctl a hangup "$id" >/dev/null
done
a_idle() { [ "$(nup a)" = 0 ]; }
sb_poll 10 a_idle && nctl a undrain >/dev/null && sb_poll 10 flags_are "$sip_a" AP
tap_ok $? "node a finished its calls, and undrained it is active again (AP)"

# by load, not in turn: a (0 calls) takes every new call while b has 9
nb=$(nup b)
calls 4 load
a_four() { [ "$(nup a)" = 4 ]; }
sb_poll 30 a_four && [ "$(nup b)" = "$nb" ]
tap_ok $? "4 new calls all go to the least loaded node: a $(nup a), b $(nup b)" ||
	tap_diag "$(tail -3 "$sb_tmp/uac-load.out")"

# kill -9 b: its calls are lost (said in the README); kamailio marks it down, new calls go to a
node_stop b KILL
sb_poll 10 flags_are "$sip_b" IP
tap_ok $? "node b killed: kamailio marks it inactive (IP) when its probes go unanswered"
calls 3 three
a_seven() { [ "$(nup a)" = 7 ]; }
sb_poll 30 a_seven
tap_ok $? "3 new calls all go to node a (up on a: $(nup a) of 7)" || tap_diag "$(tail -3 "$sb_tmp/uac-three.out")"

# an active/standby pair joins the farm (dispatcher.list read again): both listed, the standby
# answers OPTIONS 503 and gets nothing; the active one dies, the standby is made active (by
# keepalived's notify script in production: 252), and the new calls go to it
farm_node p 'cluster: { role = "active"; };'
farm_node q 'cluster: { role = "standby"; };'
for n in p q; do node $n && nctl $n license install "$lic_file" >/dev/null || break; done
kamcmd -s "unix:$sb_tmp/kam/ctl" dispatcher.reload >/dev/null
sb_poll 20 flags_are "$sip_p" AP && sb_poll 10 flags_are "$sip_q" IP
tap_ok $? "a pair joins: its active node is active (AP), its standby inactive (IP: 503 to OPTIONS)" ||
	tap_diag "p $(ds_flags "$sip_p"), q $(ds_flags "$sip_q")"
# (dispatcher.reload starts kamailio's call-load counts again from 0: a and p now tie)
a0=$(nup a)
calls 2 pair
two_more() { [ "$(($(nup a) + $(nup p)))" = $((a0 + 2)) ]; }
sb_poll 30 two_more && [ "$(nup q)" = 0 ]
tap_ok $? "2 new calls go to the active nodes, none to the standby (a $(($(nup a) - a0)), p $(nup p), q $(nup q))"
# a drained, so that only the pair can take the next calls
nctl a drain >/dev/null && sb_poll 10 flags_are "$sip_a" IP || tap_diag "a not marked inactive"
node_stop p KILL
nctl q cluster activate "test: p was killed" >/dev/null
sb_poll 10 flags_are "$sip_p" IP && sb_poll 10 flags_are "$sip_q" AP
tap_ok $? "p killed, q activated: kamailio marks p inactive and q active"
calls 2 standby
q_two() { [ "$(nup q)" = 2 ]; }
sb_poll 30 q_two
tap_ok $? "the dead node's new calls go to its standby (up on q: $(nup q))" ||
	tap_diag "$(tail -3 "$sb_tmp/uac-standby.out")"

st=$(kamcmd -s "unix:$sb_tmp/kam/ctl" dispatcher.list 2>/dev/null | grep -c 'FLAGS:')
[ "$st" = 4 ]
tap_ok $? "dispatcher.list lists the four nodes ($st)"
tap_done
