/* vclock.h: a clock that a fuzz target moves forward (included by one target): the time
 * that libuv and sofia-sip read (clock_gettime, gettimeofday) is the real time plus an offset
 * the target adds when nothing is left to do but wait for a timer, so keepalives, refreshes,
 * transaction timeouts and shutdowns run without the wall-clock wait. Only calls from those two
 * libraries see it: libFuzzer's own time limits and the sanitizers keep the real clock. */
#ifndef SB_FUZZ_VCLOCK_H
#define SB_FUZZ_VCLOCK_H

#include <dlfcn.h>
#include <link.h>
#include <sys/time.h>
#include <time.h>

static uint64_t vclock_ns; /* added to what those libraries read */
static struct {
	uintptr_t lo, hi;
} vclock_text[8];
static size_t vclock_n;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_gettimeofday)(struct timeval *, void *);

static int vclock_phdr(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (!info->dlpi_name || (!strstr(info->dlpi_name, "libsofia-sip-ua.so") &&
				 !strstr(info->dlpi_name, "libuv.so")))
		return 0;
	for (int i = 0; i < info->dlpi_phnum && vclock_n < 8; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X)) {
			uintptr_t a = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			vclock_text[vclock_n].lo = a;
			vclock_text[vclock_n++].hi = a + info->dlpi_phdr[i].p_memsz;
		}
	return 0;
}

static void vclock_setup(void)
{
	real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	real_gettimeofday = (int (*)(struct timeval *, void *))dlsym(RTLD_NEXT, "gettimeofday");
	dl_iterate_phdr(vclock_phdr, NULL);
}

static bool vclock_caller(const void *ra)
{
	for (size_t i = 0; i < vclock_n; i++)
		if ((uintptr_t)ra >= vclock_text[i].lo && (uintptr_t)ra < vclock_text[i].hi)
			return true;
	return false;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (!real_clock_gettime)
		vclock_setup();
	int rc = real_clock_gettime(id, ts);
	if (rc == 0 && vclock_ns && id != CLOCK_PROCESS_CPUTIME_ID &&
	    id != CLOCK_THREAD_CPUTIME_ID && vclock_caller(__builtin_return_address(0))) {
		uint64_t ns = (uint64_t)ts->tv_nsec + vclock_ns % 1000000000u;
		ts->tv_sec += (time_t)(vclock_ns / 1000000000u + ns / 1000000000u);
		ts->tv_nsec = (long)(ns % 1000000000u);
	}
	return rc;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	if (!real_gettimeofday)
		vclock_setup();
	int rc = real_gettimeofday(tv, tz);
	if (rc == 0 && vclock_ns && vclock_caller(__builtin_return_address(0))) {
		uint64_t us = (uint64_t)tv->tv_usec + (vclock_ns / 1000u) % 1000000u;
		tv->tv_sec += (time_t)(vclock_ns / 1000000000u + us / 1000000u);
		tv->tv_usec = (suseconds_t)(us % 1000000u);
	}
	return rc;
}

#endif
