# man/local.mk: the manual pages, installed and shipped in the tarball.
dist_man_MANS += man/symbridged.8 man/symbridgectl.8 man/symbridge.conf.5
