// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BW_VALIDATE_ERROR (bw_validate_error_quark ())

typedef enum {
  BW_VALIDATE_ERROR_HOST,
  BW_VALIDATE_ERROR_PORT,
  BW_VALIDATE_ERROR_USER,
  BW_VALIDATE_ERROR_NAME,
  BW_VALIDATE_ERROR_TIMEOUT,
  BW_VALIDATE_ERROR_PROVIDER,
  BW_VALIDATE_ERROR_NOTES,
  BW_VALIDATE_ERROR_KEY,
} BwValidateError;

GQuark   bw_validate_error_quark (void);

char    *bw_validate_host        (const char  *host,
                                  GError     **error);
gboolean bw_validate_port        (const char  *text,
                                  guint16     *out_port,
                                  GError     **error);
gboolean bw_validate_user        (const char  *user,
                                  GError     **error);
gboolean bw_validate_name        (const char  *name,
                                  GError     **error);
gboolean bw_parse_bounded_uint   (const char  *text,
                                  guint        min,
                                  guint        max,
                                  guint       *out_value);
gboolean bw_host_is_ipv6_literal (const char  *host);

G_END_DECLS
