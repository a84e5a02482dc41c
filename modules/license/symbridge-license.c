/* symbridge-license.c: the license tool: verify and show license files; the vendor's build
 * (symbridge-license-vendor, LIC_TOOL_VENDOR) also makes keys and signs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lic_file.h"

/* 1: the vendor's tool, with keygen and sign (package symbridge-vendor-tools); 0: the tool every
 * appliance gets, which hands keygen and sign to the vendor's tool when that is installed */
#ifndef LIC_TOOL_VENDOR
#define LIC_TOOL_VENDOR 1
#endif
#define LIC_VENDOR_TOOL "symbridge-license-vendor"

static const char usage_text[] =
	"usage: symbridge-license keygen PRIVFILE PUBFILE\n"
	"       symbridge-license sign --key PRIVFILE --hwid ID --id ID [--customer TEXT]\n"
	"                              [--issued YYYY-MM-DD] [--expires YYYY-MM-DD|never]\n"
	"                              [--test] -o FILE NAME=COUNT...\n"
	"       symbridge-license sign --key PRIVFILE [--test] -o FILE UNSIGNED-FILE\n"
	"       symbridge-license verify --pub PUBFILE [--hwid ID] [--date YYYY-MM-DD] FILE\n"
	"       symbridge-license show FILE\n"
	"See symbridge-license(1).\n";

/* a usage error: what is wrong, the synopsis, exit status 2 */
static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "symbridge-license: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	return 2;
}

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, "symbridge-license: %s %s: %s\n", what, path, strerror(err));
	return 1;
}

static char *slurp(const char *path, size_t *lenp, int *errp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		*errp = errno;
		return NULL;
	}
	buf = malloc(LIC_FILE_MAX + 2);
	n = buf ? fread(buf, 1, LIC_FILE_MAX + 1, f) : 0;
	*errp = ferror(f) ? EIO : ENOMEM;
	fclose(f);
	if (buf && n <= LIC_FILE_MAX) {
		buf[n] = '\0';
		*lenp = n;
		return buf;
	}
	if (buf)
		*errp = EFBIG;
	free(buf);
	return NULL;
}

/* write a whole file, never over an existing one when excl */
#if LIC_TOOL_VENDOR
static int write_file(const char *path, const char *buf, size_t len, bool excl)
{
	int fd = open(path, O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC), 0644);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, buf, len);
	int err = n == (ssize_t)len ? 0 : n < 0 ? errno : EIO;
	if (close(fd) != 0 && !err)
		err = errno;
	return -err;
}

static int cmd_keygen(int argc, char **argv)
{
	void *key;
	char b64[64];
	struct stat st;

	if (argc != 3)
		return usage("keygen takes PRIVFILE and PUBFILE");
	for (int i = 1; i < 3; i++)
		if (stat(argv[i], &st) == 0) {
			fprintf(stderr, "symbridge-license: %s exists; not overwriting a key\n",
				argv[i]);
			return 1;
		}
	if (lic_key_generate(&key) < 0) {
		fprintf(stderr, "symbridge-license: cannot generate an Ed25519 key\n");
		return 1;
	}
	int rc = lic_key_save(key, true, argv[1]);
	if (rc == 0)
		rc = lic_key_save(key, false, argv[2]);
	if (rc < 0) {
		lic_key_free(key);
		return fail("cannot write", rc == -EIO ? argv[1] : argv[2], -rc);
	}
	lic_key_public_base64(key, b64, sizeof b64);
	printf("private key: %s (keep it secret)\npublic key:  %s\n"
	       "for symbridge.conf: license: { public_key = \"%s\"; };\n",
	       argv[1], argv[2], b64);
	lic_key_free(key);
	return 0;
}

static int add_item(struct lic_file *f, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[48], why[128], *end;
	struct lic_item it;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof name)
		return usage("\"%s\": licenses are NAME=COUNT, e.g. PBX-Port13=100", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (lic_item_parse_name(name, &it, why, sizeof why) < 0)
		return usage("%s", why);
	errno = 0;
	unsigned long c = strtoul(eq + 1, &end, 10);
	if (errno || *end || end == eq + 1 || c < 1 || c > 1000000)
		return usage("\"%s\": COUNT is a number from 1 to 1000000", arg);
	if (f->nitems == LIC_FILE_MAX_ITEMS)
		return usage("more than %s licenses", "256");
	it.count = (unsigned)c;
	snprintf(f->names[f->nitems], sizeof f->names[0], "%s", name);
	f->items[f->nitems++] = it;
	return 0;
}

