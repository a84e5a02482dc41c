# etc/local.mk: the bundled configuration and examples.
EXTRA_DIST += etc/symbridge.conf

# Examples to start from (a PRI trunk, a SIP link, a station): documentation, not configuration;
# the installed config starts clean without them.
symbridgeexamplesdir = $(docdir)/examples
dist_symbridgeexamples_DATA = etc/examples/demo.conf

# The installed configuration is the bundled one with the two paths of a system install: state in
# $(localstatedir)/lib/symbridge, the control socket in $(runstatedir)/symbridge. It is generated
# from etc/symbridge.conf so that one file stays the source of both; the build fails if either
# setting can no longer be found there, rather than install a config pointing at ../var.
symbridgeconfdir = $(sysconfdir)/symbridge
nodist_symbridgeconf_DATA = etc/installed/symbridge.conf
CLEANFILES += etc/installed/symbridge.conf
etc/installed/symbridge.conf: $(srcdir)/etc/symbridge.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/installed && \
	sed -e 's|^\([[:space:]]*state_dir[[:space:]]*=[[:space:]]*\)"[^"]*";|\1"$(localstatedir)/lib/symbridge";|' \
	    -e 's|^\([[:space:]]*control_socket[[:space:]]*=[[:space:]]*\)"[^"]*";|\1"$(runstatedir)/symbridge/ctl.sock";|' \
	    -e 's|state and control socket stay next to this file (\.\./var/)|state is in $(localstatedir)/lib/symbridge, the control socket in $(runstatedir)/symbridge|' \
	    $(srcdir)/etc/symbridge.conf > $@.tmp && \
	if [ "$$(grep -c -e '^[[:space:]]*state_dir = "$(localstatedir)/lib/symbridge";' \
	        -e '^[[:space:]]*control_socket = "$(runstatedir)/symbridge/ctl.sock";' $@.tmp)" != 2 ]; then \
		echo "$@: etc/symbridge.conf must set system.state_dir and system.control_socket" \
		     "each on a line of its own (key = \"path\";) so that the installed copy can" \
		     "point them at $(localstatedir)/lib/symbridge and $(runstatedir)/symbridge" >&2; \
		rm -f $@.tmp; exit 1; \
	fi && mv $@.tmp $@
