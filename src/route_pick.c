/* route_pick.c: the routing decision for a call to a sym-bridge channel, with mesh fallback
 * (pure: no state, unit-tested in tests/unit/test_route_pick.c). */
#include "config.h"

#include <string.h>

#include "symbridge.h"

bool sb_target_is_cloud(const char *target)
{
	return target && strncmp(target, "cloud:", 6) == 0;
}

/*
 * A cloud target rings the cloud while the cloud link is up. When it is down, or when the call
 * itself came from the cloud (ringing the cloud again would loop), the channel's fallback rings
 * instead: a target when it has a ':' (card:, station:), else a ring group name (names cannot
 * hold ':'). Without a fallback a call from the cloud has nowhere to go, and a call to the cloud
 * tries it anyway (and fails with "network out of order" while the link is down).
 */
const char *sb_route_pick(const char *target, const char *ring_group, const char *fallback,
			  bool cloud_up, bool from_cloud, const char **group)
{
	*group = NULL;
	if (sb_target_is_cloud(target) && (!cloud_up || from_cloud)) {
		if (fallback && strchr(fallback, ':'))
			return fallback;
		if (fallback) {
			*group = fallback;
			return NULL;
		}
		return from_cloud ? NULL : target;
	}
	if (target)
		return target;
	*group = ring_group;
	return NULL;
}
