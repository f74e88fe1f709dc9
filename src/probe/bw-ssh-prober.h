// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/bw-probe-request.h"
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

/**
 * BwProbeRunAsync:
 * BwProbeRunFinish:
 *
 * How a #BwSshProber runs one probe: bw_probe_async() in this process (the command line),
 * or bw_probe_child_async() in a `banwatch probe` child (the tray app, which never loads
 * libssh).
 */
typedef void           (*BwProbeRunAsync)  (const BwProbeRequest *request,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
typedef BwProbeResult *(*BwProbeRunFinish) (GAsyncResult         *result,
                                            GError              **error);

#define BW_TYPE_SSH_PROBER (bw_ssh_prober_get_type ())

G_DECLARE_FINAL_TYPE (BwSshProber, bw_ssh_prober, BW, SSH_PROBER, GObject)

BwProber *bw_ssh_prober_new (const char       *known_hosts,
                             guint             timeout_s,
                             BwProbeRunAsync   run_async,
                             BwProbeRunFinish  run_finish,
                             BwPassphraseFunc  passphrase_func,
                             gpointer          user_data);

G_END_DECLS
