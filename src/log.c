/* log.c: leveled logging to stderr (foreground), the journal's stderr stream, or syslog. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "loglevels.h"

const char *const sb__log_level_names[] = { "error", "warn", "notice", "info", "debug", NULL };
const char *const sb__log_subsystem_names[] = {
#define SB_LOG_SUB_NAME(n) #n,
	SB_LOG_SUBSYSTEMS(SB_LOG_SUB_NAME)
#undef SB_LOG_SUB_NAME
	NULL,
};

static bool log_stderr = true;
static int log_journal = -1; /* stderr is the journal's stream: "<N>" prefixes, no timestamp;
			      * -1: not looked at yet */
static bool log_syslog_open;
static enum sb_log_level log_level = SB_LOG_INFO; /* system.log_level */
/* a subsystem's own level, set at run time (symbridgectl log level SUBSYSTEM LEVEL); -1: it
 * follows log_level. Kept across reloads, gone at a restart. */
static int sub_level[SB_LOG_NSUB] = {
#define SB_LOG_SUB_INIT(n) -1,
	SB_LOG_SUBSYSTEMS(SB_LOG_SUB_INIT)
#undef SB_LOG_SUB_INIT
};
static enum sb_log_level max_level = SB_LOG_INFO; /* the most verbose of all: a quick filter */
static __thread unsigned long long log_call; /* the call this thread works for, 0: none */
static const struct sb_log_tap *log_tap; /* read by every thread: atomic */
static __thread bool in_tap; /* a line the tap itself logs is not tapped again */

const char *sb_log_level_name(enum sb_log_level lvl)
{
	return lvl <= SB_LOG_DEBUG ? sb__log_level_names[lvl] : "?";
}

void sb_log_tap_set(const struct sb_log_tap *tap)
{
	__atomic_store_n(&log_tap, tap, __ATOMIC_RELEASE);
}

unsigned long long sb_log_call_set(unsigned long long id)
{
	unsigned long long prev = log_call;
	log_call = id;
	return prev;
}

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected stderr to; only when
 * stderr is still that stream (not redirected by whoever started us) does it read our "<N>"
 * priority prefixes (SyslogLevelPrefix=) and add the timestamp itself (systemd.exec(5)). */
bool sb__log_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void sb__log_open(bool to_stderr, const char *ident)
{
	log_stderr = to_stderr;
	log_journal = to_stderr && sb__log_stderr_is_journal();
	if (!to_stderr && !log_syslog_open) {
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog_open = true;
	}
}

void sb__log_close(void)
{
	if (log_syslog_open)
		closelog();
	log_syslog_open = false;
	log_stderr = true;
}

static void max_update(void)
{
	max_level = log_level;
	for (int i = 0; i < SB_LOG_NSUB; i++)
		if (sub_level[i] > (int)max_level)
			max_level = (enum sb_log_level)sub_level[i];
}

void sb__log_set_level(enum sb_log_level lvl)
{
	log_level = lvl;
	max_update();
}

int sb__log_subsystem(const char *name)
{
	for (int i = 0; i < SB_LOG_NSUB; i++)
		if (strcmp(sb__log_subsystem_names[i], name) == 0)
			return i;
	return -1;
}

void sb__log_set_sub_level(int sub, int lvl)
{
	if (sub >= 0 && sub < SB_LOG_NSUB)
		sub_level[sub] = lvl;
	max_update();
}

int sb__log_sub_level(int sub, bool *own)
{
	*own = sub_level[sub] >= 0;
	return *own ? sub_level[sub] : (int)log_level;
}

bool sb_log_enabled(enum sb_log_level lvl)
{
	return lvl <= max_level;
}

/* a module's level: SB_MODULE names its subsystem; other names (store) are the core's */
static enum sb_log_level level_of(const char *mod)
{
	int sub = sb__log_subsystem(mod);
	if (sub < 0)
		sub = SB_LOG_SUB_core;
	return sub_level[sub] >= 0 ? (enum sb_log_level)sub_level[sub] : log_level;
}

bool sb_log_enabled_for(enum sb_log_level lvl, const char *mod)
{
	return lvl <= max_level && lvl <= level_of(mod);
}

void sb_log(enum sb_log_level lvl, const char *mod, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	va_list ap;

	if (!sb_log_enabled_for(lvl, mod))
		return;
	size_t o = 0;
	if (log_call && strncmp(fmt, "call ", 5) != 0)
		o = (size_t)snprintf(msg, sizeof msg, "call %llu: ", log_call);
	va_start(ap, fmt);
	vsnprintf(msg + o, sizeof msg - o, fmt, ap);
	va_end(ap);

	const struct sb_log_tap *tap = __atomic_load_n(&log_tap, __ATOMIC_ACQUIRE);
	if (tap && lvl <= tap->upto && !in_tap) {
		in_tap = true;
		tap->line_cb(tap->arg, lvl, mod, msg);
		in_tap = false;
	}
	if (!log_stderr) {
		syslog(prio[lvl], "%s: %s", mod, msg);
		return;
	}
	if (log_journal < 0)
		log_journal = sb__log_stderr_is_journal();
	if (log_journal) {
		fprintf(stderr, "<%d>%s %s: %s\n", prio[lvl], sb__log_level_names[lvl], mod, msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s %s: %s\n", when, ts.tv_nsec / 1000000L, sb__log_level_names[lvl],
		mod, msg);
}
