/* fuzz_ctl.c: fuzz target for control requests (a line on the control socket) through dispatch. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The commands run against a real configuration with every kind of card. */
static const char conf_text[] =
	"cards = ( { slot = 1; type = \"sym-bridge\"; channels = ( { number = \"100\"; "
	"target = \"cloud:a\"; }, { number = \"101\"; ring_group = \"g\"; } ); },\n"
	" { slot = 2; type = \"pri\"; side = \"net\"; dchannel = \"dahdi:1\"; },\n"
	" { slot = 3; type = \"link\"; protocol = \"lan\"; peer = \"h:5060\"; } );\n"
	"ring_groups = ( { name = \"g\"; members = [ \"card:2/5\", \"cloud:b\" ]; } );\n";

static void setup(void)
{
	static char path[64];
	struct sb_msgs errs = { 0 }, warns = { 0 };
	int fd = memfd_create("fuzz-ctl.conf", 0);

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (fd < 0 || write(fd, conf_text, sizeof conf_text - 1) < 0 ||
	    sb__daemon_load(path, &sb__d.conf, &errs, &warns) < 0 || sb__cmd_register() < 0)
		abort();
	/* owned copies, as the daemon keeps them: `reload` replaces the configuration */
	sb__d.conf_path = strdup(path);
	sb__d.state_dir = strdup(sb__d.conf->system.state_dir);
	sb__d.ctl_path = strdup(sb__d.conf->system.control_socket);
	sb__msgs_free(&errs);
	sb__msgs_free(&warns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_reply *r;
	size_t len;

	if (!sb__d.conf)
		setup();
	if (sb__reply_new(&r) < 0)
		return 0;
	sb__ctl_request((const char *)data, size, (unsigned)getuid(), r);
	free(sb__reply_dump(r, &len));
	sb__reply_free(r);
	return 0;
}
