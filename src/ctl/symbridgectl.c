/* symbridgectl.c: the admin client: sends commands to symbridged's control socket and prints the replies. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>
#include <jansson.h>

#include "render.h"

#define CTL_DEFAULT_SOCKET "/run/symbridge/ctl.sock"
#define CTL_SOCKET_ENV "SYMBRIDGE_CTL_SOCKET"
#define CTL_TIMEOUT_S 30
#define CTL_MAX_REPLY (16u * 1024 * 1024)
#define CTL_HISTORY_FILE ".symbridgectl_history"
#define CTL_HISTORY_MAX 1000
#define CTL_PROMPT "symbridge> "

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char *sock_path;
static bool opt_json;
static int opt_timeout = CTL_TIMEOUT_S; /* seconds a reply may take: --timeout */

/* The command patterns of the daemon's `help`, for tab completion; NULL completes nothing. */
static char **help_patterns;
static size_t help_npatterns;
static char **comp_cands;
static size_t comp_next;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " CTL_PROG " [-s PATH] [-t SECONDS] [--json] [COMMAND WORDS...]\n"
		"Send a command to symbridged and print its reply; without a command,\n"
		"read commands interactively (with tab completion on a terminal).\n"
		"\n"
		"  -s, --socket PATH  control socket (default: $" CTL_SOCKET_ENV ",\n"
		"                     else " CTL_DEFAULT_SOCKET ")\n"
		"      --json         print each reply as the daemon's JSON, one line\n"
		"  -t, --timeout SECONDS  wait at most this long for a reply (default 30,\n"
		"                     1..3600; a hung daemon fails the command)\n"
		"  -h, --help         print this help and exit\n"
		"  -v, --version      print the version and exit\n"
		"\n"
		"`" CTL_PROG " help` lists the daemon's commands.\n"
		"Exit status: 0 ok, 1 command failed or daemon unreachable, 2 usage error.\n");
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Why a connect failed, in words for an operator rather than errno names. */
static const char *connect_reason(int err)
{
	switch (err) {
	case ENOENT:
		return "no such file (is the daemon running? use -s PATH to pick another socket)";
	case ECONNREFUSED:
		return "connection refused (is the daemon running? use -s PATH to pick another socket)";
	case EACCES:
	case EPERM:
		return "permission denied (run as root or as a member of the socket's group)";
	case ENAMETOOLONG:
		return "socket path too long";
	case EAGAIN:
	case ETIMEDOUT:
		return "timed out (the daemon is not accepting connections)";
	case ENOTSOCK:
	case ENOTDIR:
		return "not a socket (use -s PATH to pick another socket)";
	default:
		return NULL;
	}
}

/* Returns a connected socket, or a negative errno. */
static int ctl_connect(const char *path)
{
	/* Bounds connect (a full listen backlog blocks it) and every send. */
	struct timeval tv = { .tv_sec = opt_timeout };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof sun.sun_path)
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		/* MSG_NOSIGNAL: a daemon that went away is an error to report, not a SIGPIPE. */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What was read from the daemon past the last line taken (a streamed reply sends many lines). */
static struct {
	char *buf;
	size_t len, cap;
} rb;

static void rb_reset(void)
{
	free(rb.buf);
	rb.buf = NULL;
	rb.len = rb.cap = 0;
}

/* Take one line (without its "\n") from rb into a malloc'd string; false when none is whole. */
static bool rb_take(char **linep, size_t *lenp, bool at_eof)
{
	char *nl = rb.len ? memchr(rb.buf, '\n', rb.len) : NULL;
	size_t linelen = nl ? (size_t)(nl - rb.buf) : rb.len;
	size_t used = linelen + (nl ? 1 : 0);
	char *line;

	if (!nl && !(at_eof && rb.len > 0))
		return false;
	if (!(line = malloc(linelen + 1)))
		return false;
	memcpy(line, rb.buf, linelen);
	line[linelen] = '\0';
	memmove(rb.buf, rb.buf + used, rb.len - used);
	rb.len -= used;
	*linep = line;
	*lenp = linelen;
	return true;
}

/*
 * Read one reply line (without its "\n") into a malloc'd buffer. Returns 0,
 * -ETIMEDOUT, -EMSGSIZE, -ENODATA when the daemon closed without a byte, or an
 * errno of the socket. A last line without "\n" is accepted; parsing judges it.
 */
