#!/bin/sh
# 115-license-station-use.sh: issue 16, holes 1 and 2 on the SIP side: a registered station's
# calls use its PBX-Port at the moment of the call: after `license remove` of the file with the
# Ports, its next INVITE is answered 503 (cause 47) with the license's reason in the log and in
# a call record; with the file back the call is routed again.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp
tap_plan 6
trap sb_sip_cleanup EXIT

sip_port=$(sb_free_port)
sb_license 2
sb_conf s.conf <<CONF
$lic_conf
$(sb_sip_section "$sip_port")
stations = ( { user = "door"; password = "door-115"; }, { user = "desk"; password = "desk-115"; } );
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "400"; target = "station:desk"; } ); } );
CONF
sb_start s.conf && ctl license install "$lic_file" >/dev/null && sb_sipp_register door door-115 300 200
tap_ok $? "door registers and takes a PBX-Port" || tap_diag "$(ctl show licenses)"

# station_invite WANT: door calls 400 and expects the final answer WANT
station_invite() {
	sed "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g; s/@WANT@/$1/" \
		"$top_srcdir/tests/peers/sipp/station-invite.xml" >"$sb_tmp/invite-$1.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf "invite-$1.xml" -i 127.0.0.1 -p "$(sb_free_port)" \
		-m 1 -au door -ap door-115 -timeout 10s -timeout_error -nostdin -trace_msg \
		-message_file "invite-$1.log" "127.0.0.1:$sip_port" >"invite-$1.out" 2>&1)
}

ctl license remove SIP-TEST >/dev/null
station_invite 503
tap_ok $? "after license remove door's next call is answered 503" || tap_diag "$(tail -5 "$sb_tmp/invite-503.out")"
grep -q 'call from door to 400 refused (cause 47): station door has no PBX-Port license: not-installed' "$sb_tmp/daemon.log"
tap_ok $? "the log says why" || tap_diag "$(grep -i licen "$sb_tmp/daemon.log" | tail -3)"
ctl --json cdr list | json_get '[(r["caller"], r["called"], r["reason"]) for r in j["rows"]]' |
	grep -qx "\[('door', '400', 'license-not-installed')\]"
tap_ok $? "the refused call has a record with the license's reason" || tap_diag "$(ctl cdr list)"

# the file back: the Port door holds is usable again, the call is routed (desk is not registered)
ctl license install "$lic_file" >/dev/null && station_invite 480
tap_ok $? "with the file back the call is routed again (480: desk is not registered)" ||
	tap_diag "$(tail -5 "$sb_tmp/invite-480.out")" "$(tail -3 "$sb_tmp/daemon.log")"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
