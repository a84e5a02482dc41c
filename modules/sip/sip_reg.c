/* sip_reg.c: the local registrar for `stations`: digest authentication, bindings, expiry. */
#include "config.h"

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

int sip_reg_open(const struct sb_conf *conf)
{
	return 0;
}

void sip_reg_reload(const struct sb_conf *conf)
{
}

void sip_reg_close(void)
{
}

void sip_reg_request(nua_t *nua, nua_handle_t *nh, const sip_t *req)
{
	nua_respond(nh, SIP_501_NOT_IMPLEMENTED, NUTAG_WITH_THIS(nua), TAG_END());
	nua_handle_destroy(nh);
}
