# modules/sip/local.mk: SIP signalling with sofia-sip (in the core library), its tests and fuzz target.
libsbcore_a_SOURCES += \
	modules/sip/sip.h modules/sip/sip_priv.h \
	modules/sip/sip.c modules/sip/sip_loop.c modules/sip/sip_text.c \
	modules/sip/sip_reg.c modules/sip/sip_reg_bind.c modules/sip/sip_digest.c modules/sip/sip_guard.c \
	modules/sip/sip_filter.c modules/sip/sip_mem.c modules/sip/sip_link.c modules/sip/sip_cloud.h \
	modules/sip/sip_cloud.c modules/sip/sip_cloud_ids.c modules/sip/sip_cloud_role.c modules/sip/sip_cert.c \
	modules/sip/sip_cli.c modules/sip/sip_metrics.c modules/sip/sip_trace.c modules/sip/sip_tls.c modules/sip/sip_lic.c modules/sip/sip_conn.c \
	modules/sip/sip_call.h modules/sip/sip_call.c modules/sip/sip_addr.c \
	modules/sip/sip_sdp.h modules/sip/sip_sdp.c \
	modules/sip/sip_sdp_dir.c modules/sip/sip_dialog.c modules/sip/sip_dtmf.c \
	modules/sip/sip_timer.c \
	modules/sip/sip_route.c modules/sip/sip_refer.h modules/sip/sip_refer.c
libsbcore_a_CFLAGS += $(SOFIA_CFLAGS) $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(SOFIA_LIBS) $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/sip
EXTRA_DIST += modules/sip/README.md tests/lib/sip.sh

SB_SIP_INTEGRATION = tests/integration/130-sip-register.sh tests/integration/131-sip-links.sh \
	tests/integration/132-sip-cloud.sh tests/integration/133-sip-cloud-address.sh \
	tests/integration/134-sip-cloud-reload.sh tests/integration/136-sip-digest.sh \
	tests/integration/137-sip-bans.sh tests/integration/138-sip-torture.sh \
	tests/integration/140-sip-call-cloud.sh \
	tests/integration/141-sip-cloud-ring-group.sh tests/integration/142-sip-link-calls.sh \
	tests/integration/143-sip-call-max-duration.sh \
	tests/integration/144-isdn-sip-cloud.sh tests/integration/160-sip-hold-reinvite.sh \
	tests/integration/161-sip-session-timer.sh tests/integration/162-sip-dtmf-info.sh \
	tests/integration/164-sip-session-refresh.sh \
	tests/integration/165-sip-session-refresh-fails.sh \
	tests/integration/150-sip-mesh-fallback.sh tests/integration/151-sip-100-calls.sh \
	tests/integration/166-sip-transfer-blind.sh tests/integration/167-sip-transfer-attended.sh \
	tests/integration/168-sip-transfer-cloud.sh tests/integration/169-sip-transfer-isdn.sh \
	tests/integration/170-sip-dtmf-codecs.sh tests/integration/173-sip-codec-choice.sh \
	tests/integration/174-sip-inband-digits-in.sh \
	tests/integration/171-sip-session-refresh-reinvite.sh tests/integration/172-isdn-link-dtmf.sh \
	tests/integration/181-sip-conn-flood.sh tests/integration/183-sip-tls-listener.sh
TESTS += $(SB_SIP_INTEGRATION)
EXTRA_DIST += $(SB_SIP_INTEGRATION) tests/peers/sipp tests/peers/mkpki.sh tests/peers/kamailio \
	tests/peers/rtp-peer.py tests/peers/rtp-seq-peer.py tests/lib/cloud.sh tests/lib/timer.sh \
	tests/lib/linkcall.sh tests/lib/transfer.sh tests/lib/station.sh tests/lib/netns.sh \
	tests/peers/valgrind-sofia.supp tests/peers/conn-flood.py tests/peers/tls-churn.py \
	tests/peers/sip-client.py tests/peers/sip-torture.py

SB_SIP_UNIT = tests/unit/test_sip_text tests/unit/test_sip_reg
check_PROGRAMS += $(SB_SIP_UNIT)
TESTS += $(SB_SIP_UNIT)
tests_unit_test_sip_text_SOURCES = tests/unit/test_sip_text.c
tests_unit_test_sip_text_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_sip_text_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_sip_reg_SOURCES = tests/unit/test_sip_reg.c tests/unit/sip_sample.h
tests_unit_test_sip_reg_CFLAGS = $(SB_TEST_CFLAGS) $(SOFIA_CFLAGS) $(UV_CFLAGS)
tests_unit_test_sip_reg_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_sip_reg
tests_fuzz_fuzz_sip_reg_SOURCES = tests/fuzz/fuzz_sip_reg.c tests/fuzz/driver.c
tests_fuzz_fuzz_sip_reg_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_reg"'
tests_fuzz_fuzz_sip_reg_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(UV_CFLAGS)
tests_fuzz_fuzz_sip_reg_LDADD = $(SB_CORE_LIBS)
TESTS += tests/fuzz/fuzz_sip_reg
SB_FUZZ_TARGETS += sip_reg
SB_FUZZ_CFLAGS += $(SOFIA_CFLAGS) $(OPENSSL_CFLAGS)
SB_FUZZ_LINK += $(SOFIA_LIBS) $(OPENSSL_LIBS)

# tests/bench/sip-options.sh: the cost of the nested loop on the running daemon (run by hand)
EXTRA_DIST += tests/bench/sip-options.sh

