/* test_license_tls.c: the license master protocol's connection on one libuv loop, with a test
 * PKI (tests/peers/mkpki.sh): mutual authentication, lines both ways, and a peer whose
 * certificate comes from another CA refused by the master's side. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "lic_tls.h"

static char pki[256];
static char path_[8][300];

static const char *f(int i, const char *name)
{
	snprintf(path_[i], sizeof path_[i], "%s/%s", pki, name);
	return path_[i];
}

struct side {
	bool up;
	int closed; /* 1 + status */
	char why[256], peer[128], got[256];
	struct lic_tls *c;
};

static struct side srv, cli;
static uv_tcp_t listener;
static SSL_CTX *sctx;

static void up_cb(struct lic_tls *c)
{
	struct side *s = lic_tls_data(c);
	s->up = true;
	snprintf(s->peer, sizeof s->peer, "%s", lic_tls_peer(c));
	if (s == &cli)
		lic_tls_send(c, "{\"v\":1,\"type\":\"ping\",\"seq\":1}\n", 30);
}

static void line_cb(struct lic_tls *c, const char *line, size_t len)
{
	struct side *s = lic_tls_data(c);
	snprintf(s->got, sizeof s->got, "%.*s", (int)len, line);
	if (s == &srv)
		lic_tls_send(c, "{\"v\":1,\"type\":\"pong\",\"seq\":1}\n", 30);
	else
		lic_tls_close(c);
}

static void closed_cb(struct lic_tls *c, int status, const char *why)
{
	struct side *s = lic_tls_data(c);
	s->closed = 1 + status;
	snprintf(s->why, sizeof s->why, "%s", why ? why : "");
	s->c = NULL;
	if (srv.closed && cli.closed) /* both ends done: stop listening, the loop ends */
		uv_close((uv_handle_t *)&listener, NULL);
}

static const struct lic_tls_ops ops = { up_cb, line_cb, closed_cb };

static void accept_cb(uv_stream_t *server, int status)
{
	assert_int_equal(status, 0);
	assert_int_equal(lic_tls_accept(&srv.c, server, sctx, &ops, &srv), 0);
}

/* one connection from a client presenting cert/key, both sides trusting ca.pem */
static void run(const char *cert, const char *key)
{
	uv_loop_t loop;
	SSL_CTX *cctx;
	struct sockaddr_in sa;
	int len = sizeof sa;
	char why[256];

	memset(&srv, 0, sizeof srv);
	memset(&cli, 0, sizeof cli);
	assert_int_equal(lic_tls_ctx_new(&sctx, true, f(0, "ca-server.crt"), f(1, "ca-server.key"),
					 f(2, "ca.pem"), why, sizeof why),
			 0);
	if (lic_tls_ctx_new(&cctx, false, f(3, cert), f(4, key), f(5, "ca.pem"), why, sizeof why))
		fail_msg("%s", why);
	assert_int_equal(uv_loop_init(&loop), 0);
	uv_tcp_init(&loop, &listener);
	uv_ip4_addr("127.0.0.1", 0, &sa);
	assert_int_equal(uv_tcp_bind(&listener, (struct sockaddr *)&sa, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&listener, 4, accept_cb), 0);
	uv_tcp_getsockname(&listener, (struct sockaddr *)&sa, &len);
	assert_int_equal(lic_tls_connect(&cli.c, &loop, cctx, (struct sockaddr *)&sa, &ops, &cli),
			 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0); /* no handle left behind */
	lic_tls_ctx_free(sctx);
	lic_tls_ctx_free(cctx);
}

static void test_mutual_lines(void **state_)
{
	run("ca-device.crt", "ca-device.key");
	assert_true(srv.up && cli.up);
	assert_string_equal(srv.peer, "symbridge-device"); /* the slave's CN, for the master */
	assert_string_equal(cli.peer, "127.0.0.1");
	assert_string_equal(srv.got, "{\"v\":1,\"type\":\"ping\",\"seq\":1}");
	assert_string_equal(cli.got, "{\"v\":1,\"type\":\"pong\",\"seq\":1}");
	assert_int_equal(cli.closed, 1);
	assert_true(srv.closed);
}

static void test_other_ca_refused(void **state_)
{
	run("other-device.crt", "other-device.key");
	assert_false(srv.up); /* the master never talks to it */
	assert_string_equal(srv.got, "");
	assert_true(srv.closed && srv.closed - 1 < 0);
	assert_non_null(strstr(srv.why, "certificate"));
	assert_true(cli.closed);
	assert_string_equal(cli.got, "");
}

/* A refused peer does not disturb the others: the verify error of its handshake must not stay
 * in OpenSSL's per-thread error queue, where the next read of an established connection took
 * it for its own failure (test 116 saw a master drop its slaves whenever a stranger knocked). */
