# licnode.sh: license master tests (116, 117): several daemons on loopback, each with its own
# config ($sb_tmp/NAME.conf), state dir, control socket and log ($sb_tmp/NAME.log); a test PKI;
# license files. Source after daemon.sh and sip.sh.

pids=
licnode_cleanup() {
	for _p in $pids; do kill -KILL "$_p" 2>/dev/null && wait "$_p" 2>/dev/null; done
	sb_sip_cleanup
}
trap licnode_cleanup EXIT

# node NAME: start daemon NAME and wait until its socket answers; its pid in pid_NAME
node() {
	"$SYMBRIDGED" -f -c "$sb_tmp/$1.conf" --state-dir "$sb_tmp/$1.state" \
		--control-socket "$sb_tmp/$1.sock" 2>>"$sb_tmp/$1.log" &
	eval "pid_$1=$!"
	pids="$pids $!"
	sb_poll 10 nctl "$1" version >/dev/null 2>&1
}
# node_stop NAME [SIGNAL]: signal it (TERM) and return its exit status
node_stop() {
	eval "_p=\$pid_$1"
	kill -"${2:-TERM}" "$_p" && wait "$_p"
}
nctl() { _c=$1; shift; "$SYMBRIDGECTL" -s "$sb_tmp/$_c.sock" "$@"; }
# nodes NAME EXPR: a python expression over NAME's show license-nodes rows (r: by node name)
nodes() {
	nctl "$1" --json show license-nodes 2>/dev/null |
		json_get "(lambda r: $2)({x['node']: x for x in j.get('rows', [])})" 2>/dev/null
}
# port NAME FIELD: that field of NAME's PBX-Port row in show licenses
port() {
	nctl "$1" --json show licenses 2>/dev/null |
		json_get "[x['$2'] for x in j['rows'] if x['kind'] == 'PBX-Port'][0]" 2>/dev/null
}
is() { [ "$("$@" 2>/dev/null)" = "$want" ]; }
# expect WANT SECONDS COMMAND...: poll until COMMAND prints WANT
expect() { want=$1; shift; sb_poll "$@"; }

# licnode_pki: CA "ca" (server and device certificates) and CA "other" in $sb_tmp/pki
licnode_pki() {
	sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null &&
		sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" other >/dev/null
}
# licnode_tls CERT: the license section's TLS settings with ca-CERT.crt/key and ca.pem
licnode_tls() {
	printf 'tls_certificate = "%s"; tls_key = "%s"; tls_ca = "%s/pki/ca.pem";' \
		"$sb_tmp/pki/$1.crt" "$sb_tmp/pki/$1.key" "$sb_tmp"
}
# licnode_key: a vendor key pair; its public half in $pub. licnode_sign ID ITEM...: a license
# file $sb_tmp/ID.lic for the test hardware id
licnode_key() {
	pub=$("$top_builddir/symbridge-license" keygen "$sb_tmp/v.key" "$sb_tmp/v.pub" |
		sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
}
licnode_sign() {
	_id=$1
	shift
	"$top_builddir/symbridge-license" sign --key "$sb_tmp/v.key" --hwid "$SB_TEST_HWID" --test \
		--id "$_id" --expires 2099-12-31 -o "$sb_tmp/$_id.lic" "$@" >/dev/null
}
