/* link.c: the link card: a SIP link to an intercom server. */
#include "config.h"

#include <stdio.h>

#include "../cards.h"

struct link_conf {
	struct sb_conf_src src;
	int protocol;
	int transport;
	char *peer;
	int channels;
	int dtmf;
};

/* protocol = net | lan: accepted and ignored, with a warning (see link_protocol_check) */
static const char *const link_protocols[] = { "net", "lan", NULL };
static const char *const link_transports[] = { "udp", "tcp", "tls", NULL };
/* in the order of enum card_link_dtmf */
static const char *const link_dtmf[] = { "rfc4733", "info", "inband", NULL };

static void link_check_peer(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
			    const char *path, const void *field)
{
	const char *v = *(char *const *)field;
	if (!sb_conf_is_hostport(v, true))
		sb_conf_error(cx, src, path,
			      "\"%s\" is not host:port (allowed: \"host:port\" or \"[ipv6]:port\", "
			      "port 1..65535)",
			      v);
}

/* The NET/LAN distinction of the old intercom servers never changed anything here: the link is
 * SIP either way, and what differs (transport, peer, dtmf) has settings of its own. Configs that
 * still name it keep loading, with a warning, until a later version refuses the key. */
static void link_protocol_check(struct sb_conf_ctx *cx, const struct sb_conf_src *src,
				const char *path, const void *field)
{
	sb_conf_warn(cx, src, path,
		     "deprecated and ignored: the link is SIP over its transport either way "
		     "(remove the setting; a later version will refuse it)");
}

static const struct sb_conf_key link_keys[] = {
	{ .name = "protocol", .type = SB_CT_ENUM, .offset = offsetof(struct link_conf, protocol),
	  .choices = link_protocols, .flags = SB_CK_OPTIONAL, .check = link_protocol_check,
	  .help = "deprecated and ignored (net or lan)" },
	{ .name = "transport", .type = SB_CT_ENUM, .offset = offsetof(struct link_conf, transport),
	  .def = "\"udp\"", .choices = link_transports, .help = "SIP transport: udp, tcp or tls" },
	{ .name = "peer", .type = SB_CT_STRING, .offset = offsetof(struct link_conf, peer),
	  .check = link_check_peer, .help = "the intercom server, host:port" },
	{ .name = "channels", .type = SB_CT_INT, .offset = offsetof(struct link_conf, channels),
	  .def = "30", .min = 1, .max = 1000, .help = "simultaneous calls on the link" },
	{ .name = "dtmf", .type = SB_CT_ENUM, .offset = offsetof(struct link_conf, dtmf),
	  .def = "\"rfc4733\"", .choices = link_dtmf,
	  .help = "how digits reach the intercom server: rfc4733, info (SIP INFO) or inband" },
	SB_CONF_END
};

static const struct sb_conf_section link_section = {
	.name = "cards (link)",
	.keys = link_keys,
	.size = sizeof(struct link_conf),
	.src_offset = offsetof(struct link_conf, src),
};

static size_t link_nchannels(const struct sb_card_conf *cc)
{
	return (size_t)((const struct link_conf *)cc->priv)->channels;
}

static void link_describe(const struct sb_card_conf *cc, char *buf, size_t len)
{
	const struct link_conf *lc = cc->priv;
	snprintf(buf, len, "SIP over %s to %s", link_transports[lc->transport], lc->peer);
}

const struct sb_card_type card_link = {
	.name = "link",
	.conf = &link_section,
	.dial_out = true,
	.nchannels = link_nchannels,
	.describe = link_describe,
	.originate = card_link_originate,
};

/* What the sip module needs of a link card: where its peer is and how to reach it. */
int card_link_peer(const struct sb_card_conf *cc, const char **peer, const char **transport)
{
	const struct link_conf *lc;

	if (!cc || cc->type != &card_link || !(lc = cc->priv))
		return -1;
	*peer = lc->peer;
	*transport = link_transports[lc->transport];
	return 0;
}

/* How the sip module sends digits toward the link's peer (enum card_link_dtmf). */
int card_link_dtmf(const struct sb_card_conf *cc)
{
	const struct link_conf *lc;

	if (!cc || cc->type != &card_link || !(lc = cc->priv))
		return -1;
	return lc->dtmf;
}
