# packaging/local.mk: the systemd unit, `make deb`, `make rpm`, `make check-packages`, the install check.

# readiness for Type=notify: READY=1 reaches $NOTIFY_SOCKET once the control socket answers
TESTS += tests/integration/090-packaging-notify.sh
EXTRA_DIST += tests/integration/090-packaging-notify.sh
