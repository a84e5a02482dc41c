# etc/local.mk: the bundled configuration and examples.
EXTRA_DIST += etc/symbridge.conf
