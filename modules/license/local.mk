# modules/license/local.mk: the license module (in the core library), its tool, tests and pages.
libsbcore_a_SOURCES += \
	modules/license/license.h modules/license/lic_rules.h \
	modules/license/license.c modules/license/lic_rules.c modules/license/lic_kinds.c
libsbcore_a_CFLAGS += $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/license
EXTRA_DIST += modules/license/README.md

# the rule engine alone: pure C, linked without the core
LIC_RULES_SOURCES = modules/license/lic_rules.c modules/license/lic_kinds.c
check_PROGRAMS += tests/unit/test_license_rules
tests_unit_test_license_rules_SOURCES = tests/unit/test_license_rules.c $(LIC_RULES_SOURCES)
tests_unit_test_license_rules_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_license_rules_LDADD = $(CMOCKA_LIBS)
TESTS += tests/unit/test_license_rules
