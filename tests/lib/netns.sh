# netns.sh: run the rest of a test inside a network namespace of its own, loopback only (hostile
# input: sofia-sip may resolve names found in a Via, and nothing may leave the machine). Source it
# first, before daemon.sh makes the test's temp dir; it re-runs the test under `unshare -n` and
# skips the test where no namespace can be made (not root, no unshare or ip).
if [ -z "${SB_IN_NETNS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null || ! command -v ip >/dev/null ||
		! unshare -n true 2>/dev/null; then
		echo "1..0 # SKIP a network namespace needs root, unshare and ip"
		exit 0
	fi
	SB_IN_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec sh "$0" "$@"' "$0" "$@"
fi
