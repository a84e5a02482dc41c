# modules/metrics/local.mk: the Prometheus endpoint (libmicrohttpd, in the core library) and its tests.
libsbcore_a_SOURCES += \
	modules/metrics/metrics.h modules/metrics/metrics.c modules/metrics/metrics_http.c
libsbcore_a_CFLAGS += $(MHD_CFLAGS)
SB_CORE_LIBS += $(MHD_LIBS)
AM_CPPFLAGS += -I$(top_srcdir)/modules/metrics
EXTRA_DIST += modules/metrics/README.md

SB_METRICS_INTEGRATION = tests/integration/200-metrics.sh tests/integration/201-sip-trace.sh \
	tests/integration/202-call-id-logs.sh tests/integration/203-sip-trace-cloud.sh
TESTS += $(SB_METRICS_INTEGRATION)
EXTRA_DIST += $(SB_METRICS_INTEGRATION)
