#!/bin/sh
# 138-sip-torture.sh: RFC 4475 torture messages whose answer the daemon (or the nua layer it
# configures) decides, answered as the RFC says; sofia-sip's own parser deviations are listed in
# modules/sip/README.md. In a network namespace of the test's own.
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 9

sip_port=$(sb_free_port)
sb_conf t.conf <<CONF
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; };
stations = ( { user = "d1"; password = "door-pass-1"; } );
CONF
sb_start t.conf
tap_ok $? "daemon starts"
out=$(python3 "$top_srcdir/tests/peers/sip-torture.py" "$sip_port")
want() { echo "$out" | grep -qx "$1 $2"; tap_ok $? "$1: $2 ($3)" || tap_diag "$out"; }
want 3.3.4-unknown-auth-scheme 401 "credentials of another scheme are no credentials: a challenge"
want 3.1.1.x-unknown-method 501 "a method nobody knows"
want 3.3.8-max-forwards-0 200 "Max-Forwards 0 for us: answered, not 483"
want 3.3.14-unknown-require 420 "Require of an extension we lack"
want 3.3.2-unknown-scheme 416 "Request-URI scheme we do not know"
want 3.3.1-no-call-id 400 "a required header missing"
want 3.3.6-two-content-length 400 "Content-Length twice"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
