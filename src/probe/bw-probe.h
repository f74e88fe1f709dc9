// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "core/bw-probe-request.h"
#include "core/bw-probe-result.h"

G_BEGIN_DECLS


void            bw_probe_async            (const BwProbeRequest *request,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
BwProbeResult  *bw_probe_finish           (GAsyncResult         *result,
                                           GError              **error);
BwProbeResult  *bw_probe_run              (const BwProbeRequest *request,
                                           GCancellable         *cancellable,
                                           GError              **error);

G_END_DECLS
