/* cards.c: the table of card types; adding a type is one folder and one row here. */
#include "config.h"

#include <string.h>

#include "cards.h"

const struct sb_card_type *const sb_card_types[] = {
	&card_sym_bridge,
	&card_pri,
	&card_bri,
	&card_link,
	NULL,
};

const struct sb_card_type *sb_card_type_find(const char *name)
{
	for (size_t i = 0; sb_card_types[i]; i++)
		if (strcmp(sb_card_types[i]->name, name) == 0)
			return sb_card_types[i];
	return NULL;
}