/* timeout_s < 0: no time limit (a stream that follows events: trace sip --follow) */
static int read_line_within(int fd, char **linep, size_t *lenp, int timeout_s)
{
	int64_t deadline = timeout_s < 0 ? INT64_MAX : now_ms() + (int64_t)timeout_s * 1000;
	bool eof = false;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (rb_take(linep, lenp, eof))
			return *lenp > CTL_MAX_REPLY ? (free(*linep), -EMSGSIZE) : 0;
		if (eof)
			return -ENODATA;
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, timeout_s < 0 ? -1 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (rb.cap - rb.len < 4096) {
			/* One byte more than the limit, so that a line of exactly the limit still fits. */
			size_t ncap = rb.cap ? rb.cap * 2 : 8192;
			char *nbuf;

			if (rb.len >= CTL_MAX_REPLY + 1)
				return -EMSGSIZE;
			if (ncap > CTL_MAX_REPLY + 1 + 4096)
				ncap = CTL_MAX_REPLY + 1 + 4096;
			if (!(nbuf = realloc(rb.buf, ncap)))
				return -ENOMEM;
			rb.buf = nbuf;
			rb.cap = ncap;
		}
		n = read(fd, rb.buf + rb.len, rb.cap - rb.len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == ECONNRESET ? -ENODATA : -errno;
		if (n == 0)
			eof = true;
		rb.len += (size_t)n;
	}
}

static int read_line(int fd, char **linep, size_t *lenp)
{
	return read_line_within(fd, linep, lenp, opt_timeout);
}

/* The request line, {"argv":[...]}\n, into *linep. Returns 0, -EILSEQ (a word is not UTF-8) or -ENOMEM. */
static int request_line(char *const *words, size_t nwords, char **linep)
{
	json_t *req = json_object(), *args = json_array();
	char *text = NULL, *line = NULL;
	int rc = -ENOMEM;

	if (!req || !args)
		goto out;
	for (size_t i = 0; i < nwords; i++) {
		json_t *w = json_string(words[i]);

		if (!w) {
			rc = -EILSEQ;
			fprintf(stderr, CTL_PROG ": word %zu is not valid UTF-8\n", i + 1);
			goto out;
		}
		json_array_append_new(args, w);
	}
	if (json_object_set(req, "argv", args) < 0)
		goto out;
	text = json_dumps(req, JSON_COMPACT);
	if (!text || !(line = malloc(strlen(text) + 2)))
		goto out;
	memcpy(line, text, strlen(text));
	memcpy(line + strlen(text), "\n", 2);
	*linep = line;
	rc = 0;
out:
	if (rc == -ENOMEM)
		fputs(CTL_PROG ": out of memory\n", stderr);
	free(text);
	json_decref(args);
	json_decref(req);
	return rc;
}

/*
 * Send one command on a fresh connection and read its reply. On success *rawp is
 * the reply line as received and *replyp the parsed object. Every failure is one
 * line on stderr, unless quiet. Returns 0 or a negative errno.
 */
static int ctl_request(char *const *words, size_t nwords, bool quiet, char **rawp, size_t *rawlenp,
		       json_t **replyp, int *streamfdp)
{
	char *req = NULL;
	char *raw = NULL;
	size_t rawlen = 0;
	json_t *reply = NULL;
	json_error_t jerr;
	int fd = -1, rc;

	rc = request_line(words, nwords, &req);
	if (rc < 0)
		return rc;
	rb_reset();
	fd = ctl_connect(sock_path);
	if (fd < 0) {
		rc = fd;
		if (!quiet) {
			const char *why = connect_reason(-rc);

			fprintf(stderr, CTL_PROG ": cannot reach symbridged at %s: %s\n", sock_path,
				why ? why : strerror(-rc));
		}
		goto out;
	}
	rc = send_all(fd, req, strlen(req));
	if (rc == 0)
		rc = read_line(fd, &raw, &rawlen);
	if (rc < 0) {
		if (quiet)
			goto out;
		if (rc == -ENODATA || rc == -EPIPE || rc == -ECONNRESET)
			fputs(CTL_PROG ": symbridged closed the connection without a reply\n", stderr);
		else if (rc == -ETIMEDOUT || rc == -EAGAIN)
			fprintf(stderr, CTL_PROG ": symbridged did not reply within %d seconds\n",
				opt_timeout);
		else if (rc == -EMSGSIZE)
			fprintf(stderr, CTL_PROG ": reply from symbridged is larger than %u MiB\n",
				CTL_MAX_REPLY >> 20);
		else
			fprintf(stderr, CTL_PROG ": talking to symbridged at %s: %s\n", sock_path,
				strerror(-rc));
		goto out;
	}
	reply = json_loadb(raw, rawlen, 0, &jerr);
	if (!json_is_object(reply)) {
		if (!quiet)
			fprintf(stderr, CTL_PROG ": invalid reply from symbridged: %s\n",
				reply ? "not a JSON object" : jerr.text);
		rc = -EPROTO;
		goto out;
	}
	*rawp = raw;
	*rawlenp = rawlen;
	*replyp = reply;
	if (streamfdp && json_is_true(json_object_get(reply, "stream"))) {
		*streamfdp = fd; /* the rest of the reply follows on this connection */
		fd = -1;
	}
	raw = NULL;
	reply = NULL;
out:
	if (fd >= 0)
		close(fd);
	json_decref(reply);
	free(raw);
	free(req);
	return rc;
}

