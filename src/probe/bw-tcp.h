// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BW_TCP_ERROR (bw_tcp_error_quark ())

typedef enum {
  BW_TCP_ERROR_REFUSED,
  BW_TCP_ERROR_TIMEOUT,
  BW_TCP_ERROR_UNREACHABLE,
  BW_TCP_ERROR_FAILED,
} BwTcpError;

GQuark bw_tcp_error_quark (void);

int    bw_tcp_connect    (GList         *addresses,
                          guint16        port,
                          gint64         deadline_us,
                          GCancellable  *cancellable,
                          char         **out_address,
                          GError       **error);

G_END_DECLS
