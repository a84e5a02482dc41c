# modules/isdn/local.mk: ISDN spans on libpri (in the core library), their tests and peer.
libsbcore_a_SOURCES += \
	modules/isdn/isdn.h modules/isdn/isdn_int.h \
	modules/isdn/isdn.c modules/isdn/isdn_span.c modules/isdn/isdn_call.c \
	modules/isdn/isdn_audio.c modules/isdn/isdn_license.c \
	modules/isdn/isdn_dahdi.c
AM_CPPFLAGS += -I$(top_srcdir)/modules/isdn
libsbcore_a_CFLAGS += $(SPANDSP_CFLAGS)
SB_CORE_LIBS += $(PRI_LIBS) $(SPANDSP_LIBS)
EXTRA_DIST += modules/isdn/README.md

# the libpri peer the integration tests drive (tests/peers/isdn-peer.c)
check_PROGRAMS += tests/peers/isdn-peer
tests_peers_isdn_peer_SOURCES = tests/peers/isdn-peer.c
tests_peers_isdn_peer_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_peers_isdn_peer_LDADD = $(PRI_LIBS) $(SPANDSP_LIBS) -lm

# integration: the real daemon with libpri peers on UNIX sockets
SB_ISDN_INTEGRATION = tests/integration/101-isdn-pri.sh tests/integration/102-isdn-30-calls.sh \
	tests/integration/103-isdn-dchannel.sh tests/integration/104-isdn-glare.sh \
	tests/integration/105-isdn-bri.sh tests/integration/106-isdn-dahdi.sh \
	tests/integration/107-isdn-media-workers.sh \
	tests/integration/145-isdn-cloud-e2e.sh
TESTS += $(SB_ISDN_INTEGRATION)
EXTRA_DIST += $(SB_ISDN_INTEGRATION) tests/lib/isdn.sh tests/bench/isdn-calls.sh
# drain: a new SETUP is refused with cause 41, the call up goes on
TESTS += tests/integration/214-isdn-drain.sh
EXTRA_DIST += tests/integration/214-isdn-drain.sh
# cluster standby: spans up, SETUPs refused with cause 34; activate takes calls again
TESTS += tests/integration/251-cluster-isdn.sh
EXTRA_DIST += tests/integration/251-cluster-isdn.sh


# fuzz target: Q.931 frames from the far end of a span's D-channel into the glue (libpri, the
# call core, fake legs on the other side)
check_PROGRAMS += tests/fuzz/fuzz_isdn
tests_fuzz_fuzz_isdn_SOURCES = tests/fuzz/fuzz_isdn.c tests/fuzz/driver.c
tests_fuzz_fuzz_isdn_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"isdn"'
tests_fuzz_fuzz_isdn_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
tests_fuzz_fuzz_isdn_LDADD = $(SB_CORE_LIBS)
TESTS += tests/fuzz/fuzz_isdn
SB_FUZZ_TARGETS += isdn
