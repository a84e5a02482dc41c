# modules/license/local.mk: the license module (in the core library), its tool, tests and pages.
libsbcore_a_SOURCES += \
	modules/license/license.h modules/license/lic_rules.h modules/license/lic_file.h \
	modules/license/lic_glue.h modules/license/lic_node.h modules/license/lic_proto.h \
	modules/license/lic_master.h modules/license/lic_tls.h modules/license/lic_net.h \
	modules/license/license.c modules/license/lic_rules.c modules/license/lic_pool.c \
	modules/license/lic_user.c modules/license/lic_node.c \
	modules/license/lic_kinds.c \
	modules/license/lic_file.c modules/license/lic_store.c modules/license/lic_cmd.c \
	modules/license/lic_show.c \
	modules/license/lic_hwid.c modules/license/lic_keys.c modules/license/lic_proto.c \
	modules/license/lic_master.c modules/license/lic_tls.c modules/license/lic_conf.c \
	modules/license/lic_link.c modules/license/lic_grants.c modules/license/lic_held.c \
	modules/license/lic_draw.c modules/license/lic_nodes.c \
	modules/license/lic_serve.c modules/license/lic_slave.c modules/license/lic_assign.c
libsbcore_a_CFLAGS += $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/license
EXTRA_DIST += modules/license/README.md

# the rule engine alone: pure C, linked without the core
LIC_RULES_SOURCES = modules/license/lic_rules.c modules/license/lic_pool.c \
	modules/license/lic_user.c modules/license/lic_node.c \
	modules/license/lic_kinds.c modules/license/lic_node.h
check_PROGRAMS += tests/unit/test_license_rules
tests_unit_test_license_rules_SOURCES = tests/unit/test_license_rules.c $(LIC_RULES_SOURCES)
tests_unit_test_license_rules_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_license_rules_LDADD = $(CMOCKA_LIBS)
TESTS += tests/unit/test_license_rules

