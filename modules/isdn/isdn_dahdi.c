/* isdn_dahdi.c: spans on DAHDI hardware (dahdi:SPAN): the D-channel in HDLC mode and the
 * B-channels as clear channels carrying G.711, each a /dev/dahdi/channel opened by number. The
 * numbers come from the span's first channel in sysfs; DAHDI numbers a span's timeslots in
 * order from there (E1: B 1-15, D 16, B 17-31; T1: B 1-23, D 24; BRI: B1, B2, D). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_DAHDI_USER_H
#include <dahdi/user.h>
#include <sys/ioctl.h>
#endif

#define SB_MODULE "isdn"
#include "isdn_int.h"

#define DAHDI_FRAME 160 /* bytes per read and write: 20 ms of G.711, what the media path sends */

/* Where /sys and /dev are: "" on a real system; SB_DAHDI_ROOT in the environment puts them under
 * another folder, so tests without DAHDI hardware can check how spans find their channels. */
static const char *root(void)
{
	const char *r = getenv("SB_DAHDI_ROOT");
	return r ? r : "";
}

int isdn_dahdi_chan(int base, int ts)
{
	return base + ts - 1;
}

int isdn_dahdi_dchan_ts(const struct isdn_span *s)
{
	return s->conf.bri ? 3 : s->conf.t1 ? 24 : 16;
}

/* The span's first DAHDI channel, from sysfs; -ENODEV with the alarm set when there is none. */
static int span_base(struct isdn_span *s, int span)
{
	char path[256];
	FILE *f;
	int base = 0;

	snprintf(path, sizeof path, "%s/sys/bus/dahdi_spans/devices/span-%d/basechan", root(),
		 span);
	if (!(f = fopen(path, "r"))) {
		snprintf(s->alarm, sizeof s->alarm, "no DAHDI span %d (%.60s: %.60s)", span, path,
			 strerror(errno));
		return -ENODEV;
	}
	if (fscanf(f, "%d", &base) != 1 || base < 1) {
		fclose(f);
		snprintf(s->alarm, sizeof s->alarm, "DAHDI span %d: unreadable %.100s", span, path);
		return -ENODEV;
	}
	fclose(f);
	return base;
}

/* A DAHDI channel by number, or -errno with the alarm set. */
static int chan_open(struct isdn_span *s, int chan, int *fdp)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/dev/dahdi/channel", root());
	if ((fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		int rc = -errno;
		snprintf(s->alarm, sizeof s->alarm, "DAHDI channel %d: /dev/dahdi/channel: %.60s",
			 chan, strerror(errno));
		return rc;
	}
#ifdef HAVE_DAHDI_USER_H
	if (ioctl(fd, DAHDI_SPECIFY, &chan) < 0) {
		int rc = -errno;
		snprintf(s->alarm, sizeof s->alarm, "DAHDI channel %d: cannot open: %.60s", chan,
			 strerror(errno));
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
#else
	close(fd);
	snprintf(s->alarm, sizeof s->alarm,
		 "DAHDI channel %d: built without <dahdi/user.h>, no DAHDI support", chan);
	return -ENOTSUP;
#endif
}

#ifdef HAVE_DAHDI_USER_H
/* A B-channel as a clear channel in the span's law, 20 ms blocks. */
static int bchan_setup(struct isdn_span *s, int fd, int chan)
{
	struct dahdi_params p = { 0 };
	int law = s->ulaw ? DAHDI_LAW_MULAW : DAHDI_LAW_ALAW, bs = DAHDI_FRAME;

	if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0 || p.sigtype != DAHDI_SIG_CLEAR) {
		snprintf(s->alarm, sizeof s->alarm,
			 "DAHDI channel %d is not a clear B-channel (check system.conf: bchan=)",
			 chan);
		return -ENODEV;
	}
	if (ioctl(fd, DAHDI_SET_BLOCKSIZE, &bs) < 0 || ioctl(fd, DAHDI_SETLAW, &law) < 0) {
		snprintf(s->alarm, sizeof s->alarm, "DAHDI channel %d: cannot set up audio: %.60s",
			 chan, strerror(errno));
		return -errno;
	}
	return 0;
}
#endif

int isdn_dahdi_open(struct isdn_span *s, int span, int *dfdp)
{
	int base = span_base(s, span), dchan, fd, rc;

	if (base < 0)
		return base;
	dchan = isdn_dahdi_chan(base, isdn_dahdi_dchan_ts(s));
	if ((rc = chan_open(s, dchan, &fd)) < 0)
		return rc;
#ifdef HAVE_DAHDI_USER_H
	struct dahdi_params p = { 0 };
	struct dahdi_bufferinfo bi = { .txbufpolicy = DAHDI_POLICY_IMMEDIATE,
				       .rxbufpolicy = DAHDI_POLICY_IMMEDIATE,
				       .numbufs = 16,
				       .bufsize = 1024 };
	if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0 || p.sigtype != DAHDI_SIG_HDLCFCS ||
	    ioctl(fd, DAHDI_SET_BUFINFO, &bi) < 0) {
		snprintf(s->alarm, sizeof s->alarm,
			 "DAHDI channel %d is not an HDLC D-channel (check system.conf: dchan=)",
			 dchan);
		close(fd);
		return -ENODEV;
	}
	for (unsigned i = 0; i < s->nbc; i++) {
		struct isdn_bchan *bc = &s->bc[i];
		int chan = isdn_dahdi_chan(base, bc->ts), bfd = -1;
		if ((rc = chan_open(s, chan, &bfd)) < 0 || (rc = bchan_setup(s, bfd, chan)) < 0 ||
		    (rc = isdn_audio_adopt(bc, bfd)) < 0) {
			if (bfd >= 0)
				close(bfd);
			for (unsigned j = 0; j < i; j++)
				isdn_audio_close(&s->bc[j]);
			close(fd);
			return rc;
		}
	}
	*dfdp = fd;
	return 0;
#else
	(void)dfdp;
	return -ENOTSUP; /* chan_open() said why */
#endif
}

/* A read of a DAHDI channel failed with ELAST: an event (alarm, hook state) is pending and must
 * be taken before data flows again. Returns true when that was the case. */
bool isdn_dahdi_event(int fd, int err)
{
#ifdef HAVE_DAHDI_USER_H
	int ev = 0;
	if (err == ELAST) {
		if (ioctl(fd, DAHDI_GETEVENT, &ev) == 0 && ev)
			log_debug("DAHDI event %d on a B-channel", ev);
		return true;
	}
#endif
	return false;
}
