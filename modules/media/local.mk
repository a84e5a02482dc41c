# modules/media/local.mk: the media engine (codecs, resampling, SRTP, SDP media lines), its tests and benches.
noinst_LIBRARIES += libsbmedia.a
libsbmedia_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(SRTP_CFLAGS) $(SPANDSP_CFLAGS) $(OPUS_CFLAGS) \
	$(OPENSSL_CFLAGS) $(URING_CFLAGS)
libsbmedia_a_SOURCES = \
	modules/media/media.h \
	modules/media/media.c \
	modules/media/media_codec.c \
	modules/media/media_resample.c \
	modules/media/media_srtp.c \
	modules/media/media_srtp_ossl.c \
	modules/media/media_sdp.c \
	modules/media/media_priv.h \
	modules/media/media_engine.c \
	modules/media/media_rtp.c \
	modules/media/media_tdm.c \
	modules/media/media_ops.c \
	modules/media/media_ep.c \
	modules/media/media_port.c \
	modules/media/media_uring.c \
	modules/media/media_wake.c \
	modules/media/media_rtcp.c \
	modules/media/media_stats.c
AM_CPPFLAGS += -I$(top_srcdir)/modules/media
SB_MEDIA_LIBS = libsbmedia.a $(SRTP_LIBS) $(SPANDSP_LIBS) $(OPUS_LIBS) $(OPENSSL_LIBS) $(URING_LIBS) -lm

# module_table.c (in libsbcore.a) names media_module, and the module uses the core's log and
# config: every program linking the core links the module after it, then the core again.
SB_CORE_LIBS += $(SB_MEDIA_LIBS) libsbcore.a $(UV_LIBS)

EXTRA_DIST += modules/media/README.md

# the daemon with its media engine
TESTS += tests/integration/080-media.sh
EXTRA_DIST += tests/integration/080-media.sh

# unit tests
SB_MEDIA_TEST_CFLAGS = $(SB_TEST_CFLAGS) $(SRTP_CFLAGS) \
	$(SPANDSP_CFLAGS) $(OPUS_CFLAGS) $(UV_CFLAGS)
SB_MEDIA_UNIT = tests/unit/test_media_codec tests/unit/test_media_resample \
	tests/unit/test_media_srtp tests/unit/test_media_sdp tests/unit/test_media_session \
	tests/unit/test_media_stats tests/unit/test_media_ep
check_PROGRAMS += $(SB_MEDIA_UNIT)
TESTS += $(SB_MEDIA_UNIT)
tests_unit_test_media_codec_SOURCES = tests/unit/test_media_codec.c tests/unit/media_audio.h
tests_unit_test_media_codec_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_codec_LDADD = $(SB_MEDIA_LIBS) $(CMOCKA_LIBS)
tests_unit_test_media_resample_SOURCES = tests/unit/test_media_resample.c tests/unit/media_audio.h
tests_unit_test_media_resample_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_resample_LDADD = $(SB_MEDIA_LIBS) $(CMOCKA_LIBS)
tests_unit_test_media_srtp_SOURCES = tests/unit/test_media_srtp.c
tests_unit_test_media_srtp_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_srtp_LDADD = $(SB_MEDIA_LIBS) $(CMOCKA_LIBS)
tests_unit_test_media_sdp_SOURCES = tests/unit/test_media_sdp.c
tests_unit_test_media_sdp_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_sdp_LDADD = $(SB_MEDIA_LIBS) $(CMOCKA_LIBS)

tests_unit_test_media_stats_SOURCES = tests/unit/test_media_stats.c
tests_unit_test_media_stats_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_stats_LDADD = $(SB_MEDIA_LIBS) $(CMOCKA_LIBS)

