// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The key parser's internals, shared with its libssh half (bw-key-load.c) and the tests.
 * Nothing here needs libssh. */

#include "bw-key-check.h"

G_BEGIN_DECLS

/* Bytes that may hold private key material, encrypted or not: wiped before they are freed. */
typedef struct {
  guint8 *data;
  gsize   len;   /* bytes in use; data[len] is always a NUL */
  gsize   size;  /* bytes allocated, all of them wiped */
} SecretBytes;

void        bw_secret_bytes_free     (SecretBytes   *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretBytes, bw_secret_bytes_free)

BwKeyInfo  *bw_key_inspect_block     (const char    *path,
                                      SecretBytes  **out_block,
                                      GError       **error);
gboolean    bw_key_parse_public_blob (const char    *display,
                                      const guint8  *blob,
                                      gsize          blob_len,
                                      char         **out_type,
                                      guint         *out_bits,
                                      char         **out_fingerprint,
                                      GError       **error);
gboolean    bw_key_corrupt_error     (GError       **error,
                                      const char    *display,
                                      const char    *what);

G_END_DECLS