static int set_text(char *dst, size_t size, const char *v, const char *what)
{
	if (!*v || strlen(v) >= size)
		return usage("%s: 1 to %zu characters", what, size - 1);
	strcpy(dst, v);
	return 0;
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "hwid", required_argument, NULL, 'h' },
		{ "id", required_argument, NULL, 'i' },
		{ "customer", required_argument, NULL, 'c' },
		{ "issued", required_argument, NULL, 'I' },
		{ "expires", required_argument, NULL, 'E' },
		{ "output", required_argument, NULL, 'o' },
		{ "test", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *out = NULL, *issued = NULL, *expires = "never";
	bool test = false;
	struct lic_file *f = calloc(1, sizeof *f);
	char why[256], *text = NULL, *signed_text = NULL, *in = NULL;
	size_t len, slen;
	void *key = NULL;
	int c, rc = 2, err;

	if (!f)
		return 1;
	f->issued = lic_today(time(NULL));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'o': out = optarg; break;
		case 'I': issued = optarg; break;
		case 'E': expires = optarg; break;
		case 'T': test = true; break;
		case 'h':
			if (set_text(f->hwid, sizeof f->hwid, optarg, "--hwid"))
				goto out;
			break;
		case 'i':
			if (set_text(f->id, sizeof f->id, optarg, "--id"))
				goto out;
			break;
		case 'c':
			if (set_text(f->customer, sizeof f->customer, optarg, "--customer"))
				goto out;
			break;
		default: rc = usage("unknown option or missing argument"); goto out;
		}
	}
	if (!keyfile || !out) {
		rc = usage("sign needs --key and -o");
		goto out;
	}
	if (f->hwid[0]) {
		/* build the file from the options */
		if (!f->id[0]) {
			rc = usage("sign needs --id with --hwid");
			goto out;
		}
		if (issued && lic_date_parse(issued, strlen(issued), &f->issued) < 0) {
			rc = usage("--issued %s: a date YYYY-MM-DD", issued);
			goto out;
		}
		if (strcmp(expires, "never") == 0)
			f->expires = LIC_NEVER;
		else if (lic_date_parse(expires, strlen(expires), &f->expires) < 0) {
			rc = usage("--expires %s: a date YYYY-MM-DD or never", expires);
			goto out;
		}
		if (optind == argc) {
			rc = usage("sign needs at least one license NAME=COUNT");
			goto out;
		}
		for (int i = optind; i < argc; i++)
			if ((rc = add_item(f, argv[i])) != 0)
				goto out;
		if (lic_file_format(f, &text, &len) < 0) {
			rc = 1;
			goto out;
		}
		/* the file we write must parse back: catches e.g. expires before issued */
		if (lic_file_parse(text, len, false, f, why, sizeof why) < 0) {
			fprintf(stderr, "symbridge-license: %s\n", why);
			rc = 1;
			goto out;
		}
	} else {
		/* sign a prepared unsigned file */
		if (argc - optind != 1 || f->id[0] || f->customer[0] || issued) {
			rc = usage(
				"sign: give either --hwid --id NAME=COUNT... or one unsigned file");
			goto out;
		}
		if (!(in = slurp(argv[optind], &len, &err))) {
			rc = fail("cannot read", argv[optind], err);
			goto out;
		}
		if (lic_file_parse(in, len, false, f, why, sizeof why) < 0) {
			fprintf(stderr, "symbridge-license: %s: %s\n", argv[optind], why);
			rc = 1;
			goto out;
		}
		if (f->has_sig) {
			fprintf(stderr, "symbridge-license: %s is signed already\n", argv[optind]);
			rc = 1;
			goto out;
		}
		text = in;
		in = NULL;
	}
	/* the daemon's test override takes only "test-" ids: a file bound to one is for test runs,
	 * never for a customer's machine, and is made only when asked for by name */
	if (strncmp(f->hwid, "test-", 5) == 0 && !test) {
		fprintf(stderr,
			"symbridge-license: hardware id %s starts with \"test-\": such files are "
			"for test runs only (symbridged's SYMBRIDGE_TEST_HWID); add --test to make "
			"one\n",
			f->hwid);
		rc = 1;
		goto out;
	}
	if ((err = lic_key_load_private(keyfile, &key)) < 0) {
		rc = err == -EINVAL ? (fprintf(stderr,
					       "symbridge-license: %s is not an Ed25519 "
					       "private key (PEM)\n",
					       keyfile),
				       1)
				    : fail("cannot read", keyfile, -err);
		goto out;
	}
	if (lic_file_sign(text, len, key, &signed_text, &slen) < 0) {
		fprintf(stderr, "symbridge-license: signing failed\n");
		rc = 1;
		goto out;
	}
	if ((err = strcmp(out, "-") == 0 ? (fwrite(signed_text, 1, slen, stdout) == slen ? 0 : -EIO)
					 : write_file(out, signed_text, slen, false)) < 0) {
		rc = fail("cannot write", out, -err);
		goto out;
	}
	rc = 0;
