#!/bin/sh
# 261-farm-register.sh: stations registering through kamailio's dispatcher, with the shipped
# configuration (packaging/examples/kamailio-dispatcher/kamailio.cfg) and its owners table. An
# active/standby pair (p, q) owns station door (owners: door -> dispatcher set 2, the pair's
# nodes); door is a sipp station on 127.0.0.2 registering at kamailio. The REGISTER reaches the
# pair's active node, whose show registrations lists it (Contact: kamailio's address with the
# station's as its alias); an intercom server's call through kamailio to 401 (p rings
# station:door) goes back through kamailio to the station and is answered; a station nobody
# owns is refused 404 by kamailio. p killed and q activated: door's next REGISTER reaches q,
# whose call to door works the same way. An INVITE to an alias from elsewhere than an appliance
# is refused (kamailio is no open relay).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/licnode.sh"
sb_need_peers sipp kamailio
command -v kamcmd >/dev/null || { echo "1..0 # SKIP kamcmd (package kamailio) is missing"; exit 0; }
python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(('127.0.0.2', 0))" 2>/dev/null ||
	{ echo "1..0 # SKIP 127.0.0.2 cannot be bound"; exit 0; }
tap_plan 9

peers=
cleanup261() {
	for p in $peers; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	licnode_cleanup
}
trap cleanup261 EXIT

kp=$(sb_free_port) # kamailio
sb_license_calls 8 1
ex=$top_srcdir/packaging/examples/kamailio-dispatcher
mkdir -p "$sb_tmp/owners" "$sb_tmp/kam"
# the owners table as its README shows: door belongs to the pair, set 2
printf 'key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\ndoor:0:0:2:0\n' \
	>"$sb_tmp/owners/owners"
: >"$sb_tmp/dispatcher.list"

