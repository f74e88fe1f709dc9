// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BwProvider:
 *
 * A hosting provider preset: its SSH port and what is known about its bans. Hosts keep
 * their fail2ban thresholds secret; these figures come from the users' own experience.
 */
typedef struct {
  const char *id;             /* stable: "xserver", "generic" */
  const char *display_name;
  guint16     default_port;
  const char *notes;          /* translatable, or NULL */
  guint       ban_min_hours;  /* 0 when unknown */
  guint       ban_max_hours;
} BwProvider;

const BwProvider *bw_provider_lookup   (const char *id);
const BwProvider *bw_provider_default  (void);
const BwProvider *bw_provider_get_all  (guint      *n_providers);
char             *bw_provider_list_ids (void);

G_END_DECLS
