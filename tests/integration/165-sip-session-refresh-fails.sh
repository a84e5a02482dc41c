#!/bin/sh
# 165-sip-session-refresh-fails.sh: session timers (RFC 4028): the bridge refreshes the link
# leg (the server made it the refresher) with UPDATE at about half the interval, and the server
# answers 408: the session is gone (RFC 4028 section 10: 408 or 481 end it; any other refusal
# keeps the call), so the whole call ends at once (BYE to the station, long before its own
# session would expire), with cause 102 in the call record. The server gets a BYE too (RFC 4028
# section 10), in its dialog (its tags, a CSeq above the UPDATE's), although sofia-sip ended
# that dialog itself on the 408.
. "$top_srcdir/tests/lib/timer.sh"
tap_plan 8

timer_call 165 "408 Request Timeout" '/<!--REFRESH-->/,/<!--\/REFRESH-->/d; s/"se,refreshed"/"se"/'

wait "$door_pid"
tap_ok $? "the station gets BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
t_bye=$(date +%s)
grep -q '^UPDATE ' "$sb_tmp/server.log" && grep -q '^SIP/2.0 408 ' "$sb_tmp/server.log"
tap_ok $? "the server: the bridge refreshed with UPDATE, answered 408" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
# the BYE the server received: same Call-ID and tags as the UPDATE, CSeq one above, and sipp's
# scenario (recv BYE, send 200) matched it to the call
bye_ok() {
	python3 - "$sb_tmp/server.log" <<'PY'
import re, sys
msgs = re.split(r"\n(?=-{5,} )", open(sys.argv[1], errors="replace").read())
def first(start):
    for m in msgs:
        body = m.split("\n\n", 1)[1] if "\n\n" in m else "" # after "UDP message ..."
        if body.lstrip().startswith(start):
            return body
def hdr(m, name):
    r = re.search(r"^%s:\s*(.*)$" % name, m, re.M | re.I)
    return r.group(1).strip() if r else None
upd, bye = first("UPDATE "), first("BYE ")
if not upd or not bye:
    sys.exit(1)
tag = lambda v: re.search(r"tag=([^;>\s]+)", v or "").group(1)
ok = (hdr(upd, "Call-ID") == hdr(bye, "Call-ID") and tag(hdr(upd, "From")) == tag(hdr(bye, "From"))
      and tag(hdr(upd, "To")) == tag(hdr(bye, "To"))
      and int(hdr(bye, "CSeq").split()[0]) > int(hdr(upd, "CSeq").split()[0])
      and hdr(bye, "CSeq").split()[1] == "BYE")
sys.exit(0 if ok else 1)
PY
}
sb_poll 10 bye_ok
tap_ok $? "the server gets a BYE in the dialog of the refused UPDATE (RFC 4028 section 10)" ||
	tap_diag "$(grep -A12 '^BYE ' "$sb_tmp/server.log" | head -14)" "$(grep -i 'bye\|refresh' "$sb_tmp/daemon.log" | tail -5)"
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
pids=
# nua refreshes at about half the interval (39 s seen); the station's session would last
# until 80 s, so an end well before that is the refresh's
el=$((t_bye - t_up))
[ "$el" -ge 25 ] && [ "$el" -le 60 ]
tap_ok $? "the call ended $el s after the answer, at the failed refresh (25..60 s)"
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
rec=$(ctl --json cdr show "$id")
echo "$rec" | json_get "j['item']['a_q850'] == 102 and j['item']['b_q850'] == 102" | grep -q True
tap_ok $? "the call record gives cause 102 (recovery on timer expiry)" || tap_diag "$rec"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