static struct side g_srv, g_cli, b_srv;
static int accepted;
static SSL_CTX *good_ctx;
static struct sockaddr_in q_addr;
static const struct lic_tls_ops q_ops;

static void q_up(struct lic_tls *c)
{
	struct side *s = lic_tls_data(c);
	s->up = true;
	char cmd[1400];
	/* the good slave is up: now a stranger knocks, from another process (in this one its own
	 * failure would empty the shared error queue and hide the bug) */
	if (s == &g_cli) {
		snprintf(cmd, sizeof cmd,
			 "openssl s_client -connect 127.0.0.1:%d -cert %s -key %s -CAfile %s "
			 "</dev/null >/dev/null 2>&1 &",
			 ntohs(q_addr.sin_port), f(6, "other-device.crt"), f(7, "other-device.key"),
			 f(5, "ca.pem"));
		assert_int_equal(system(cmd), 0);
	}
}

static void q_line(struct lic_tls *c, const char *line, size_t len)
{
	struct side *s = lic_tls_data(c);
	snprintf(s->got, sizeof s->got, "%.*s", (int)len, line);
	if (s == &g_srv)
		lic_tls_send(c, "pong\n", 5);
	else
		lic_tls_close(c);
}

static void q_closed(struct lic_tls *c, int status, const char *why)
{
	struct side *s = lic_tls_data(c);
	s->closed = 1 + status;
	snprintf(s->why, sizeof s->why, "%s", why ? why : "");
	s->c = NULL;
	if (s == &b_srv && g_cli.c) /* the stranger refused: the good slave speaks */
		lic_tls_send(g_cli.c, "ping\n", 5);
	if (g_srv.closed && g_cli.closed && b_srv.closed)
		uv_close((uv_handle_t *)&listener, NULL);
}

static const struct lic_tls_ops q_ops = { q_up, q_line, q_closed };

static void q_accept(uv_stream_t *server, int status)
{
	struct side *s = accepted++ == 0 ? &g_srv : &b_srv;
	assert_int_equal(status, 0);
	assert_int_equal(lic_tls_accept(&s->c, server, sctx, &q_ops, s), 0);
}

static void test_refused_peer_leaves_others_alone(void **state_)
{
	uv_loop_t loop;
	int len = sizeof q_addr;
	char why[256];

	memset(&g_srv, 0, sizeof g_srv);
	memset(&g_cli, 0, sizeof g_cli);
	memset(&b_srv, 0, sizeof b_srv);
	accepted = 0;
	assert_int_equal(lic_tls_ctx_new(&sctx, true, f(0, "ca-server.crt"), f(1, "ca-server.key"),
					 f(2, "ca.pem"), why, sizeof why),
			 0);
	assert_int_equal(lic_tls_ctx_new(&good_ctx, false, f(3, "ca-device.crt"),
					 f(4, "ca-device.key"), f(5, "ca.pem"), why, sizeof why),
			 0);
	assert_int_equal(uv_loop_init(&loop), 0);
	uv_tcp_init(&loop, &listener);
	uv_ip4_addr("127.0.0.1", 0, &q_addr);
	assert_int_equal(uv_tcp_bind(&listener, (struct sockaddr *)&q_addr, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&listener, 4, q_accept), 0);
	uv_tcp_getsockname(&listener, (struct sockaddr *)&q_addr, &len);
	assert_int_equal(lic_tls_connect(&g_cli.c, &loop, good_ctx, (struct sockaddr *)&q_addr,
					 &q_ops, &g_cli),
			 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	lic_tls_ctx_free(sctx);
	lic_tls_ctx_free(good_ctx);
	assert_false(b_srv.up);
	assert_non_null(strstr(b_srv.why, "certificate"));
	assert_string_equal(g_srv.got, "ping"); /* read after the refusal, not failed by it */
	assert_string_equal(g_cli.got, "pong");
	/* and it ended because the slave closed it, not on a TLS error that was not its own */
	if (strstr(g_srv.why, "TLS"))
		fail_msg("the good connection failed: %s", g_srv.why);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char cmd[1024];
	int rc;

	snprintf(pki, sizeof pki, "%s/lic-tls-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(pki))
		return 1;
	snprintf(cmd, sizeof cmd,
		 "sh %s/tests/peers/mkpki.sh %s ca && sh %s/tests/peers/mkpki.sh %s other",
		 top ? top : ".", pki, top ? top : ".", pki);
	if (system(cmd) != 0) {
		printf("1..0 # SKIP cannot make the test PKI (openssl)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_lines),
		cmocka_unit_test(test_other_ca_refused),
		cmocka_unit_test(test_refused_peer_leaves_others_alone),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf %s", pki);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
