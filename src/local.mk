# src/local.mk: the core library, the daemon and the CLI.
noinst_LIBRARIES += libsbcore.a
libsbcore_a_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS) $(LIBCONFIG_CFLAGS) $(LMDB_CFLAGS) $(JANSSON_CFLAGS)
libsbcore_a_SOURCES = \
	src/symbridge.h src/core.h src/call.h \
	src/arena.c src/log.c \
	src/conf.c src/conf_tables.c src/conf_overlay.c src/conf_diff.c src/model.c \
	src/store.c src/store_sync.c \
	src/reply.c src/ctl_cmd.c src/ctl.c \
	src/daemon.c src/drain.c src/cmd_drain.c src/cluster.c src/cmd_cluster.c src/cmd_core.c src/cmd_log.c src/cmd_model.c src/loglevels.h \
	src/modules.c src/module_table.c src/metrics_out.c \
	src/call.c src/call_media.c src/route.c src/route_pick.c src/cmd_call.c src/cause.c

SB_CORE_LIBS = libsbcore.a $(UV_LIBS) $(LIBCONFIG_LIBS) $(LMDB_LIBS) $(JANSSON_LIBS)

sbin_PROGRAMS += symbridged
symbridged_SOURCES = src/main.c
symbridged_SOURCES += src/notify.c src/notify.h
symbridged_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
symbridged_LDADD = $(SB_CORE_LIBS)

bin_PROGRAMS += symbridgectl
symbridgectl_SOURCES = src/ctl/symbridgectl.c src/ctl/render.c src/ctl/words.c src/ctl/render.h
symbridgectl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEDIT_CFLAGS)
symbridgectl_LDADD = $(JANSSON_LIBS) $(LIBEDIT_LIBS)

# the Q.850 <-> SIP tables (src/cause.c), used by the sip and isdn modules
check_PROGRAMS += tests/unit/test_cause
tests_unit_test_cause_SOURCES = tests/unit/test_cause.c src/cause.c
tests_unit_test_cause_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_cause_LDADD = $(CMOCKA_LIBS)
TESTS += tests/unit/test_cause

# the routing decision with mesh fallback (src/route_pick.c)
check_PROGRAMS += tests/unit/test_route_pick
tests_unit_test_route_pick_SOURCES = tests/unit/test_route_pick.c src/route_pick.c
tests_unit_test_route_pick_CFLAGS = $(SB_TEST_CFLAGS)
tests_unit_test_route_pick_LDADD = $(CMOCKA_LIBS)
TESTS += tests/unit/test_route_pick
