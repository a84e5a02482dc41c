/* sip_cloud.c: the cloud link: one outbound TLS connection, registrations, keepalive, backoff. */
#include "config.h"

#define SB_MODULE "sip"
#include "sip_priv.h"

int sip_cloud_open(const struct sb_conf *conf)
{
	return 0;
}

void sip_cloud_reload(const struct sb_conf *conf)
{
}

void sip_cloud_close(void)
{
}

void sip_cloud_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		     nua_hmagic_t *hm, sip_t const *sip_msg, tagi_t tags[])
{
}

void sip_cloud_show(struct sb_reply *r)
{
	sb_reply_message(r, "not yet");
}
