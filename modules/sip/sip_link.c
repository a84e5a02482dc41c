/* sip_link.c: link cards: OPTIONS keepalive toward each intercom server marks the link up or down. */
#include "config.h"

#define SB_MODULE "sip"
#include "sip_priv.h"

int sip_link_open(const struct sb_conf *conf)
{
	return 0;
}

void sip_link_reload(const struct sb_conf *conf)
{
}

void sip_link_close(void)
{
}

bool sip_link_event(nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
		    nua_hmagic_t *hm, sip_t const *sip_msg)
{
	return false;
}

void sip_link_show(struct sb_reply *r)
{
	sb_reply_message(r, "not yet");
}
