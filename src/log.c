/* log.c: leveled logging to stderr (foreground) or syslog (daemon); the level is a setting. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "core.h"

const char *const sb__log_level_names[] = { "error", "warn", "notice", "info", "debug", NULL };

static bool log_stderr = true;
static bool log_syslog_open;
static enum sb_log_level log_level = SB_LOG_INFO;

void sb__log_open(bool to_stderr, const char *ident)
{
	log_stderr = to_stderr;
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

void sb__log_set_level(enum sb_log_level lvl)
{
	log_level = lvl;
}

bool sb_log_enabled(enum sb_log_level lvl)
{
	return lvl <= log_level;
}

void sb_log(enum sb_log_level lvl, const char *mod, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	va_list ap;

	if (!sb_log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	if (!log_stderr) {
		syslog(prio[lvl], "%s: %s", mod, msg);
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
