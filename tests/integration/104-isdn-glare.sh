#!/bin/sh
# 104-isdn-glare.sh: glare on two-way trunks. Both ends send a SETUP for the same B-channel at
# the same moment (the peer holds our SETUP unread until its own is out): the network side wins.
# As CPE the daemon gives the channel to the network's call and places its own again on another
# channel; as NET it refuses the user's SETUP with cause 44 and keeps its own.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 9

isdn_pair_conf '{ number = "100"; target = "card:3/555"; },
	{ number = "200"; target = "card:2/777"; }'
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts"
isdn_pair_peers
tap_ok $? "both spans up"

# --- the daemon is CPE on span 2: it gives way ---
peer a pause
peer_wait a '^paused'
peer b call 200 4930200                       # leaves on span 2, channel 1 (CPE: lowest first)
wait_ctl 'any(r["slot"] == 2 and r["busy"] == 1 for r in j["rows"])' show spans
peer a call 100 4930100 1                     # the network asks for channel 1 too
peer a resume
peer_wait a '^glare reject channel 1'
tap_ok $? "the network refuses our SETUP on the channel it took" || tap_diag "$(cat "$sb_tmp/a.out")"
peer_wait a '^ring 2 from 4930200 to 777 channel 2 '
tap_ok $? "as CPE the daemon places its call again on channel 2" || tap_diag "$(cat "$sb_tmp/a.out")"
peer_wait b '^ring 2 from 4930100 to 555 '
tap_ok $? "the network's call on channel 1 goes through to span 3" || tap_diag "$(cat "$sb_tmp/b.out")"
wait_ctl 'len(j["rows"]) == 2' show calls
tap_ok $? "both calls are in progress" || tap_diag "$(ctl show calls)"
peer a hangup 1 16
peer a hangup 2 16
wait_ctl 'len(j["rows"]) == 0' show calls && wait_ctl 'all(r["busy"] == 0 for r in j["rows"])' show spans

# --- the daemon is NET on span 3: it keeps the channel ---
peer b pause
peer_wait b '^paused'
peer a call 100 4930101                       # leaves on span 3, channel 30 (NET: highest first)
wait_ctl 'any(r["slot"] == 3 and r["busy"] == 1 for r in j["rows"])' show spans
peer b call 200 4930201 30                    # the user side asks for channel 30 too
peer b resume
peer_wait b '^released 3 cause 44'
tap_ok $? "as NET the daemon refuses the user's SETUP with cause 44" || tap_diag "$(cat "$sb_tmp/b.out")"
peer_wait b '^ring 4 from 4930101 to 555 channel 30 '
tap_ok $? "and its own call keeps channel 30" || tap_diag "$(cat "$sb_tmp/b.out")"

peer_stop a
peer_stop b
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
