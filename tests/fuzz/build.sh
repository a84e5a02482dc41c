#!/bin/sh
# build.sh: builds the libFuzzer targets (`make fuzz`) with clang, ASan and UBSan: the daemon's
# sources are compiled once into tests/fuzz/san/ (again only when a source, a header or config.h
# is newer than its object), archived, and each target is linked against the archive.
#   build.sh SRCDIR "CFLAGS" "LIBS" "TARGETS" SOURCES...
# CFLAGS carry -fsanitize=fuzzer,...; objects get fuzzer-no-link so only targets have a main.
set -eu
srcdir=$1
cflags=$2
libs=$3
targets=$4
shift 4
out=tests/fuzz/san
mkdir -p "$out"
objflags=$(echo "$cflags" | sed 's/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,/')
# a stamp as new as config.h and every header: an object older than it is compiled again
stamp=$out/.headers
[ -f "$stamp" ] || touch "$stamp"
find "$srcdir/src" "$srcdir/modules" "$srcdir/cards" -name '*.h' -newer "$stamp" 2>/dev/null |
	grep -q . && touch "$stamp"
[ config.h -nt "$stamp" ] && touch "$stamp"
# other flags (make fuzz added -DSB_FUZZING): every object again
if [ "$(cat "$out/.cflags" 2>/dev/null)" != "$objflags" ]; then
	printf '%s\n' "$objflags" >"$out/.cflags"
	touch "$stamp"
fi

objs=
todo=
for src in "$@"; do
	o=$out/$(echo "$src" | tr '/' '_' | sed 's/\.c$/.o/')
	objs="$objs $o"
	if [ ! -f "$o" ] || [ "$srcdir/$src" -nt "$o" ] || [ "$stamp" -nt "$o" ]; then
		todo="$todo $src"
	fi
done
if [ -n "$todo" ]; then
	echo "fuzz: compiling $(echo $todo | wc -w) sources with clang and sanitizers"
	# two at a time: the machine is shared
	echo $todo | tr ' ' '\n' | xargs -P 2 -I{} sh -c \
		'clang '"$objflags"' -c "$1/$2" -o "$3/$(echo "$2" | tr / _ | sed "s/\.c\$/.o/")"' \
		sh "$srcdir" {} "$out"
	rm -f "$out/libsan.a"
fi
[ -f "$out/libsan.a" ] || ar rcs "$out/libsan.a" $objs
for t in $targets; do
	echo "fuzz: linking tests/fuzz/$t-libfuzzer"
	clang $cflags -o "tests/fuzz/$t-libfuzzer" "$srcdir/tests/fuzz/fuzz_$t.c" \
		"$out/libsan.a" $libs
done
