/* media.c: the media module's export: its settings, commands and life cycle. */
#include "config.h"

#define SB_MODULE "media"
#include "symbridge.h"

#include "media.h"

static int media_init(const struct sb_conf *conf)
{
	return 0;
}

static void media_close(void)
{
}

const struct sb_module media_module = {
	.name = "media",
	.init = media_init,
	.close = media_close,
};
