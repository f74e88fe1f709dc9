// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "bw-site.h"

G_BEGIN_DECLS

/*
 * The SSH setup audit: how many keys would a plain `ssh HOST` offer, one after another,
 * before the right one? Each rejected key counts toward sshd's MaxAuthTries and, in
 * fail2ban's ddos and aggressive modes, toward a ban.
 *
 * The audit reads only local things: the agent's list of public keys (over the agent
 * socket; it never asks the agent to sign), the ~/.ssh/id_* files and ~/.ssh/config.
 */

#define BW_AUDIT_ERROR (bw_audit_error_quark ())

typedef enum {
  BW_AUDIT_ERROR_PARAMS,      /* a required parameter is missing */
  BW_AUDIT_ERROR_CONFIG,      /* the ssh_config could not be read */
} BwAuditError;

#define BW_AGENT_ERROR (bw_agent_error_quark ())

typedef enum {
  BW_AGENT_ERROR_NO_SOCKET,   /* SSH_AUTH_SOCK is not set */
  BW_AGENT_ERROR_NOT_FOUND,   /* the socket does not exist: a stale SSH_AUTH_SOCK */
  BW_AGENT_ERROR_NOT_SOCKET,  /* the path is not a socket */
  BW_AGENT_ERROR_CONNECT,     /* nobody listens, or no permission */
  BW_AGENT_ERROR_TIMEOUT,     /* the agent did not answer in time */
  BW_AGENT_ERROR_PROTOCOL,    /* the answer was not a key list */
} BwAgentError;

typedef struct {
  char   *type;          /* "ssh-ed25519", "ssh-rsa", … */
  GBytes *blob;          /* the public key in SSH wire format */
  char   *comment;
  char   *fingerprint;   /* "SHA256:…" as ssh-keygen -l prints it */
} BwAgentKey;

typedef enum {
  BW_AUDIT_RISK_NONE,     /* at most one key: no failure before the right one */
  BW_AUDIT_RISK_MEDIUM,   /* two keys: one failure possible before the right one */
  BW_AUDIT_RISK_HIGH,     /* three or more */
} BwAuditRisk;

typedef enum {
  BW_AUDIT_SOURCE_AGENT,  /* only in the agent */
  BW_AUDIT_SOURCE_FILE,   /* a key file (IdentityFile or a default ~/.ssh/id_*) */
  BW_AUDIT_SOURCE_BOTH,   /* a key file whose key the agent also holds: counted once */
  BW_AUDIT_SOURCE_CERTIFICATE, /* KEY-cert.pub next to a key file: ssh offers it too */
} BwAuditSource;

typedef struct {
  BwAuditSource  source;
  char          *label;        /* the file's path, or the agent key's comment */
  char          *type;         /* NULL when the file's public key could not be read */
  char          *fingerprint;  /* NULL likewise */
  gboolean       offered;
  char          *reason;       /* why it is not offered, translated; NULL when offered */
} BwAuditKey;

typedef struct {
  char         *host;               /* as typed after "ssh" */
  char         *hostname;           /* after HostName */
  guint16       port;
  char         *user;
  int           identities_only;    /* -1 unset, 0 no, 1 yes */
  char         *agent_socket;       /* the agent ssh would ask, NULL for none */
  GError       *agent_error;        /* why the agent could not be asked, or NULL */
  guint         n_agent_keys;       /* how many keys the agent holds */
  GPtrArray    *keys;               /* BwAuditKey*, in the order ssh tries them */
  guint         attempts;           /* publickey attempts one connection can make */
  BwAuditRisk   risk;
  gboolean      exceeds_max_auth_tries;  /* more keys than sshd's default MaxAuthTries (6) */
  char         *fix;                /* the Host block to add, or NULL without a key */
  int           attempts_after_fix; /* with the block at the top of the config; -1 unknown */
  GPtrArray    *notes;              /* char*: translated sentences worth knowing */
} BwAuditReport;

/**
 * BwAuditParams:
 * @host: what is typed after `ssh` (required)
 * @home_dir: the home folder whose ~/.ssh is audited (required)
 * @config_path: (nullable): the ssh_config to read; %NULL for @home_dir/.ssh/config. A
 *   file that does not exist means no configuration
 * @auth_sock: (nullable): the value of SSH_AUTH_SOCK; %NULL when unset
 * @local_user: (nullable): the local user name, for %u and the default remote user
 * @agent_timeout_ms: how long the agent may take to answer; 0 for 2000
 * @site_host: (nullable): the site's host, for the fix; %NULL for the resolved HostName
 * @site_port: the site's port, for the fix; 0 for the resolved one
 * @site_user: (nullable): the site's user, for the fix; %NULL for the resolved one
 * @key_path: (nullable): the site's key, for the fix; %NULL gives no Host block
 *
 * Everything the audit looks at comes from here, never from this process's
 * environment, so tests can point it anywhere.
 */
typedef struct {
  const char *host;
  const char *home_dir;
  const char *config_path;
  const char *auth_sock;
  const char *local_user;
  guint       agent_timeout_ms;
  const char *site_host;
  guint       site_port;
  const char *site_user;
  const char *key_path;
} BwAuditParams;

/* OpenSSH's default MaxAuthTries. */
#define BW_AUDIT_MAX_AUTH_TRIES 6

GQuark          bw_audit_error_quark        (void);
GQuark          bw_agent_error_quark        (void);

GPtrArray      *bw_agent_list_keys          (const char           *socket_path,
                                             guint                 timeout_ms,
                                             GError              **error);
void            bw_agent_key_free           (BwAgentKey           *key);

void            bw_audit_params_init_for_site (BwAuditParams      *params,
                                               BwSite             *site);
BwAuditReport  *bw_audit_run                (const BwAuditParams  *params,
                                             GError              **error);
void            bw_audit_report_free        (BwAuditReport        *report);
char           *bw_audit_report_format      (const BwAuditReport  *report);
JsonNode       *bw_audit_report_to_json     (const BwAuditReport  *report);

const char     *bw_audit_risk_to_string     (BwAuditRisk           risk);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwAgentKey, bw_agent_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwAuditReport, bw_audit_report_free)

G_END_DECLS
