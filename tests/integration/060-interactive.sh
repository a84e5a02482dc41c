#!/bin/sh
# 060-interactive.sh: symbridgectl on a real terminal (tmux): tab completion from the daemon's
# commands, a command run from the prompt, history saved on quit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 5

tmx() { tmux -L "sbtest$$" -f /dev/null "$@"; }
trap 'tmx kill-server 2>/dev/null; sb_cleanup' EXIT

# wait_screen TEXT: poll the pane (bounded, 10 s) until it shows TEXT
wait_screen() {
	i=0
	while [ $i -lt 200 ]; do
		tmx capture-pane -p -t sb 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	tap_diag "screen:" "$(tmx capture-pane -p -t sb 2>/dev/null)"
	return 1
}

sb_conf i.conf <<'CONF'
cards = ( { slot = 5; type = "bri"; side = "net"; dchannel = "dahdi:1"; } );
CONF
sb_start i.conf

mkdir -p "$sb_tmp/home"
tmx new-session -d -s sb -x 150 -y 40 \
	"env HOME=$sb_tmp/home TERM=xterm $SYMBRIDGECTL -s $sb_tmp/ctl.sock"
# (capture-pane drops trailing spaces: the prompt shows as "symbridge>")
wait_screen "symbridge>"
tap_ok $? "the prompt appears"

tmx send-keys -t sb 'sh' Tab
wait_screen "symbridge> show"
tap_ok $? "Tab completes 'sh' to 'show'"

tmx send-keys -t sb 'car' Tab Enter
wait_screen "bri-5"
tap_ok $? "'car<Tab>' after it completes to 'cards' and runs show cards"

tmx send-keys -t sb 'quit' Enter
i=0
while tmx has-session -t sb 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
! tmx has-session -t sb 2>/dev/null
tap_ok $? "quit leaves the prompt"

# libedit's history file escapes spaces as \040
grep -q '^show\\040cards' "$sb_tmp/home/.symbridgectl_history"
tap_ok $? "the command was saved in ~/.symbridgectl_history" || tap_diag "$(cat "$sb_tmp/home/.symbridgectl_history" 2>&1)"
sb_stop >/dev/null
tap_done
