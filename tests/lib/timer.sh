# timer.sh: the call the session-timer tests (161, 164, 165) share (tests/lib/linkcall.sh) with
# sip.session_interval = 90 (the floor) on the bridge and 90 s offered by both peers.
#   timer_call ID UPDATE_ANSWER STATION_SED
# UPDATE_ANSWER is what the server answers the bridge's refresh with ("200 OK"); STATION_SED
# edits tests/peers/sipp/timer-station.xml (how the station refreshes, or not). Two checks.
. "$top_srcdir/tests/lib/linkcall.sh"

timer_call() {
	linkcall_conf "$1" "session_interval = 90;" | sb_conf c.conf
	linkcall_server timer-server.xml "s/@SE@/90/g; s/@HOLD@/100000/g; s/@UPDATE_ANSWER@/$2/" 130
	linkcall_start c.conf
	linkcall_station timer-station.xml "s/@HOLD@/100000/g; s/@SE@/90/g; $3" 130
}