/* The lines of a streamed reply after its first: data goes out as it comes (at once when it
 * follows events). Returns true when the daemon ended the stream with ok. */
static bool print_stream(int fd, bool follow)
{
	bool ok = false;

	for (;;) {
		char *line;
		size_t len;
		json_error_t jerr;
		json_t *j, *data;
		int rc = read_line_within(fd, &line, &len, follow ? -1 : opt_timeout);

		if (rc < 0) {
			fprintf(stderr, CTL_PROG ": the reply from symbridged stopped early: %s\n",
				rc == -ENODATA ? "connection closed" : strerror(-rc));
			break;
		}
		if (opt_json) {
			fwrite(line, 1, len, stdout);
			fputc('\n', stdout);
		}
		j = json_loadb(line, len, 0, &jerr);
		free(line);
		if (!json_is_object(j)) {
			fprintf(stderr, CTL_PROG ": invalid line from symbridged: %s\n",
				j ? "not a JSON object" : jerr.text);
			json_decref(j);
			break;
		}
		data = json_object_get(j, "data");
		if (!opt_json && json_is_string(data))
			fwrite(json_string_value(data), 1, json_string_length(data), stdout);
		if (follow)
			fflush(stdout);
		if (json_is_true(json_object_get(j, "end"))) {
			ok = json_is_true(json_object_get(j, "ok"));
			if (!ok)
				ctl_render_reply(stdout, stderr, j);
			json_decref(j);
			break;
		}
		json_decref(j);
	}
	close(fd);
	rb_reset();
	return ok;
}

/* Run one command and print its reply. Returns an exit status. */
static int run_command(char *const *words, size_t nwords)
{
	char *raw;
	size_t rawlen;
	json_t *reply;
	bool ok;
	int sfd = -1;
	int rc = ctl_request(words, nwords, false, &raw, &rawlen, &reply, &sfd);

	if (rc < 0)
		return rc == -EILSEQ ? EXIT_USAGE : EXIT_FAILED;
	if (sfd >= 0) {
		if (opt_json) {
			fwrite(raw, 1, rawlen, stdout);
			fputc('\n', stdout);
		}
		ok = print_stream(sfd, json_is_true(json_object_get(reply, "follow")));
		fflush(stdout);
		free(raw);
		json_decref(reply);
		return ok ? EXIT_OK : EXIT_FAILED;
	}
	if (opt_json) {
		fwrite(raw, 1, rawlen, stdout);
		fputc('\n', stdout);
		ok = json_is_true(json_object_get(reply, "ok"));
	} else {
		ok = ctl_render_reply(stdout, stderr, reply);
	}
	fflush(stdout);
	free(raw);
	json_decref(reply);
	return ok ? EXIT_OK : EXIT_FAILED;
}

/* ---- interactive mode ------------------------------------------------- */

static char *complete_next_cb(const char *text, int state)
{
	if (!comp_cands || !comp_cands[comp_next])
		return NULL;
	return strdup(comp_cands[comp_next++]);
}

