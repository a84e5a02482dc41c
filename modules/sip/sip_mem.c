/* sip_mem.c: memory freed after a burst of SIP requests (a flood's transactions) is given back to the system. */
#include "config.h"

#include <malloc.h>
#include <uv.h>

#define SB_MODULE "sip"
#include "sip_priv.h"

#define TRIM_EVERY_MS 10000
#define TRIM_ABOVE    (4u << 20) /* free bytes held by malloc before they are worth returning */

/* Each request sofia-sip answers holds about 11 kB (the request, the answer, the transaction,
 * the nua handle) until its transaction ends. After a flood, glibc keeps those pages: the heap
 * is fragmented by the few allocations still alive among them, so its own trimming of the heap's
 * top returns nothing (measured: RSS stayed at 98 MB after a 2,000/s flood, baseline 13 MB).
 * malloc_trim() also returns the free pages in the middle of every arena (14 MB after the same
 * flood). It is called from a timer, only when malloc holds more than TRIM_ABOVE free bytes,
 * so an idle daemon does not walk its arenas for nothing. */

static struct {
	uv_timer_t timer;
	bool on;
	unsigned long long trims;
} mem;

static void trim_cb(uv_timer_t *t)
{
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks < TRIM_ABOVE)
		return;
	malloc_trim(0);
	mem.trims++;
	log_debug("memory: %zu kB free in malloc's arenas returned to the system",
		  mi.fordblks / 1024);
}

void sip_mem_open(void)
{
	if (mem.on)
		return;
	uv_timer_init(sb_daemon_loop(), &mem.timer);
	uv_timer_start(&mem.timer, trim_cb, TRIM_EVERY_MS, TRIM_EVERY_MS);
	uv_unref((uv_handle_t *)&mem.timer); /* never what keeps the loop alive */
	mem.on = true;
}

void sip_mem_close(void)
{
	if (!mem.on)
		return;
	uv_close((uv_handle_t *)&mem.timer, NULL);
	mem.on = false;
}
