/* media.c: the media module's export: its settings, the engine's life with the daemon (and its
 * media operations registered with the call core while it runs), `show media`. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SB_MODULE "media"
#include "symbridge.h"

#include "media.h"

struct media_conf {
	struct sb_conf_src src;
	int workers;
	char *bind_address;
	int packet_io; /* index into packet_io_names: enum media_io */
};

static const char *const packet_io_names[] = {
	[MEDIA_IO_AUTO] = "auto", [MEDIA_IO_POLL] = "poll", NULL
};

static void check_bind(struct sb_conf_ctx *cx, const struct sb_conf_src *src, const char *path,
		       const void *field)
{
	const char *ip = *(char *const *)field;
	unsigned char buf[16];

	if (ip && inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
		sb_conf_error(cx, src, path,
			      "\"%s\" is not an IP address (e.g. \"0.0.0.0\", \"::\")", ip);
}

static const struct sb_conf_key media_keys[] = {
	{ .name = "workers",
	  .type = SB_CT_INT,
	  .offset = offsetof(struct media_conf, workers),
	  .def = "0",
	  .min = 0,
	  .max = 64,
	  .flags = SB_CK_RESTART,
	  .help = "media worker threads, each with its own loop; 0: one per core" },
	{ .name = "bind_address",
	  .type = SB_CT_STRING,
	  .offset = offsetof(struct media_conf, bind_address),
	  .def = "\"0.0.0.0\"",
	  .min = 2,
	  .max = 45,
	  .check = check_bind,
	  .flags = SB_CK_RESTART,
	  .help = "local address of the RTP/RTCP sockets" },
	{ .name = "packet_io",
	  .type = SB_CT_ENUM,
	  .offset = offsetof(struct media_conf, packet_io),
	  .def = "\"auto\"",
	  .choices = packet_io_names,
	  .flags = SB_CK_RESTART,
	  .help = "how workers move packets: auto (io_uring where possible), poll" },
	SB_CONF_END
};

static const struct sb_conf_section media_section = {
	.name = "media",
	.keys = media_keys,
	.size = sizeof(struct media_conf),
	.src_offset = offsetof(struct media_conf, src),
};

static struct media_engine *engine;
static struct sb_port_range engine_ports;

const char *media_daemon_bind_address(void)
{
	const struct sb_conf *conf = sb_daemon_conf();
	const struct media_conf *mc = conf ? sb_module_conf(conf, &media_module) : NULL;

	return mc && mc->bind_address ? mc->bind_address : "0.0.0.0";
}

struct media_engine *media_daemon_engine(void)
{
	return engine;
}

static int cmd_show_media(const struct sb_ctl_req *req, struct sb_reply *r)
{
	struct media_engine_status st;
	char range[32];

	if (!engine) {
		sb_reply_error(r, "the media engine is not running");
		return -ESRCH;
	}
	media_engine_status(engine, &st);
	snprintf(range, sizeof range, "%d-%d", engine_ports.lo, engine_ports.hi);
	sb_reply_int(r, "workers", st.workers);
	sb_reply_int(r, "sessions", st.sessions);
	sb_reply_str(r, "packet_io", st.io);
	sb_reply_int(r, "ports_in_use", st.ports_in_use);
	sb_reply_int(r, "ports_total", st.ports_total);
	sb_reply_str(r, "port_range", range);
	sb_reply_int(r, "rx_packets", (long long)st.rx_packets);
	sb_reply_int(r, "tx_packets", (long long)st.tx_packets);
	sb_reply_int(r, "lost", (long long)st.lost);
	sb_reply_int(r, "srtp_auth_fail", (long long)st.srtp_auth_fail);
	sb_reply_int(r, "srtp_replay", (long long)st.srtp_replay);
	sb_reply_int(r, "sends_direct", (long long)st.sends_direct);
	return 0;
}

static const struct sb_ctl_cmd media_cmds[] = {
	{ "show media", cmd_show_media, "media engine: workers, sessions, RTP ports in use", 0 },
	{ NULL, NULL, NULL, 0 },
};

extern const struct sb_module media_module;

static int media_init(const struct sb_conf *conf)
{
	const struct media_conf *mc = sb_module_conf(conf, &media_module);
	struct media_engine_conf ec = {
		.workers = mc ? (unsigned)mc->workers : 0,
		.port_lo = conf->system.rtp_ports.lo,
		.port_hi = conf->system.rtp_ports.hi,
		.bind_ip = mc && mc->bind_address ? mc->bind_address : "0.0.0.0",
		.io = mc ? (enum media_io)mc->packet_io : MEDIA_IO_AUTO,
	};
	int rc = media_engine_alloc(&engine, sb_daemon_loop(), &ec);

	if (rc < 0)
		log_err("cannot start the media engine: %s", strerror(-rc));
	engine_ports = conf->system.rtp_ports;
	if (rc == 0 && (rc = sb_media_register(&media_call_ops)) < 0) {
		log_err("cannot give the call core its media operations: %s", strerror(-rc));
		media_engine_free(engine);
		engine = NULL;
	}
	return rc;
}

static void media_reload(const struct sb_conf *conf, const struct sb_conf *old)
{
	if (conf->system.rtp_ports.lo != engine_ports.lo ||
	    conf->system.rtp_ports.hi != engine_ports.hi)
		log_warn("system.rtp_ports changed: the media engine keeps %d-%d until a restart",
			 engine_ports.lo, engine_ports.hi);
}

static void media_close(void)
{
	sb_media_unregister(&media_call_ops);
	media_engine_free(engine);
	engine = NULL;
}

/* The engine's own counters (what show media shows), for the Prometheus endpoint. */
static void media_metrics(struct sb_metrics *m)
{
	struct media_engine_status st;

	if (!engine)
		return;
	media_engine_status(engine, &st);
	sb_metric_family(m, "symbridge_media_sessions", SB_METRIC_GAUGE,
			 "media sessions open now (one per call with media)");
	sb_metric_sample(m, st.sessions, NULL);
	sb_metric_family(m, "symbridge_media_transcoding_sessions", SB_METRIC_GAUGE,
			 "media sessions open now whose two legs use different codecs");
	sb_metric_sample(m, st.transcoding, NULL);
	sb_metric_family(m, "symbridge_media_sessions_total", SB_METRIC_COUNTER,
			 "media sessions opened since the start");
	sb_metric_sample(m, (double)st.sessions_total, NULL);
	sb_metric_family(m, "symbridge_media_packets_total", SB_METRIC_COUNTER,
			 "RTP packets (or TDM frames) since the start, both legs of every session");
	sb_metric_sample(m, (double)st.rx_total, "direction", "rx", NULL);
	sb_metric_sample(m, (double)st.tx_total, "direction", "tx", NULL);
	sb_metric_family(m, "symbridge_media_packets_lost_total", SB_METRIC_COUNTER,
			 "RTP packets the peers sent that never arrived (RFC 3550), since the start");
	sb_metric_sample(m, (double)st.lost_total, NULL);
	sb_metric_family(m, "symbridge_media_jitter_max_seconds", SB_METRIC_GAUGE,
			 "the worst interarrival jitter (RFC 3550) of a leg open now");
	sb_metric_sample(m, st.jitter_max_us / 1e6, NULL);
	sb_metric_family(m, "symbridge_media_rtp_ports", SB_METRIC_GAUGE,
			 "RTP and RTCP ports of the configured range, by use");
	sb_metric_sample(m, st.ports_in_use, "state", "in_use", NULL);
	sb_metric_sample(m, st.ports_total - st.ports_in_use, "state", "free", NULL);
	sb_metric_family(m, "symbridge_media_worker_cpu_seconds_total", SB_METRIC_COUNTER,
			 "CPU time the media worker threads used (user and system)");
	sb_metric_sample(m, st.worker_cpu_ns / 1e9, NULL);
}

const struct sb_module media_module = {
	.name = "media",
	.conf = &media_section,
	.cmds = media_cmds,
	.init = media_init,
	.reload = media_reload,
	.close = media_close,
	.metrics = media_metrics,
};
