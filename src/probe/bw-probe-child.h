// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "core/bw-probe-request.h"
#include "core/bw-probe-result.h"
#include "bw-key-check.h"

G_BEGIN_DECLS

char          *bw_probe_child_program    (void);

void           bw_probe_child_async      (const BwProbeRequest *request,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
BwProbeResult *bw_probe_child_finish     (GAsyncResult         *result,
                                          GError              **error);

void           bw_key_check_child_async  (const char           *path,
                                          const char           *passphrase,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
BwKeyInfo     *bw_key_check_child_finish (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
