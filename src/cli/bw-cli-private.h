// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

int      bw_cli_usage_error        (const char  *command,
                                    const char  *format,
                                    ...) G_GNUC_PRINTF (2, 3);
gboolean bw_cli_read_passphrase_fd (const char  *text,
                                    char       **out_passphrase,
                                    GError     **error);
void     bw_cli_print_json         (JsonNode    *node);

G_END_DECLS
