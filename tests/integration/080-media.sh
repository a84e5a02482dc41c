#!/bin/sh
# 080-media.sh: the daemon starts the media engine from the media section and system.rtp_ports,
# show media reports it (table and JSON), and the daemon still stops cleanly with its workers;
# media.packet_io = "poll" forces the uv_poll packet path.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 9

sb_port_range lo 40
hi=$((lo + 39))
sb_conf m.conf <<CONF
system: { name = "t070"; rtp_ports = [ $lo, $hi ]; };
media: { workers = 3; bind_address = "127.0.0.1"; };
CONF

sb_start m.conf
tap_ok $? "daemon starts with a media section"

json=$(ctl --json show media)
tap_ok $? "show media exits 0"

got=$(printf '%s' "$json" | json_get '"/".join(str(j["item"][k]) for k in ("workers", "sessions", "ports_in_use", "ports_total", "port_range", "rx_packets", "srtp_auth_fail"))')
[ "$got" = "3/0/0/40/$lo-$hi/0/0" ]
tap_ok $? "show media: 3 workers, no session, 40 ports of $lo-$hi, no packets (got $got)"

# io_uring where the build and the kernel allow it, else the uv_poll fallback
io=$(printf '%s' "$json" | json_get 'j["item"]["packet_io"]')
[ "$io" = io_uring ] || [ "$io" = poll ]
tap_ok $? "show media names the packet I/O (got $io)"

out=$(ctl show media)
printf '%s\n' "$out" | grep -q 'workers.*3' && printf '%s\n' "$out" | grep -q 'ports_total.*40'
tap_ok $? "show media for people" || tap_diag "$out"

n=$(ls /proc/"$sb_pid"/task | wc -l)
[ "$n" -ge 4 ]
tap_ok $? "the workers are threads of the daemon ($n threads)"

sb_stop
tap_ok $? "daemon exits 0, workers joined"

sb_conf p.conf <<CONF
system: { name = "t070"; rtp_ports = [ $lo, $hi ]; };
media: { workers = 1; bind_address = "127.0.0.1"; packet_io = "poll"; };
CONF
sb_start p.conf
io=$(ctl --json show media | json_get 'j["item"]["packet_io"]')
[ "$io" = poll ]
tap_ok $? "media.packet_io = \"poll\" is what show media reports (got $io)"
sb_stop
tap_ok $? "daemon with the poll path exits 0"