tests_unit_test_media_ep_SOURCES = tests/unit/test_media_ep.c
tests_unit_test_media_ep_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_ep_LDADD = $(SB_MEDIA_LIBS) $(SB_CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_media_session_SOURCES = tests/unit/test_media_session.c
tests_unit_test_media_session_CFLAGS = $(SB_MEDIA_TEST_CFLAGS)
tests_unit_test_media_session_LDADD = $(SB_MEDIA_LIBS) $(SB_CORE_LIBS) $(CMOCKA_LIBS)

# fuzz target: the SDP parser, run over its corpus in make check
check_PROGRAMS += tests/fuzz/fuzz_sdp
tests_fuzz_fuzz_sdp_SOURCES = tests/fuzz/fuzz_sdp.c tests/fuzz/driver.c
tests_fuzz_fuzz_sdp_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sdp"'
tests_fuzz_fuzz_sdp_LDADD = $(SB_MEDIA_LIBS)
TESTS += tests/fuzz/fuzz_sdp
SB_FUZZ_TARGETS += sdp

# benches: built by `make bench` (and with the tests), never run by make check: they print figures
check_PROGRAMS += tests/bench/media-limit
tests_bench_media_limit_SOURCES = tests/bench/media-limit.c
tests_bench_media_limit_CFLAGS = $(AM_CFLAGS) -O2 $(OPENSSL_CFLAGS) $(SRTP_CFLAGS)
tests_bench_media_limit_LDADD = $(SB_MEDIA_LIBS)
check_PROGRAMS += tests/bench/media-load
tests_bench_media_load_SOURCES = tests/bench/media-load.c tests/bench/media-limit.c
tests_bench_media_load_CFLAGS = $(AM_CFLAGS) -O2 $(OPENSSL_CFLAGS) $(SRTP_CFLAGS) \
	$(UV_CFLAGS) -DMEDIA_LIMIT_LIB
tests_bench_media_load_LDADD = $(SB_MEDIA_LIBS) $(SB_CORE_LIBS) -lpthread
SB_BENCH += tests/bench/media-limit tests/bench/media-load
# against rtpengine from Debian (`apt-get install rtpengine-daemon`; exit 77 without it)
check_PROGRAMS += tests/bench/media-vs-rtpengine
tests_bench_media_vs_rtpengine_SOURCES = tests/bench/media-vs-rtpengine.c tests/bench/mvr-drive.c \
	tests/bench/mvr-drive.h tests/bench/mvr-rtpengine.c tests/bench/mvr.h
tests_bench_media_vs_rtpengine_CFLAGS = $(AM_CFLAGS) -O2 $(UV_CFLAGS) \
	-DMVR_SRCDIR='"$(abs_top_srcdir)"'
tests_bench_media_vs_rtpengine_LDADD = $(SB_MEDIA_LIBS) $(SB_CORE_LIBS) -lpthread -lm
SB_BENCH += tests/bench/media-vs-rtpengine

# interop with a real SIP user agent (baresip): a minimal UAC driving one engine session
check_PROGRAMS += tests/peers/media-sip-call
tests_peers_media_sip_call_SOURCES = tests/peers/media-sip-call.c
tests_peers_media_sip_call_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
tests_peers_media_sip_call_LDADD = $(SB_MEDIA_LIBS) $(SB_CORE_LIBS) -lm
TESTS += tests/integration/085-media-baresip.sh
EXTRA_DIST += tests/integration/085-media-baresip.sh

# fuzz target of what a media leg receives: SRTP/SRTCP with the peer's key, RTCP reports
check_PROGRAMS += tests/fuzz/fuzz_rtp_rx
TESTS += tests/fuzz/fuzz_rtp_rx
tests_fuzz_fuzz_rtp_rx_SOURCES = tests/fuzz/fuzz_rtp_rx.c tests/fuzz/driver.c
tests_fuzz_fuzz_rtp_rx_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"rtp_rx"'
tests_fuzz_fuzz_rtp_rx_CFLAGS = $(SB_MEDIA_TEST_CFLAGS) $(URING_CFLAGS)
tests_fuzz_fuzz_rtp_rx_LDADD = $(SB_CORE_LIBS)
SB_FUZZ_TARGETS += rtp_rx
