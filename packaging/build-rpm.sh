#!/bin/sh
# build-rpm.sh TARBALL OUTDIR: the binary RPM from a `make dist` tarball with rpmbuild -tb
# (the spec is packaging/rpm/symbridge.spec inside the tarball). Run by `make rpm`.
# SB_RPM_NOCHECK=1 skips %check. On Debian, BuildRequires name Fedora packages that the rpm
# database here does not know, so rpmbuild runs with --nodeps there (packaging/README.md).
set -eu
tarball=$1
out=$2
command -v rpmbuild >/dev/null 2>&1 || {
	echo "build-rpm.sh: rpmbuild is missing: run 'sh scripts/install-deps.sh --packaging' as root" >&2
	exit 1
}
top=$out/rpm
rm -rf "$top"
mkdir -p "$top"
set -- --define "_topdir $top"
[ -r /etc/debian_version ] && set -- "$@" --nodeps
[ "${SB_RPM_NOCHECK:-0}" = 1 ] && set -- "$@" --nocheck
rpmbuild "$@" -tb "$tarball" >"$top/build.log" 2>&1 || {
	tail -n 60 "$top/build.log" >&2
	echo "build-rpm.sh: rpmbuild failed; the whole log is $top/build.log" >&2
	exit 1
}
find "$top/RPMS" -name '*.rpm' | sort
