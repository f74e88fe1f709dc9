// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char  *key_type;     /* "ssh-ed25519", … */
  char  *fingerprint;  /* "SHA256:…" */
  guint  line;
} BwKnownHost;

void       bw_known_host_free      (BwKnownHost *entry);
char      *bw_known_hosts_default_path (void);
char      *bw_known_hosts_host_pattern (const char *host,
                                        guint       port);
GPtrArray *bw_known_hosts_lookup   (const char  *path,
                                    const char  *host,
                                    guint        port,
                                    GError     **error);
gboolean   bw_known_hosts_add      (const char  *path,
                                    const char  *host,
                                    guint        port,
                                    const char  *key_type,
                                    const char  *key_base64,
                                    GError     **error);
gboolean   bw_known_hosts_forget   (const char  *path,
                                    const char  *host,
                                    guint        port,
                                    guint       *out_removed,
                                    GError     **error);
char      *bw_fingerprint_from_base64 (const char *key_base64);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwKnownHost, bw_known_host_free)

G_END_DECLS
