#!/bin/sh
# isdn-calls.sh: figures of ISDN call handling on this machine: batches of 30 simultaneous calls
# (one full E1) placed by a libpri peer on one span, routed through the call core and answered on
# a second span, then released; prints the call rate and the daemon's RSS before and after.
# usage: top_srcdir=. top_builddir=. sh tests/bench/isdn-calls.sh [BATCHES]   (default 20)
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
batches=${1:-20}

sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "card:3/555"; } ); },
	{ slot = 2; type = "pri"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "pri"; side = "net"; dchannel = "socket:$sb_tmp/b.sock"; }
);
CONF
sb_start c.conf && isdn_license_install || { echo "daemon did not start"; exit 1; }
peer_start a 3 "$sb_tmp/a.sock" net e1
peer_start b 4 "$sb_tmp/b.sock" cpe e1
peer b auto-answer
span_up 2 && span_up 3 || { echo "spans did not come up"; exit 1; }

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$sb_pid/status"; }
id=0
batch() {
	i=1
	while [ $i -le 30 ]; do
		peer a call 100 4930$i
		i=$((i + 1))
	done
	id=$((id + 30))
	peer_wait a '^answer ' "$id" || { echo "calls were not answered"; exit 1; }
	i=$((id - 29))
	while [ $i -le $id ]; do
		peer a hangup $i 16
		i=$((i + 1))
	done
	peer_wait a '^released ' "$id" || { echo "calls were not released"; exit 1; }
}
batch # warm-up: first allocations, store pages
rss0=$(rss)
t0=$(date +%s%N)
n=1
while [ $n -le "$batches" ]; do
	batch
	n=$((n + 1))
done
t1=$(date +%s%N)
rss1=$(rss)
ms=$(( (t1 - t0) / 1000000 ))
calls=$((batches * 30))
echo "isdn-calls: $calls calls in $batches batches of 30 through two E1 spans: $ms ms," \
	"$((calls * 1000 / (ms > 0 ? ms : 1))) calls/s (setup, answer, release, call record);" \
	"daemon RSS $rss0 kB -> $rss1 kB"
peer_stop a
peer_stop b
sb_stop
