// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/bw-prober.h"

G_BEGIN_DECLS

/**
 * BwPassphraseFunc:
 *
 * Returns the passphrase for @site's key ("" for none), or %NULL with @error set. Called
 * on the main thread, just before a probe of that site.
 */
typedef char *(*BwPassphraseFunc) (BwSite   *site,
                                   gpointer  user_data,
                                   GError  **error);

#define BW_TYPE_SSH_PROBER (bw_ssh_prober_get_type ())

G_DECLARE_FINAL_TYPE (BwSshProber, bw_ssh_prober, BW, SSH_PROBER, GObject)

BwProber *bw_ssh_prober_new (const char       *known_hosts,
                             guint             timeout_s,
                             BwPassphraseFunc  passphrase_func,
                             gpointer          user_data);

G_END_DECLS
