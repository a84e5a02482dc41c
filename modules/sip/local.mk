# modules/sip/local.mk: SIP signalling with sofia-sip (in the core library), its tests and fuzz target.
libsbcore_a_SOURCES += \
	modules/sip/sip.h modules/sip/sip_priv.h \
	modules/sip/sip.c modules/sip/sip_loop.c modules/sip/sip_text.c \
	modules/sip/sip_reg.c modules/sip/sip_link.c modules/sip/sip_cloud.c \
	modules/sip/sip_cli.c modules/sip/sip_tls.c
libsbcore_a_CFLAGS += $(SOFIA_CFLAGS) $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(SOFIA_LIBS) $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/sip
EXTRA_DIST += modules/sip/README.md tests/lib/sip.sh

SB_SIP_INTEGRATION = tests/integration/110-sip-register.sh tests/integration/111-sip-links.sh \
	tests/integration/112-sip-cloud.sh
TESTS += $(SB_SIP_INTEGRATION)
EXTRA_DIST += $(SB_SIP_INTEGRATION) tests/peers/sipp
