/* driver.c: runs a fuzz target in make check, without libFuzzer: every seed of its corpus, then
 * deterministic mutations of each (byte flips, cuts, splices), reported as TAP. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef MUTATIONS
#define MUTATIONS 400 /* per seed: enough to walk the error paths, fast enough for make check */
#endif

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned char *slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*lenp = (size_t)n;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void mutate(const unsigned char *seed, size_t len, unsigned char *out, size_t *outlen)
{
	memcpy(out, seed, len);
	*outlen = len;
	switch (next() % 4) {
	case 0: /* flip a few bytes */
		for (int i = 0; i < 1 + (int)(next() % 4) && len; i++)
			out[next() % len] ^= (unsigned char)(1u << (next() % 8));
		break;
	case 1: /* cut the tail */
		*outlen = len ? next() % len : 0;
		break;
	case 2: /* a byte of punctuation the grammars care about */
		if (len)
			out[next() % len] = (unsigned char)"{}[]();,=\":\\\n\0x"[next() % 16];
		break;
	default: /* repeat a slice */
		if (len > 1) {
			size_t a = next() % len, b = a + next() % (len - a);
			size_t n = b - a < len ? b - a : 0;
			memmove(out + a + n, out + a, len - a);
			*outlen = len + n;
		}
	}
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], path[2048];
	size_t seeds = 0, runs = 0;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top ? top : ".", FUZZ_NAME);
	if (!(d = opendir(dir))) {
		printf("1..0 # SKIP no corpus at %s\n", dir);
		return 0;
	}
	printf("1..1\n");
	while ((e = readdir(d))) {
		size_t len, mlen;
		unsigned char *seed, *buf;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (!(seed = slurp(path, &len)))
			continue;
		seeds++;
		LLVMFuzzerTestOneInput(seed, len);
		runs++;
		buf = malloc(2 * len + 1);
		for (int i = 0; buf && i < MUTATIONS; i++, runs++) {
			mutate(seed, len, buf, &mlen);
			LLVMFuzzerTestOneInput(buf, mlen);
		}
		free(buf);
		free(seed);
	}
	closedir(d);
	printf("%s %u - %s: %zu seeds, %zu inputs ran without a crash\n", seeds ? "ok" : "not ok", 1,
	       FUZZ_NAME, seeds, runs);
	return seeds ? 0 : 1;
}
