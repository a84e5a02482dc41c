#!/bin/sh
# build-deb.sh TARBALL OUTDIR: the Debian source and binary packages from a `make dist` tarball,
# then lintian on the result (errors fail the build). Run by `make deb`.
# DEB_BUILD_OPTIONS=nocheck skips the test suite inside the package build.
set -eu
tarball=$1
out=$2
for tool in dpkg-buildpackage dh dh_autoreconf fakeroot lintian; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "build-deb.sh: $tool is missing: run 'sh scripts/install-deps.sh --packaging' as root" >&2
		exit 1
	}
done
base=$(basename "$tarball" .tar.gz)         # symbridge-0.1.0
name=${base%-*}
version=${base##*-}
work=$out/deb
rm -rf "$work"
mkdir -p "$work"
# the upstream tarball is the orig tarball; debian/ comes from packaging/debian inside it
cp "$tarball" "$work/${name}_$version.orig.tar.gz"
tar -xzf "$tarball" -C "$work"
cp -R "$work/$base/packaging/debian" "$work/$base/debian"
chmod +x "$work/$base/debian/rules"
debversion=$(dpkg-parsechangelog -l "$work/$base/debian/changelog" -S Version)
if [ "${debversion%-*}" != "$version" ]; then
	echo "build-deb.sh: packaging/debian/changelog is at $debversion but the tarball is $version:" \
	     "add a changelog entry (dch -v $version-1)" >&2
	exit 1
fi
(cd "$work/$base" && dpkg-buildpackage -us -uc -j"$(nproc)") >"$work/build.log" 2>&1 || {
	tail -n 60 "$work/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed; the whole log is $work/build.log" >&2
	exit 1
}
changes=$work/${name}_${debversion}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
# --fail-on error: warnings are reported, only errors fail
lintian --fail-on error --info --display-level '>=warning' "$changes" >"$work/lintian.log" 2>&1 || {
	cat "$work/lintian.log" >&2
	echo "build-deb.sh: lintian found errors in $changes" >&2
	exit 1
}
cat "$work/lintian.log"
ls "$work"/*.deb
