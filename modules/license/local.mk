# modules/license/local.mk: the license module (in the core library), its tool, tests and pages.
libsbcore_a_SOURCES += \
	modules/license/license.h modules/license/lic_rules.h \
	modules/license/license.c modules/license/lic_rules.c
libsbcore_a_CFLAGS += $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/license
EXTRA_DIST += modules/license/README.md