out:
	lic_key_free(key);
	free(signed_text);
	free(text);
	free(in);
	free(f);
	return rc;
}

#endif

static void print_file(const struct lic_file *f)
{
	char d1[16], d2[16];

	lic_date_format(f->issued, d1, sizeof d1);
	lic_date_format(f->expires, d2, sizeof d2);
	printf("id:          %s\n", f->id);
	if (f->customer[0])
		printf("customer:    %s\n", f->customer);
	printf("hardware-id: %s\nissued:      %s\nexpires:     %s\n", f->hwid, d1, d2);
	for (size_t i = 0; i < f->nitems; i++) {
		const struct lic_item *it = &f->items[i];
		const struct lic_kind_info *ki = lic_kind_info(it->kind);
		char v[16] = "-";
		if (it->version)
			snprintf(v, sizeof v, "%u", it->version);
		printf("license:     %-34s %7u  kind %s, version %s%s\n", f->names[i], it->count,
		       ki->name, v,
		       it->kind == LIC_SMB_PORT ? " (SMB size)"
		       : it->tier               ? " (price tier)"
						: "");
	}
}

static int cmd_verify_show(int argc, char **argv, bool verify)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ "hwid", required_argument, NULL, 'h' },
		{ "date", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pubfile = NULL, *hwid = NULL, *reason;
	char why[256], *buf = NULL;
	struct lic_file *f = calloc(1, sizeof *f);
	time_t now = time(NULL);
	void *key = NULL;
	size_t len;
	int c, rc = 2, err, day;

	if (!f)
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", verify ? opts : opts + 3, NULL)) != -1) {
		switch (c) {
		case 'p': pubfile = optarg; break;
		case 'h': hwid = optarg; break;
		case 'd':
			if (lic_date_parse(optarg, strlen(optarg), &day) < 0) {
				rc = usage("--date %s: a date YYYY-MM-DD", optarg);
				goto out;
			}
			now = (time_t)day * 86400;
			break;
		default: rc = usage("unknown option or missing argument"); goto out;
		}
	}
	if (argc - optind != 1 || (verify && !pubfile)) {
		rc = usage("%s", verify ? "verify needs --pub PUBFILE and one FILE"
					: "show needs one FILE");
		goto out;
	}
	const char *path = argv[optind];
	if (!(buf = slurp(path, &len, &err))) {
		rc = fail("cannot read", path, err);
		goto out;
	}
	if (lic_file_parse(buf, len, verify, f, why, sizeof why) < 0) {
		printf("%s: refused: malformed: %s\n", path, why);
		rc = 1;
		goto out;
	}
	if (!verify) {
		print_file(f);
		if (!f->has_sig)
			printf("signature:   none (unsigned)\n");
		rc = 0;
		goto out;
	}
	if ((err = lic_key_load_public(pubfile, &key)) < 0) {
		rc = err == -EINVAL ? (fprintf(stderr,
					       "symbridge-license: %s is not an Ed25519 "
					       "public key (PEM)\n",
					       pubfile),
				       1)
				    : fail("cannot read", pubfile, -err);
		goto out;
	}
	if (lic_file_verify(f, buf, key, hwid ? hwid : f->hwid, now, &reason, why, sizeof why) <
	    0) {
		printf("%s: refused: %s: %s\n", path, reason, why);
		rc = 1;
		goto out;
	}
	printf("%s: ok: license %s, %zu item%s, bound to %s\n", path, f->id, f->nitems,
	       f->nitems == 1 ? "" : "s", f->hwid);
	rc = 0;
out:
	lic_key_free(key);
	free(buf);
	free(f);
	return rc;
}

#if !LIC_TOOL_VENDOR
/* keygen and sign belong to the vendor: run symbridge-license-vendor from the folder this program
 * is in (the build tree, or /usr/bin next to it), so the command line stays the same for them */
static int run_vendor_tool(char **argv)
{
	char self[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/%s", self, LIC_VENDOR_TOOL);
			argv[0] = (char *)LIC_VENDOR_TOOL;
			execv(path, argv);
			if (errno != ENOENT)
				return fail("cannot run", path, errno);
		}
	}
	fprintf(stderr,
		"symbridge-license: %s is the vendor's command: it needs " LIC_VENDOR_TOOL
		" (package symbridge-vendor-tools), which is not installed here\n",
		argv[1]);
	return 1;
}
#endif

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage("a command is needed");
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
#if LIC_TOOL_VENDOR
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
#else
	if (strcmp(cmd, "keygen") == 0 || strcmp(cmd, "sign") == 0)
		return run_vendor_tool(argv);
#endif
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify_show(argc - 1, argv + 1, true);
	if (strcmp(cmd, "show") == 0)
		return cmd_verify_show(argc - 1, argv + 1, false);
	return usage("unknown command \"%s\"", cmd);
}
