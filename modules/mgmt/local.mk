# modules/mgmt/local.mk: the cloud management channel (MQTTS with libmosquitto), in the core library.
libsbcore_a_SOURCES += \
	modules/mgmt/mgmt.h modules/mgmt/mgmt_int.h \
	modules/mgmt/mgmt.c modules/mgmt/mgmt_mqtt.c modules/mgmt/mgmt_outbox.c \
	modules/mgmt/mgmt_report.c modules/mgmt/mgmt_state.c modules/mgmt/mgmt_config.c modules/mgmt/mgmt_claim.c \
	modules/mgmt/mgmt_webhook.c modules/mgmt/mgmt_webhook_render.c modules/mgmt/mgmt_webhook_conf.c modules/mgmt/mgmt_http.c \
	modules/mgmt/mgmt_curl.c modules/mgmt/mgmt_https.c modules/mgmt/mgmt_linkev.c
libsbcore_a_CFLAGS += $(MOSQUITTO_CFLAGS) $(CURL_CFLAGS) $(OPENSSL_CFLAGS)
SB_CORE_LIBS += $(MOSQUITTO_LIBS) $(CURL_LIBS) $(OPENSSL_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/mgmt
EXTRA_DIST += modules/mgmt/README.md tests/lib/mqtt.sh tests/peers/webhook-receiver.py

SB_MGMT_INTEGRATION = tests/integration/230-mqtt-reports.sh tests/integration/231-mqtt-tls.sh \
	tests/integration/232-webhooks.sh tests/integration/233-mqtt-config.sh \
	tests/integration/234-mqtt-claim.sh tests/integration/235-https-uploads.sh \
	tests/integration/236-webhook-outbox.sh tests/integration/237-webhook-link-events.sh
TESTS += $(SB_MGMT_INTEGRATION)
EXTRA_DIST += $(SB_MGMT_INTEGRATION)

check_PROGRAMS += tests/unit/test_mgmt_outbox
TESTS += tests/unit/test_mgmt_outbox
tests_unit_test_mgmt_outbox_SOURCES = tests/unit/test_mgmt_outbox.c
tests_unit_test_mgmt_outbox_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_mgmt_outbox_LDADD = $(SB_CORE_LIBS) $(CMOCKA_LIBS)
