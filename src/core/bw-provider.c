// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-provider"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-provider.h"

static const BwProvider providers[] = {
  {
    .id = "generic",
    .display_name = N_("Generic"),
    .default_port = 22,
    .notes = NULL,
  },
  {
    /* Xserver support: fail2ban restricts the source address; thresholds, bantime and
     * findtime are confidential, there is no manual unban, and bans lift by themselves
     * after roughly half a day to a day. */
    .id = "xserver",
    .display_name = N_("Xserver"),
    .default_port = 10022,
    .notes = N_("SSH on port 10022. fail2ban bans a source address for about half a day "
                "to a day; there is no manual unban. Wait, or connect from another address."),
    .ban_min_hours = 12,
    .ban_max_hours = 24,
  },
};

/**
 * bw_provider_lookup:
 * @id: a preset id such as "xserver"
 *
 * Returns: (nullable): the preset, or %NULL for an unknown id
 */
const BwProvider *
bw_provider_lookup (const char *id)
{
  if (id == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    if (g_ascii_strcasecmp (providers[i].id, id) == 0)
      return &providers[i];

  return NULL;
}

/**
 * bw_provider_default:
 *
 * Returns: the "generic" preset
 */
const BwProvider *
bw_provider_default (void)
{
  return &providers[0];
}

/**
 * bw_provider_get_all:
 *
 * Returns: every preset, @n_providers of them
 */
const BwProvider *
bw_provider_get_all (guint *n_providers)
{
  *n_providers = G_N_ELEMENTS (providers);
  return providers;
}

/**
 * bw_provider_list_ids:
 *
 * Returns: (transfer full): "generic, xserver", for messages
 */
char *
bw_provider_list_ids (void)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", providers[i].id);

  return g_string_free (out, FALSE);
}
