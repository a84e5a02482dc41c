# modules/cdr/local.mk: call records (in the core library), their tests, fuzz target and bench.
libsbcore_a_SOURCES += \
	modules/cdr/cdr.h modules/cdr/cdr_cli.h modules/cdr/cdr_int.h \
	modules/cdr/cdr.c modules/cdr/cdr_calls.c modules/cdr/cdr_queue.c \
	modules/cdr/cdr_codec.c modules/cdr/cdr_db.c \
	modules/cdr/cdr_text.c modules/cdr/cdr_cli.c
AM_CPPFLAGS += -I$(top_srcdir)/modules/cdr
EXTRA_DIST += modules/cdr/README.md

SB_CDR_UNIT = tests/unit/test_cdr_codec tests/unit/test_cdr_db tests/unit/test_cdr_text
check_PROGRAMS += $(SB_CDR_UNIT)
TESTS += $(SB_CDR_UNIT)
tests_unit_test_cdr_codec_SOURCES = tests/unit/test_cdr_codec.c tests/unit/cdr_sample.h
tests_unit_test_cdr_codec_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_cdr_codec_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_cdr_db_SOURCES = tests/unit/test_cdr_db.c tests/unit/cdr_sample.h
tests_unit_test_cdr_db_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_cdr_db_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_cdr_text_SOURCES = tests/unit/test_cdr_text.c
tests_unit_test_cdr_text_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_cdr_text_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)

# a program that writes call records straight into a store: bulk records for the commands' test
# (072) and a stream to be killed mid-way (071); never a call's report (070 makes real calls)
check_PROGRAMS += tests/peers/cdr-writer
tests_peers_cdr_writer_SOURCES = tests/peers/cdr-writer.c
tests_peers_cdr_writer_LDADD = $(SB_CORE_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_cdr
tests_fuzz_fuzz_cdr_SOURCES = tests/fuzz/fuzz_cdr.c tests/fuzz/driver.c
tests_fuzz_fuzz_cdr_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"cdr"'
tests_fuzz_fuzz_cdr_LDADD = $(SB_CORE_LIBS)
TESTS += tests/fuzz/fuzz_cdr
SB_FUZZ_TARGETS += cdr

SB_CDR_INTEGRATION = tests/integration/070-cdr-report.sh tests/integration/071-cdr-kill.sh \
	tests/integration/072-cdr-cli.sh tests/integration/073-cdr-disk-full.sh \
	tests/integration/074-cdr-isdn-frames.sh \
	tests/integration/220-store-sync-kill.sh
TESTS += $(SB_CDR_INTEGRATION)
EXTRA_DIST += $(SB_CDR_INTEGRATION)

# tests/bench/cdr-bench prints the figures (`make bench`, then run it); make check runs it small
check_PROGRAMS += tests/bench/cdr-bench
tests_bench_cdr_bench_SOURCES = tests/bench/cdr-bench.c
tests_bench_cdr_bench_LDADD = $(SB_CORE_LIBS)
SB_BENCH += tests/bench/cdr-bench
TESTS += tests/bench/cdr-smoke.sh
EXTRA_DIST += tests/bench/cdr-smoke.sh

# tests/bench/store-syscalls: disk syscalls per call on the main thread, syncer off and on (`make bench`)
SB_BENCH += tests/bench/store-syscalls
EXTRA_DIST += tests/bench/store-syscalls