# offer/answer of SIP calls (pure): sip_sdp.c with the media library
check_PROGRAMS += tests/unit/test_sip_sdp
TESTS += tests/unit/test_sip_sdp
tests_unit_test_sip_sdp_SOURCES = tests/unit/test_sip_sdp.c modules/sip/sip_sdp.c \
	modules/sip/sip_sdp_dir.c
tests_unit_test_sip_sdp_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_sip_sdp_LDADD = $(SB_MEDIA_LIBS) $(CMOCKA_LIBS)

# call transfer: the Refer-To parser (unit test and fuzz target)
check_PROGRAMS += tests/unit/test_sip_refer tests/fuzz/fuzz_sip_refer
TESTS += tests/unit/test_sip_refer tests/fuzz/fuzz_sip_refer
tests_unit_test_sip_refer_SOURCES = tests/unit/test_sip_refer.c
tests_unit_test_sip_refer_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_sip_refer_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
tests_fuzz_fuzz_sip_refer_SOURCES = tests/fuzz/fuzz_sip_refer.c tests/fuzz/driver.c
tests_fuzz_fuzz_sip_refer_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_refer"'
tests_fuzz_fuzz_sip_refer_LDADD = $(SB_CORE_LIBS)
SB_FUZZ_TARGETS += sip_refer

# tests/bench/sip-load: calls per second through the bridge beside kamailio alone (`make bench`);
# make check runs it small so it cannot rot
SB_BENCH += tests/bench/sip-load
TESTS += tests/bench/sip-load-smoke.sh
EXTRA_DIST += tests/bench/sip-load tests/bench/sip-load-smoke.sh tests/peers/setup-latency.py

# fuzz targets of the call path: the body of an INFO (a digit), the SDP of a re-INVITE/UPDATE
check_PROGRAMS += tests/fuzz/fuzz_sip_info tests/fuzz/fuzz_sip_reinvite
TESTS += tests/fuzz/fuzz_sip_info tests/fuzz/fuzz_sip_reinvite
tests_fuzz_fuzz_sip_info_SOURCES = tests/fuzz/fuzz_sip_info.c tests/fuzz/driver.c
tests_fuzz_fuzz_sip_info_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_info"'
tests_fuzz_fuzz_sip_info_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(UV_CFLAGS)
tests_fuzz_fuzz_sip_info_LDADD = $(SB_CORE_LIBS)
tests_fuzz_fuzz_sip_reinvite_SOURCES = tests/fuzz/fuzz_sip_reinvite.c tests/fuzz/driver.c
tests_fuzz_fuzz_sip_reinvite_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_reinvite"'
tests_fuzz_fuzz_sip_reinvite_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_fuzz_fuzz_sip_reinvite_LDADD = $(SB_CORE_LIBS)
SB_FUZZ_TARGETS += sip_info sip_reinvite

# tests/bench/sip-flood: REGISTER and INVITE floods from four addresses while a station calls
# (`make bench`); make check runs it small
SB_BENCH += tests/bench/sip-flood
TESTS += tests/bench/sip-flood-smoke.sh
EXTRA_DIST += tests/bench/sip-flood tests/bench/sip-flood-smoke.sh

# sip.security for IPv6 sources: bans, the kernel filter, show bans / unban
TESTS += tests/integration/184-sip-bans-ipv6.sh
EXTRA_DIST += tests/integration/184-sip-bans-ipv6.sh
# which digest challenge comes first: sipp, baresip and a SHA-256 client with both orders
TESTS += tests/integration/185-sip-digest-order.sh
EXTRA_DIST += tests/integration/185-sip-digest-order.sh

# fuzz targets of a station's call (INVITE: digest, then routing in the call core) and of the
# cloud's replies to our requests
check_PROGRAMS += tests/fuzz/fuzz_sip_invite tests/fuzz/fuzz_sip_cloud
TESTS += tests/fuzz/fuzz_sip_invite tests/fuzz/fuzz_sip_cloud
tests_fuzz_fuzz_sip_invite_SOURCES = tests/fuzz/fuzz_sip_invite.c tests/fuzz/driver.c
tests_fuzz_fuzz_sip_invite_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_invite"'
tests_fuzz_fuzz_sip_invite_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(UV_CFLAGS)
tests_fuzz_fuzz_sip_invite_LDADD = $(SB_CORE_LIBS)
tests_fuzz_fuzz_sip_cloud_SOURCES = tests/fuzz/fuzz_sip_cloud.c tests/fuzz/driver.c
tests_fuzz_fuzz_sip_cloud_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_cloud"'
tests_fuzz_fuzz_sip_cloud_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(UV_CFLAGS)
tests_fuzz_fuzz_sip_cloud_LDADD = $(SB_CORE_LIBS)
SB_FUZZ_TARGETS += sip_invite sip_cloud

# fuzz target of the cloud link with a real nua: the target plays the cloud over TLS on loopback
# and answers each request the module sends (fewer mutations in make check: each input starts
# and stops the module)
check_PROGRAMS += tests/fuzz/fuzz_sip_cloud_nua
TESTS += tests/fuzz/fuzz_sip_cloud_nua
tests_fuzz_fuzz_sip_cloud_nua_SOURCES = tests/fuzz/fuzz_sip_cloud_nua.c tests/fuzz/cloud_peer.h \
	tests/fuzz/cloud_sip.h tests/fuzz/vclock.h tests/fuzz/driver.c
tests_fuzz_fuzz_sip_cloud_nua_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sip_cloud_nua"' -DMUTATIONS=10
tests_fuzz_fuzz_sip_cloud_nua_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(UV_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_sip_cloud_nua_LDADD = $(SB_CORE_LIBS)
SB_FUZZ_TARGETS += sip_cloud_nua