# pair_node NAME ROLE: its config (the pair's: station door, 401 rings it, the intercom server
# calls through kamailio), in set 1 (calls) and set 2 (door's owner)
pair_node() {
	_port=$(sb_free_port)
	sb_port_range _rtp
	eval "sip_$1=$_port"
	cat >"$sb_tmp/$1.conf" <<CONF
$lic_conf
system: { name = "t261-$1"; rtp_ports = [ $_rtp, $((_rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$_port" ]; options_interval = 3600; };
cluster: { role = "$2"; };
stations = ( { user = "door"; password = "door-261"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "401"; target = "station:door"; } ); },
  { slot = 2; type = "link"; name = "dispatcher"; transport = "udp"; peer = "127.0.0.1:$kp"; } );
CONF
	printf '1 sip:127.0.0.1:%s 0 0 duid=%s;maxload=0\n2 sip:127.0.0.1:%s 0 0 duid=%s-own;maxload=0\n' \
		"$_port" "$1" "$_port" "$1" >>"$sb_tmp/dispatcher.list"
}
pair_node p active
pair_node q standby
for n in p q; do node $n && nctl $n license install "$lic_file" >/dev/null || break; done
kamailio -f "$ex/kamailio.cfg" -DD -E -Y "$sb_tmp/kam" -P "$sb_tmp/kam/kamailio.pid" \
	-A "LISTEN=udp:127.0.0.1:$kp" -A "DS_LIST=\"$sb_tmp/dispatcher.list\"" \
	-A "OWNERS_DB=\"text://$sb_tmp/owners\"" -A "CTL_SOCKET=\"unix:$sb_tmp/kam/ctl\"" \
	-A PING_INTERVAL=1 -A FR_TIMER=1000 >"$sb_tmp/kamailio.log" 2>&1 &
peers="$peers $!"

ds_flags() {
	kamcmd -s "unix:$sb_tmp/kam/ctl" dispatcher.list 2>/dev/null |
		awk -v s="$2" -v u="sip:127.0.0.1:$1" '$1 == "ID:" { set = $2 } $1 == "URI:" { m = ($2 == u && set == s) } m && $1 == "FLAGS:" { print $2; exit }'
}
flags_are() { [ "$(ds_flags "$1" 2)" = "$2" ]; }
sb_poll 20 flags_are "$sip_p" AP && sb_poll 10 flags_are "$sip_q" IP
tap_ok $? "kamailio (owners table, sets 1 and 2) marks the pair's active node AP, its standby IP" ||
	tap_diag "$(kamcmd -s "unix:$sb_tmp/kam/ctl" dispatcher.list 2>&1 | head -40)" "$(tail -5 "$sb_tmp/kamailio.log")"

# register USER WANT: the station on 127.0.0.2 registers at kamailio from the port it answers on
# (kamailio's alias is the address a REGISTER came from, as behind NAT)
st_port=$(sb_free_port)
register() {
	sed "s/@USER@/$1/g; s/@EXPIRES@/300/; s/@WANT@/$2/" "$top_srcdir/tests/peers/sipp/register.xml" \
		>"$sb_tmp/reg-$1.xml"
	[ "$2" = 404 ] && sed -i '/<recv response="401"/,/<recv response="404"\/>/c\  <recv response="404"/>' "$sb_tmp/reg-$1.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf "reg-$1.xml" -i 127.0.0.2 -p "$st_port" -m 1 \
		-au "$1" -ap "$1-261" -timeout 10s -timeout_error -nostdin -trace_msg \
		-message_file "reg-$1-$2.log" "127.0.0.1:$kp" >"reg-$1.out" 2>&1)
}
# contact NODE: door's Contact in NODE's show registrations (empty when not registered)
contact() {
	nctl "$1" --json show registrations 2>/dev/null |
		json_get "[r.get('contact') or '' for r in j['rows'] if r['user'] == 'door'][0]"
}
register door 200 && c=$(contact p) &&
	printf '%s' "$c" | grep -q "@127.0.0.1:$kp;alias=127.0.0.2~[0-9]*~1" && [ -z "$(contact q)" ]
tap_ok $? "door registers through kamailio at the pair's active node p (contact $c); q has none" ||
	tap_diag "$(tail -5 "$sb_tmp/reg-door.out")" "$(nctl p show registrations)"

register hall 404
tap_ok $? "a station that no appliance owns is refused 404 by kamailio" ||
	tap_diag "$(tail -5 "$sb_tmp/reg-hall.out")"

# call NODE TAG: the station answers on 127.0.0.2 (Record-Route echoed, as a UA does); the
# intercom server calls 401 through kamailio; once the call is up on NODE it is hung up there;
# both scenarios end well
call() {
	sed -e "s/@EARLY@/183 Session Progress/; s/@DELAY@/200/; s/@MPORT@/$(sb_free_port)/g" \
		-e 's/^\( *\)\[last_CSeq:\]$/&\n\1[last_Record-Route:]/' \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/uas-$2.xml"
	(cd "$sb_tmp" && exec timeout 60 sipp -sf "uas-$2.xml" -i 127.0.0.2 -p "$st_port" -m 1 \
		-nostdin -timeout 40s -timeout_error -trace_msg -message_file "uas-$2.log" \
		>"uas-$2.out" 2>&1) &
	_uas=$!
	sb_wait_listen "$st_port"
	sed "s/@NUMBER@/401/g" "$top_srcdir/tests/peers/sipp/drain-uac.xml" >"$sb_tmp/uac-$2.xml"
	(cd "$sb_tmp" && exec timeout 60 sipp -sf "uac-$2.xml" -i 127.0.0.1 -p "$(sb_free_port)" \
		-mp "$(sb_free_port)" -m 1 -nostdin -timeout 40s -timeout_error "127.0.0.1:$kp" \
		>"uac-$2.out" 2>&1) &
	_uac=$!
	up() { [ "$(nctl "$1" --json show calls | json_get "sum(1 for r in j['rows'] if r['state'] == 'up')")" = 1 ]; }
	sb_poll 20 up "$1"
	_rc=$?
	for _id in $(nctl "$1" --json show calls | json_get "' '.join(str(r['id']) for r in j['rows'])"); do
		nctl "$1" hangup "$_id" >/dev/null
	done
	wait "$_uas" && wait "$_uac" && [ $_rc -eq 0 ]
}
# via_kamailio TAG METHOD: the station got METHOD through kamailio (its Via on top)
via_kamailio() {
	awk -v m="$2" '$1 == m { f = 1; next } f && /^Via:/ { print; exit }' "$sb_tmp/uas-$1.log" |
		grep -q "Via: SIP/2.0/UDP 127.0.0.1:$kp;"
}
call p first && grep -q '^INVITE sip:door@127.0.0.1' "$sb_tmp/uas-first.log" &&
	via_kamailio first INVITE && via_kamailio first ACK && via_kamailio first BYE
tap_ok $? "a call to 401 through kamailio: p rings door back through kamailio (INVITE, ACK, BYE), the station answers" ||
	tap_diag "$(tail -5 "$sb_tmp/uac-first.out")" "$(tail -5 "$sb_tmp/uas-first.out")" "$(nctl p cdr list)"

# kamailio relays to an alias only for the appliances: from elsewhere such an INVITE is refused
sed -e "s/@NUMBER@@\[remote_ip\]:\[remote_port\]/door@[remote_ip]:[remote_port];alias=127.0.0.2~$st_port~1/" \
	-e '/<recv response="503">/,/<\/recv>/c\  <recv response="403"/>' -e '/<Reference/d' \
	"$top_srcdir/tests/peers/sipp/drain-refused.xml" >"$sb_tmp/relay.xml"
(cd "$sb_tmp" && timeout 30 sipp -sf relay.xml -i 127.0.0.2 -p "$(sb_free_port)" -m 1 -nostdin \
	-timeout 10s -timeout_error "127.0.0.1:$kp" >relay.out 2>&1)
tap_ok $? "an INVITE to an alias from a station's address is refused 403 (no open relay)" ||
	tap_diag "$(tail -5 "$sb_tmp/relay.out")"

node_stop p KILL
nctl q cluster activate "test: p was killed" >/dev/null
sb_poll 10 flags_are "$sip_p" IP && sb_poll 10 flags_are "$sip_q" AP
tap_ok $? "p killed, q activated (keepalived's notify in production): kamailio marks p IP, q AP"

register door 200 && c=$(contact q) && printf '%s' "$c" | grep -q "alias=127.0.0.2~"
tap_ok $? "door's next REGISTER reaches q, its owner's new active node (contact $c)" ||
	tap_diag "$(tail -5 "$sb_tmp/reg-door.out")" "$(nctl q show registrations)"

call q second && via_kamailio second INVITE && via_kamailio second BYE
tap_ok $? "a call to 401 through kamailio: q rings door, the station answers" ||
	tap_diag "$(tail -5 "$sb_tmp/uac-second.out")" "$(tail -5 "$sb_tmp/uas-second.out")"

node_stop q
tap_ok $? "q exits 0"
tap_done
