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

const char *const sb__log_level_names[] = { "error", "warn", "notice", "info", "debug", NULL };

static bool log_stderr = true;
static int log_journal = -1; /* stderr is the journal's stream: "<N>" prefixes, no timestamp;
			      * -1: not looked at yet */
static bool log_syslog_open;
static enum sb_log_level log_level = SB_LOG_INFO;

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
