# packaging/local.mk: the systemd unit, `make deb`, `make rpm`, `make check-packages`, the install check.

# The unit is generated so that its paths follow configure's; packages install it where their
# distribution keeps units (`make install systemdsystemunitdir=/lib/systemd/system` on Debian 12).
systemdsystemunitdir = $(prefix)/lib/systemd/system
nodist_systemdsystemunit_DATA = packaging/systemd/symbridged.service
CLEANFILES += packaging/systemd/symbridged.service
packaging/systemd/symbridged.service: $(srcdir)/packaging/systemd/symbridged.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) packaging/systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e 's|@bindir[@]|$(bindir)|g' -e 's|@runstatedir[@]|$(runstatedir)|g' \
	    $(srcdir)/packaging/systemd/symbridged.service.in > $@.tmp && mv $@.tmp $@

# upgrades keep calls: the maintainer scripts run this helper (drain, restart when idle), which
# reads its maximum wait from /etc/default/symbridge
sbpkglibexecdir = $(libexecdir)/symbridge
nodist_sbpkglibexec_SCRIPTS = packaging/upgrade-restart
CLEANFILES += packaging/upgrade-restart
packaging/upgrade-restart: $(srcdir)/packaging/upgrade-restart.sh.in Makefile
	$(AM_V_GEN)$(MKDIR_P) packaging && \
	sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	    -e 's|@runstatedir[@]|$(runstatedir)|g' \
	    $(srcdir)/packaging/upgrade-restart.sh.in > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
sbdefaultdir = $(sysconfdir)/default
sbdefault_DATA = packaging/default/symbridge

# fail2ban: the filter for symbridged's log lines and a jail (off until the admin enables it);
# the daemon bans by itself, fail2ban carries the same evidence to the firewall
fail2banfilterdir = $(sysconfdir)/fail2ban/filter.d
fail2banfilter_DATA = packaging/fail2ban/filter.d/symbridge.conf
fail2banjaildir = $(sysconfdir)/fail2ban/jail.d
fail2banjail_DATA = packaging/fail2ban/jail.d/symbridge.conf

# keepalived for an active/standby pair: its configuration and notify script, as examples (the
# admin copies them to /etc/keepalived; README.md "Running more than one appliance")
sbkeepaliveddir = $(docdir)/examples/keepalived
dist_sbkeepalived_DATA = packaging/examples/keepalived/keepalived.conf \
	packaging/examples/keepalived/symbridge-notify

# The release tarball carries the packaging, so `rpmbuild -tb` and the Debian build start from it.
SB_PACKAGING_FILES = \
	packaging/README.md \
	packaging/build-deb.sh packaging/build-rpm.sh packaging/check-packages.sh \
	packaging/systemd/symbridged.service.in \
	packaging/upgrade-restart.sh.in packaging/default/symbridge \
	packaging/fail2ban/filter.d/symbridge.conf packaging/fail2ban/jail.d/symbridge.conf \
	packaging/rpm/symbridge.spec \
	packaging/debian/changelog packaging/debian/control packaging/debian/copyright \
	packaging/debian/rules packaging/debian/source/format \
	packaging/debian/symbridge.docs packaging/debian/symbridge.postinst \
	packaging/debian/symbridge.postrm packaging/debian/symbridge.install \
	packaging/debian/symbridge-vendor-tools.install \
	packaging/debian/tests/control packaging/debian/tests/call packaging/debian/tests/upgrade
EXTRA_DIST += $(SB_PACKAGING_FILES)

# readiness for Type=notify: READY=1 reaches $NOTIFY_SOCKET once the control socket answers
TESTS += tests/integration/090-packaging-notify.sh
EXTRA_DIST += tests/integration/090-packaging-notify.sh
# `systemctl reload` runs the unit's ExecReload=: symbridgectl reload, which fails on a bad file
TESTS += tests/integration/092-packaging-reload.sh
EXTRA_DIST += tests/integration/092-packaging-reload.sh
# the installed config starts clean; the vendor's signing tool is a separate program (package)
TESTS += tests/integration/093-packaging-defaults.sh
EXTRA_DIST += tests/integration/093-packaging-defaults.sh
# journald: "<N>" priority prefixes and no timestamp when stderr is the journal's stream
TESTS += tests/integration/091-journald-priority.sh
EXTRA_DIST += tests/integration/091-journald-priority.sh

# package upgrades keep calls: the maintainer scripts' helper drains and restarts when idle
TESTS += tests/integration/211-packaging-upgrade.sh
EXTRA_DIST += tests/integration/211-packaging-upgrade.sh

# `make installcheck` (run by distcheck): what `make install` put down works as installed.
installcheck-local:
	$(DESTDIR)$(sbindir)/symbridged -t -c $(DESTDIR)$(sysconfdir)/symbridge/symbridge.conf
	grep -q '^ExecStart=$(sbindir)/symbridged -f -c $(sysconfdir)/symbridge/symbridge.conf$$' \
		$(DESTDIR)$(systemdsystemunitdir)/symbridged.service

# Packages, built from the `make dist` tarball into packaging-build/ (see packaging/README.md).
SB_PKG_OUT = $(abs_top_builddir)/packaging-build
.PHONY: deb rpm check-packages
deb: dist-gzip
	sh $(srcdir)/packaging/build-deb.sh $(abs_top_builddir)/$(PACKAGE)-$(VERSION).tar.gz $(SB_PKG_OUT)
rpm: dist-gzip
	sh $(srcdir)/packaging/build-rpm.sh $(abs_top_builddir)/$(PACKAGE)-$(VERSION).tar.gz $(SB_PKG_OUT)
check-packages: dist-gzip
	sh $(srcdir)/packaging/build-deb.sh $(abs_top_builddir)/$(PACKAGE)-$(VERSION).tar.gz $(SB_PKG_OUT)
	sh $(srcdir)/packaging/build-rpm.sh $(abs_top_builddir)/$(PACKAGE)-$(VERSION).tar.gz $(SB_PKG_OUT)
	sh $(srcdir)/packaging/check-packages.sh $(SB_PKG_OUT) $(PACKAGE) $(VERSION)
clean-packages:
	rm -rf $(SB_PKG_OUT)

# kamailio's dispatcher in front of several appliances: an example, tested by 260
kamdispatcherdir = $(docdir)/examples/kamailio-dispatcher
dist_kamdispatcher_DATA = packaging/examples/kamailio-dispatcher/kamailio.cfg \
	packaging/examples/kamailio-dispatcher/dispatcher.list \
	packaging/examples/kamailio-dispatcher/README.md
# its owners table (db_text): which appliance's set each station registers at, tested by 261
kamownersdir = $(docdir)/examples/kamailio-dispatcher/symbridge-owners
dist_kamowners_DATA = packaging/examples/kamailio-dispatcher/symbridge-owners/owners
