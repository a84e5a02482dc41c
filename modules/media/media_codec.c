/* media_codec.c: G.711, G.722 and Opus encoders and decoders through spandsp and libopus. */
#include "config.h"

#include <errno.h>
#include <strings.h>

#include "media.h"

static const struct media_codec_info codecs[MEDIA_CODEC_COUNT] = {
	[MEDIA_PCMU] = { MEDIA_PCMU, "PCMU", 8000, 8000, 0, 0, 1 },
	[MEDIA_PCMA] = { MEDIA_PCMA, "PCMA", 8000, 8000, 8, 0, 1 },
	[MEDIA_G722] = { MEDIA_G722, "G722", 8000, 16000, 9, 0, 2 },
	[MEDIA_OPUS] = { MEDIA_OPUS, "opus", 48000, 16000, -1, 2, 3 },
};

const struct media_codec_info *media_codec_info(enum media_codec c)
{
	return (unsigned)c < MEDIA_CODEC_COUNT ? &codecs[c] : NULL;
}

int media_codec_find(const char *name, unsigned rtp_clock, enum media_codec *cp)
{
	for (int i = 0; i < MEDIA_CODEC_COUNT; i++)
		if (strcasecmp(name, codecs[i].name) == 0 && rtp_clock == codecs[i].rtp_clock) {
			*cp = (enum media_codec)i;
			return 0;
		}
	return -ENOENT;
}
