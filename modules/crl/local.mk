# modules/crl/local.mk: certificate revocation of the cloud and the broker (CRLs over HTTP), in the core library.
libsbcore_a_SOURCES += \
	modules/crl/crl.h modules/crl/crl_int.h \
	modules/crl/crl.c modules/crl/crl_list.c modules/crl/crl_fetch.c
libsbcore_a_CFLAGS += $(CURL_CFLAGS) $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(CURL_LIBS) $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/crl
EXTRA_DIST += modules/crl/README.md tests/peers/mkcrlpki.sh

SB_CRL_INTEGRATION = tests/integration/240-crl.sh tests/integration/241-crl-sips.sh
TESTS += $(SB_CRL_INTEGRATION)
EXTRA_DIST += $(SB_CRL_INTEGRATION)

check_PROGRAMS += tests/unit/test_crl_list
TESTS += tests/unit/test_crl_list
tests_unit_test_crl_list_SOURCES = tests/unit/test_crl_list.c modules/crl/crl_list.c
tests_unit_test_crl_list_CFLAGS = $(SB_TEST_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_crl_list_LDADD = $(OPENSSL_LIBS) $(CMOCKA_LIBS)