# license files and signatures: the parser, the canonical form, Ed25519
LIC_FILE_SOURCES = modules/license/lic_file.c modules/license/lic_keys.c modules/license/lic_kinds.c
check_PROGRAMS += tests/unit/test_license_file
tests_unit_test_license_file_SOURCES = tests/unit/test_license_file.c $(LIC_FILE_SOURCES)
tests_unit_test_license_file_CFLAGS = $(SB_TEST_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_license_file_LDADD = $(OPENSSL_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_license_file

# the license master protocol's messages (issue 16): the codec alone, with the rule engine's
# names
LIC_PROTO_SOURCES = modules/license/lic_proto.c modules/license/lic_proto.h $(LIC_RULES_SOURCES)
check_PROGRAMS += tests/unit/test_license_proto
tests_unit_test_license_proto_SOURCES = tests/unit/test_license_proto.c $(LIC_PROTO_SOURCES)
tests_unit_test_license_proto_CFLAGS = $(SB_TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_license_proto_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_license_proto

# the master's record of its slaves' grants and the reconciliation (pure, like the engine)
check_PROGRAMS += tests/unit/test_license_master
tests_unit_test_license_master_SOURCES = tests/unit/test_license_master.c \
	modules/license/lic_master.c modules/license/lic_master.h $(LIC_PROTO_SOURCES)
tests_unit_test_license_master_CFLAGS = $(SB_TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_license_master_LDADD = $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_license_master

# the protocol's connection: TLS with mutual X.509 over libuv, with a test PKI
check_PROGRAMS += tests/unit/test_license_tls
tests_unit_test_license_tls_SOURCES = tests/unit/test_license_tls.c modules/license/lic_tls.c \
	modules/license/lic_tls.h
tests_unit_test_license_tls_CFLAGS = $(SB_TEST_CFLAGS) $(UV_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_license_tls_LDADD = $(UV_LIBS) $(OPENSSL_LIBS) $(CMOCKA_LIBS)
TESTS += tests/unit/test_license_tls

# fuzz target for its messages (what a master or a slave reads from the network)
check_PROGRAMS += tests/fuzz/fuzz_license_proto
tests_fuzz_fuzz_license_proto_SOURCES = tests/fuzz/fuzz_license_proto.c tests/fuzz/driver.c \
	$(LIC_PROTO_SOURCES)
tests_fuzz_fuzz_license_proto_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"license_proto"'
tests_fuzz_fuzz_license_proto_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_license_proto_LDADD = $(JANSSON_LIBS)
TESTS += tests/fuzz/fuzz_license_proto
EXTRA_DIST += tests/fuzz/corpus/license_proto
fuzz: fuzz-license-proto
fuzz-license-proto:
	clang $(SB_FUZZ_CFLAGS) $(JANSSON_CFLAGS) -o tests/fuzz/license-proto-libfuzzer \
	  $(srcdir)/tests/fuzz/fuzz_license_proto.c $(srcdir)/modules/license/lic_proto.c \
	  $(srcdir)/modules/license/lic_rules.c $(srcdir)/modules/license/lic_pool.c \
	  $(srcdir)/modules/license/lic_user.c $(srcdir)/modules/license/lic_node.c \
	  $(srcdir)/modules/license/lic_kinds.c $(JANSSON_LIBS)
.PHONY: fuzz-license-proto
CLEANFILES += tests/fuzz/license-proto-libfuzzer

# the license tool (links the file code only): verify and show on every appliance; keygen and sign
# run symbridge-license-vendor, the vendor's build of the same source, packaged on its own
# (symbridge-vendor-tools) so that the signing tool is not shipped to every customer
bin_PROGRAMS += symbridge-license symbridge-license-vendor
symbridge_license_SOURCES = modules/license/symbridge-license.c $(LIC_FILE_SOURCES) \
	modules/license/lic_file.h modules/license/lic_rules.h
symbridge_license_CPPFLAGS = $(AM_CPPFLAGS) -DLIC_TOOL_VENDOR=0
symbridge_license_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
symbridge_license_LDADD = $(OPENSSL_LIBS)
symbridge_license_vendor_SOURCES = $(symbridge_license_SOURCES)
symbridge_license_vendor_CPPFLAGS = $(AM_CPPFLAGS) -DLIC_TOOL_VENDOR=1
symbridge_license_vendor_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
symbridge_license_vendor_LDADD = $(OPENSSL_LIBS)

# fuzz target for license files, run over its corpus in make check (see tests/fuzz/README.md)
check_PROGRAMS += tests/fuzz/fuzz_license
tests_fuzz_fuzz_license_SOURCES = tests/fuzz/fuzz_license.c tests/fuzz/driver.c $(LIC_FILE_SOURCES)
tests_fuzz_fuzz_license_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"license"'
tests_fuzz_fuzz_license_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_license_LDADD = $(OPENSSL_LIBS)
TESTS += tests/fuzz/fuzz_license
fuzz: fuzz-license
fuzz-license:
	clang $(SB_FUZZ_CFLAGS) -o tests/fuzz/license-libfuzzer $(srcdir)/tests/fuzz/fuzz_license.c \
	  $(srcdir)/modules/license/lic_file.c $(srcdir)/modules/license/lic_keys.c \
	  $(srcdir)/modules/license/lic_kinds.c $(OPENSSL_LIBS)
.PHONY: fuzz-license
CLEANFILES += tests/fuzz/license-libfuzzer

# the tool's page (the file format too); the daemon's pages document the section and commands
dist_man_MANS += man/symbridge-license.1 man/symbridge-license-vendor.1

# the daemon with real license files
SB_LICENSE_INTEGRATION = tests/integration/100-license.sh tests/integration/110-license-expiry.sh \
	tests/integration/112-license-isdn-use.sh tests/integration/113-license-hwid.sh \
	tests/integration/114-license-install-guard.sh tests/integration/115-license-station-use.sh \
	tests/integration/116-license-master.sh tests/integration/117-license-slaves.sh \
	tests/integration/118-license-slave-owners.sh tests/integration/119-license-slave-users.sh \
	tests/integration/120-license-slave-cloud-call.sh
TESTS += $(SB_LICENSE_INTEGRATION)
EXTRA_DIST += $(SB_LICENSE_INTEGRATION) tests/lib/licnode.sh \
	tests/fuzz/corpus/license

# benchmark: built by make check, run by `make bench` (prints a figure, asserts no speed)
check_PROGRAMS += tests/bench/license-bench
tests_bench_license_bench_SOURCES = tests/bench/license-bench.c $(LIC_RULES_SOURCES)
tests_bench_license_bench_CFLAGS = $(AM_CFLAGS) -O2
SB_BENCH += tests/bench/license-bench
