#!/bin/sh
# 212-cloud-cert-expiry.sh: show cloud names the device certificate in use (cloud.tls.cert_file):
# its subject and expiry, as openssl reads them; 30 days before it expires it warns, in show
# cloud and in the log (at start, then once a day); a certificate with longer left does neither.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers openssl
tap_plan 7

# a device certificate valid DAYS, in pki/NAME.crt and .key
mkcert() {
	mkdir -p "$sb_tmp/pki"
	openssl req -x509 -newkey rsa:2048 -nodes -days "$2" -subj "/CN=t212-$1/O=symbridge test" \
		-keyout "$sb_tmp/pki/$1.key" -out "$sb_tmp/pki/$1.crt" 2>/dev/null
}
mkcert short 10 && mkcert long 400 || { tap_diag "openssl could not make the certificates"; exit 1; }
# the registrar is a port nobody listens on: the link never comes up, which changes nothing here
rp=$(sb_free_port)
conf() {
	sb_conf c.conf <<CONF
system: { name = "t212"; };
cloud: { enabled = true; registrar = [ "sips:127.0.0.1:$rp" ];
  tls: { ca_file = "$sb_tmp/pki/$1.crt"; cert_file = "$sb_tmp/pki/$1.crt";
         key_file = "$sb_tmp/pki/$1.key"; }; };
CONF
}
field() { ctl --json show cloud | json_get "j['item'].get('$1')"; }

conf short
sb_start c.conf
tap_ok $? "daemon up with a device certificate valid 10 days"
# what openssl says, as show cloud writes it
want=$(date -u -d "$(openssl x509 -noout -enddate -in "$sb_tmp/pki/short.crt" | cut -d= -f2)" \
	'+%Y-%m-%d %H:%M:%S UTC')
[ "$(field cert_subject)" = "/CN=t212-short/O=symbridge test" ] && [ "$(field cert_expires)" = "$want" ]
tap_ok $? "show cloud: cert_subject $(field cert_subject), cert_expires $(field cert_expires) (openssl: $want)"
# whole days left: 9, or 10 while the certificate made just now is still within the second of
# its making (it ends 10 days to the second after it began)
case $(field cert_expires_in_days) in 9 | 10) r=0 ;; *) r=1 ;; esac
tap_ok $r "cert_expires_in_days: 9 or 10 (whole days left; got $(field cert_expires_in_days))"
w=$(field cert_warning)
w9="the cloud certificate (/CN=t212-short/O=symbridge test) expires in 9 days, on $want: renew it"
w10="the cloud certificate (/CN=t212-short/O=symbridge test) expires in 10 days, on $want: renew it"
[ "$w" = "$w9" ] || [ "$w" = "$w10" ]
r=$?
tap_ok $r "cert_warning: $w"
logged() { grep -qE "warn sip: the cloud certificate \(/CN=t212-short/O=symbridge test\) expires in (9|10) days" "$sb_tmp/daemon.log"; }
sb_poll 5 logged && [ "$(grep -c 'cloud certificate.*expires in' "$sb_tmp/daemon.log")" = 1 ]
tap_ok $? "one warning line in the log at start" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
sb_stop

conf long
: >"$sb_tmp/daemon.log"
sb_start c.conf
[ "$(field cert_expires_in_days)" -ge 398 ] && [ "$(field cert_warning)" = None ]
tap_ok $? "a certificate valid 400 days: $(field cert_expires_in_days) days left, no warning"
sb_stop && ! grep -q 'cloud certificate' "$sb_tmp/daemon.log"
tap_ok $? "and no warning in the log"
tap_done
