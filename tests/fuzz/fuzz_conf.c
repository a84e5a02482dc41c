/* fuzz_conf.c: fuzz target for the config parser and validator (a file an admin writes). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct sb_msgs errs = { 0 }, warns = { 0 };
	struct sb_conf *conf;

	/* @include could name /dev/zero or the fuzzer's own files: not what is under test */
	if (memmem(data, size, "@include", 8))
		return 0;
	if (fd < 0) {
		fd = memfd_create("fuzz.conf", 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (sb__conf_load(path, &conf, &errs, &warns) == 0)
		sb__conf_free(conf);
	sb__msgs_free(&errs);
	sb__msgs_free(&warns);
	return 0;
}
