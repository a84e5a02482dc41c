/* notify.h: the systemd readiness message (sd_notify protocol) without linking libsystemd. */
#ifndef SB_NOTIFY_H
#define SB_NOTIFY_H

/* Send STATE (e.g. "READY=1") to $NOTIFY_SOCKET, then unset it so that children we start never
 * talk to our supervisor. Returns 0 when sent or when there is no $NOTIFY_SOCKET (not started by
 * systemd), a negative errno when the socket is set but the message could not be sent. */
int sb__notify(const char *state);

#endif
