# cards/local.mk: card types are compiled into the core; cards/cards.c lists them.
libsbcore_a_SOURCES += \
	cards/cards.h cards/cards.c cards/isdn.c \
	cards/sym_bridge/sym_bridge.c \
	cards/pri/pri.c \
	cards/bri/bri.c \
	cards/link/link.c
