// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BW_TYPE_PROBE_REQUEST (bw_probe_request_get_type ())

/* The smallest overall deadline: the banner alone may take 8 s (a TCP-wrappers refusal
 * takes about 5 s, and must be told apart from a silent server). */
#define BW_PROBE_MIN_TIMEOUT_S 10
#define BW_PROBE_MAX_TIMEOUT_S 300
#define BW_PROBE_DEFAULT_TIMEOUT_S 30
#define BW_PROBE_BANNER_DEADLINE_S 8
#define BW_PROBE_CONNECT_DEADLINE_S 10

/**
 * BwProbeRequest:
 *
 * Everything one probe needs, copied into the worker thread.
 */
typedef struct {
  char     *host;                /* validated: name, IPv4 or IPv6 literal without brackets */
  guint16   port;
  char     *user;
  char     *key_path;
  char     *passphrase;          /* NULL or "" when the key is not encrypted; wiped on free */
  char     *known_hosts;         /* Banwatch's own known_hosts file */
  guint     timeout_s;           /* overall deadline, BW_PROBE_MIN_TIMEOUT_S or more */
  gboolean  accept_new_hostkey;  /* store an unknown host key and go on (explicit trust) */
  gboolean  hostkey_only;        /* stop after the host key check: no key, no authentication */
  char     *address;             /* connect to this address only, without resolving (the
                                    monitor budgets per address); NULL: resolve host */
} BwProbeRequest;

GType           bw_probe_request_get_type (void) G_GNUC_CONST;
BwProbeRequest *bw_probe_request_new      (void);
BwProbeRequest *bw_probe_request_copy     (const BwProbeRequest *request);
void            bw_probe_request_free     (BwProbeRequest       *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwProbeRequest, bw_probe_request_free)

G_END_DECLS