static char **complete_cb(const char *text, int start, int end)
{
	char *before;
	char **typed = NULL;
	size_t ntyped;

	/* Only the daemon's words make sense here, never file names. */
	rl_attempted_completion_over = 1;
	ctl_words_free(comp_cands);
	comp_cands = NULL;
	comp_next = 0;
	if (!help_patterns || start < 0)
		return NULL;
	before = strndup(rl_line_buffer, (size_t)start);
	if (!before)
		return NULL;
	if (ctl_split_words(before, &typed, &ntyped) == 0)
		ctl_complete(help_patterns, help_npatterns, typed, ntyped, text, &comp_cands, NULL);
	ctl_words_free(typed);
	free(before);
	if (!comp_cands || !comp_cands[0])
		return NULL;
	return rl_completion_matches(text, complete_next_cb);
}

/* Fetch the command patterns once; a daemon that is down now simply means no completion. */
static void load_help_patterns(void)
{
	char *words[] = { "help", NULL };
	char *raw;
	size_t rawlen;
	json_t *reply;

	if (ctl_request(words, 1, true, &raw, &rawlen, &reply, NULL) < 0)
		return;
	if (ctl_help_patterns(reply, &help_patterns, &help_npatterns) < 0)
		help_patterns = NULL;
	free(raw);
	json_decref(reply);
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *path;

	if (!home || !*home)
		return NULL;
	path = malloc(strlen(home) + sizeof "/" CTL_HISTORY_FILE);
	if (path) {
		strcpy(path, home);
		strcat(path, "/" CTL_HISTORY_FILE);
	}
	return path;
}

/* Typed commands may name secrets, so the history file is private from its first write. */
static void save_history(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	close(fd);
	write_history(path);
}

/* Piped input is read with getline: libedit's line editor expects a terminal. */
static char *read_command(bool tty)
{
	char *line = NULL;
	size_t cap = 0;

	if (tty)
		return readline(CTL_PROMPT);
	if (getline(&line, &cap, stdin) < 0) {
		free(line);
		return NULL;
	}
	return line;
}

static int interactive(void)
{
	bool tty = isatty(STDIN_FILENO);
	char *hist = NULL, *last = NULL, *line;

	if (tty) {
		rl_readline_name = CTL_PROG;
		rl_attempted_completion_function = complete_cb;
		using_history();
		stifle_history(CTL_HISTORY_MAX);
		hist = history_path();
		if (hist)
			read_history(hist);
		load_help_patterns();
	}
	while ((line = read_command(tty))) {
		char **words;
		size_t nwords;
		int rc = ctl_split_words(line, &words, &nwords);

		if (rc < 0) {
			fprintf(stderr, CTL_PROG ": %s\n",
				rc == -EINVAL ? "unterminated quote" : strerror(-rc));
			free(line);
			continue;
		}
		if (nwords > 0 && tty && (!last || strcmp(last, line) != 0)) {
			add_history(line);
			save_history(hist);
			free(last);
			last = strdup(line);
		}
		free(line);
		if (nwords > 0 && (strcmp(words[0], "quit") == 0 || strcmp(words[0], "exit") == 0)) {
			ctl_words_free(words);
			break;
		}
		if (nwords > 0)
			run_command(words, nwords);
		ctl_words_free(words);
	}
	if (!line && tty)
		fputc('\n', stdout);
	free(last);
	free(hist);
	ctl_words_free(help_patterns);
	ctl_words_free(comp_cands);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv(CTL_SOCKET_ENV);
	int c, status;

	sock_path = env && *env ? env : CTL_DEFAULT_SOCKET;
	/* getopt names the program from argv[0]; keep messages the same whatever the path used. */
	argv[0] = (char *)CTL_PROG;
	/* "+": options end at the first command word, so "cdr show -1" reaches the daemon intact. */
	while ((c = getopt_long(argc, argv, "+s:t:hv", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg) {
				fputs(CTL_PROG ": -s needs a socket path\n", stderr);
				return EXIT_USAGE;
			}
			sock_path = optarg;
			break;
		case 'j':
			opt_json = true;
			break;
		case 't': {
			char *end;
			long t = strtol(optarg, &end, 10);
			if (!*optarg || *end || t < 1 || t > 3600) {
				fprintf(stderr, CTL_PROG ": --timeout: \"%s\" is not a number of "
						"seconds (allowed: 1..3600)\n",
					optarg);
				return EXIT_USAGE;
			}
			opt_timeout = (int)t;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'v':
			printf(CTL_PROG " %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			fputs("Try '" CTL_PROG " --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}

	if (optind < argc)
		status = run_command(argv + optind, (size_t)(argc - optind));
	else
		status = interactive();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, CTL_PROG ": cannot write output: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	return status;
}
