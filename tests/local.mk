# tests/local.mk: unit tests (cmocka, TAP), config tests and integration tests, all under TAP.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/lib/run-one.sh
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir;

SB_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

# unit tests: one program per source file, linked against the core library
check_PROGRAMS += tests/unit/test_store tests/unit/test_conf tests/unit/test_ctl
check_PROGRAMS += tests/unit/test_conf_overlay
tests_unit_test_conf_overlay_SOURCES = tests/unit/test_conf_overlay.c
tests_unit_test_conf_overlay_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_conf_overlay_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_conf_overlay
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(SB_TEST_CFLAGS) $(LMDB_CFLAGS)
tests_unit_test_store_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_conf_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_ctl_SOURCES = tests/unit/test_ctl.c
tests_unit_test_ctl_CFLAGS = $(SB_TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_ctl_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_store tests/unit/test_conf tests/unit/test_ctl

# the core includes no module header and calls no cdr function
TESTS += tests/layering.sh
EXTRA_DIST += tests/layering.sh

# config corpus: good ones pass -t, bad ones fail with their expected message
TESTS += tests/config/run.sh
EXTRA_DIST += tests/lib/tap.sh tests/lib/daemon.sh tests/config/run.sh \
	tests/config/good tests/config/bad
# reserved RTP port ranges outside the ephemeral one (sb_port_range in tests/lib/daemon.sh)
EXTRA_DIST += tests/lib/portrange.py tests/lib/run-one.sh tests/lib/deskdoor.sh tests/lib/linkpair.sh

# integration: the real daemon and CLI in a temp dir
SB_INTEGRATION = \
	tests/integration/005-test-ports.sh \
	tests/integration/010-show.sh \
	tests/integration/020-reload.sh \
	tests/integration/030-kill-restart.sh \
	tests/integration/040-cli.sh \
	tests/integration/050-background.sh \
	tests/integration/060-interactive.sh \
	tests/integration/182-ctl-edge.sh
TESTS += $(SB_INTEGRATION)
EXTRA_DIST += $(SB_INTEGRATION)

check_PROGRAMS += tests/unit/test_render
tests_unit_test_render_SOURCES = tests/unit/test_render.c src/ctl/render.c src/ctl/words.c
tests_unit_test_render_CFLAGS = $(SB_TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_render_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_render
AM_LOG_DRIVER_FLAGS = --comments
AM_SH_LOG_DRIVER_FLAGS = --comments

# the man pages document every setting and command
check_PROGRAMS += tests/unit/test_docs
tests_unit_test_docs_SOURCES = tests/unit/test_docs.c
tests_unit_test_docs_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_docs_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_docs
# it also reads the READMEs that give the overview (packaging/README.md comes with packaging/)
EXTRA_DIST += modules/README.md

# modules plug in by table (the test links its own table)
check_PROGRAMS += tests/unit/test_modules
tests_unit_test_modules_SOURCES = tests/unit/test_modules.c
tests_unit_test_modules_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_modules_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_modules

# fuzz targets: run by driver.c over their corpus in make check; `make fuzz` builds libFuzzer ones
check_PROGRAMS += tests/fuzz/fuzz_conf tests/fuzz/fuzz_ctl
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c tests/fuzz/driver.c
tests_fuzz_fuzz_conf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"conf"'
tests_fuzz_fuzz_conf_LDADD = $(SB_CORE_LIBS)
tests_fuzz_fuzz_ctl_SOURCES = tests/fuzz/fuzz_ctl.c tests/fuzz/driver.c
tests_fuzz_fuzz_ctl_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"ctl"'
tests_fuzz_fuzz_ctl_LDADD = $(SB_CORE_LIBS)
TESTS += tests/fuzz/fuzz_conf tests/fuzz/fuzz_ctl
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/lsan.supp tests/fuzz/corpus tests/fuzz/build.sh

SB_FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DSB_FUZZING \
	$(AM_CPPFLAGS) -I$(top_builddir) \
	$(UV_CFLAGS) $(JANSSON_CFLAGS) $(OPUS_CFLAGS) $(SPANDSP_CFLAGS) $(SRTP_CFLAGS) $(URING_CFLAGS) \
	$(MHD_CFLAGS) $(MOSQUITTO_CFLAGS) $(CURL_CFLAGS)
# the core's table names the modules: their sources and libraries come along
SB_FUZZ_LINK = $(UV_LIBS) $(LIBCONFIG_LIBS) $(LMDB_LIBS) $(JANSSON_LIBS) $(SRTP_LIBS) \
	$(SPANDSP_LIBS) $(OPUS_LIBS) $(OPENSSL_LIBS) $(PRI_LIBS) $(URING_LIBS) $(MHD_LIBS) \
	$(MOSQUITTO_LIBS) $(CURL_LIBS) -lm
SB_FUZZ_TARGETS = conf ctl
# tests/fuzz/build.sh compiles the sources once (tests/fuzz/san/) and links every target
fuzz:
	sh $(srcdir)/tests/fuzz/build.sh $(srcdir) "$(SB_FUZZ_CFLAGS)" "$(SB_FUZZ_LINK)" \
	  "$(SB_FUZZ_TARGETS)" $(filter %.c,$(libsbcore_a_SOURCES) $(libsbmedia_a_SOURCES))
.PHONY: fuzz
clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/san tests/fuzz/findings tests/fuzz/sanitized-build.log
.PHONY: clean-fuzz
# make check fuzzes every target briefly under the sanitizers (skipped without clang)
TESTS += tests/fuzz/sanitized.sh
EXTRA_DIST += tests/fuzz/sanitized.sh
CLEANFILES += $(SB_FUZZ_TARGETS:%=tests/fuzz/%-libfuzzer)

# the call core with a fake card type
check_PROGRAMS += tests/unit/test_call
tests_unit_test_call_SOURCES = tests/unit/test_call.c
tests_unit_test_call_CFLAGS = $(SB_TEST_CFLAGS) $(UV_CFLAGS)
tests_unit_test_call_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_call

# show channels follows the calls (a sipp station calls through the bridge onto a link)
TESTS += tests/integration/095-show-channels-calls.sh
EXTRA_DIST += tests/integration/095-show-channels-calls.sh

# log levels per subsystem and the call id on a call's lines
check_PROGRAMS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_log_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_log
# symbridgectl log level / show log against the daemon
TESTS += tests/integration/096-log-levels.sh
EXTRA_DIST += tests/integration/096-log-levels.sh

# drain: no new calls while running ones finish; restart --when-idle (exit 75)
TESTS += tests/integration/210-drain.sh
EXTRA_DIST += tests/integration/210-drain.sh
# show cloud: the device certificate's subject and expiry, a warning 30 days before
TESTS += tests/integration/212-cloud-cert-expiry.sh
EXTRA_DIST += tests/integration/212-cloud-cert-expiry.sh
# cluster: role auto starts standby, activate/standby/check, the role across reload and restart
TESTS += tests/integration/250-cluster-role.sh
EXTRA_DIST += tests/integration/250-cluster-role.sh
# cluster: a pair run by keepalived in two namespaces: kill -9 and kill -STOP of the active node
TESTS += tests/integration/252-cluster-keepalived.sh
EXTRA_DIST += tests/integration/252-cluster-keepalived.sh
# cluster and licences: the active node licence master, the standby node its standby master
TESTS += tests/integration/253-cluster-license.sh
EXTRA_DIST += tests/integration/253-cluster-license.sh
# reload takes new cloud certificate files: the next connection presents the new certificate
TESTS += tests/integration/213-cloud-cert-reload.sh
EXTRA_DIST += tests/integration/213-cloud-cert-reload.sh
# reload takes a renewed certificate of the tls: listener: new connections present it
TESTS += tests/integration/215-sip-tls-reload.sh
EXTRA_DIST += tests/integration/215-sip-tls-reload.sh

# several appliances behind kamailio's dispatcher (packaging/examples/kamailio-dispatcher)
TESTS += tests/integration/260-farm-dispatcher.sh
EXTRA_DIST += tests/integration/260-farm-dispatcher.sh
# stations registering through that kamailio reach the appliance (pair) that owns them
TESTS += tests/integration/261-farm-register.sh
EXTRA_DIST += tests/integration/261-farm-register.sh
