/* loglevels.h: the log subsystems, one X-macro list (levels per subsystem, set at run time). */
#ifndef SB_LOGLEVELS_H
#define SB_LOGLEVELS_H

/* X(name): a subsystem; a module's SB_MODULE names one ("store" counts as core) */
#define SB_LOG_SUBSYSTEMS(X) X(core) X(sip) X(media) X(isdn) X(license) X(cdr)

enum sb_log_subsystem {
#define SB_LOG_SUB_ENUM(n) SB_LOG_SUB_##n,
	SB_LOG_SUBSYSTEMS(SB_LOG_SUB_ENUM)
#undef SB_LOG_SUB_ENUM
	SB_LOG_NSUB
};

#endif
