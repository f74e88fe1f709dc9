// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A reader for the OpenSSH client configuration (ssh_config(5), as OpenSSH 9.2 in
 * Debian 12 reads it). It never connects, runs nothing and reads no file other than
 * the one it is given and what that file includes.
 */

#define BW_SSH_CONFIG_ERROR (bw_ssh_config_error_quark ())

typedef enum {
  BW_SSH_CONFIG_ERROR_IO,        /* the file given could not be read */
  BW_SSH_CONFIG_ERROR_TOO_DEEP,  /* Include nested more than 16 levels (ssh refuses it too) */
  BW_SSH_CONFIG_ERROR_SYNTAX,    /* only with BW_SSH_CONFIG_FLAGS_STRICT: a line ssh rejects */
} BwSshConfigError;

typedef enum {
  BW_SSH_CONFIG_FLAGS_NONE = 0,
  /* Record Include lines as skipped instead of reading the files: for untrusted input
   * such as the fuzzer's, which must never open a file. */
  BW_SSH_CONFIG_FLAGS_NO_INCLUDE = 1 << 0,
  /* Fail with BW_SSH_CONFIG_ERROR_SYNTAX at the first line that makes ssh itself stop
   * (a skip entry with ssh_rejects set), instead of skipping it. */
  BW_SSH_CONFIG_FLAGS_STRICT = 1 << 1,
} BwSshConfigFlags;

/* Borrowed for the duration of the load call (copied). Every member may be NULL / 0, and
 * a NULL context means all defaults. */
typedef struct {
  const char       *home_dir;    /* for ~, %d and relative Includes; default g_get_home_dir () */
  const char       *local_user;  /* for %u and the default %r; default g_get_user_name () */
  const char       *local_host;  /* for %l and %L; default g_get_host_name () */
  char            **envp;        /* for ${VAR} and IdentityAgent $VAR; default g_get_environ () */
  BwSshConfigFlags  flags;
} BwSshConfigContext;

typedef struct {
  char      *alias;            /* the name as given to ssh (the literal name from the Host line) */
  char      *hostname;         /* HostName with %h/%% expanded, or the alias; lowercased as ssh does */
  guint16    port;             /* 0 = not set (ssh uses 22) */
  char      *user;             /* NULL = not set (ssh uses the local user) */
  GPtrArray *identity_files;   /* char*: the IdentityFile values, expanded, in ssh's order */
  int        identities_only;  /* -1 unset, 0 no, 1 yes */
  char      *identity_agent;   /* NULL unset; "none", "SSH_AUTH_SOCK" or a path, expanded */
  char      *proxy_jump;       /* NULL unset (Banwatch cannot probe through jumps) */
  char      *proxy_command;    /* NULL unset (idem) */
  char      *source_file;      /* where the Host line naming the alias is; NULL if none does */
  guint      source_line;
  GPtrArray *notes;            /* char*: what a person should know, one sentence each */
  /* The key files ssh tries from disk: identity_files, or ssh's default ~/.ssh/id_*
   * list when no IdentityFile applies; empty after "IdentityFile none". */
  GPtrArray *tried_identity_files;
} BwSshConfigHost;

typedef struct {
  char     *file;
  guint     line;
  char     *text;         /* the offending line or pattern, as valid UTF-8 */
  char     *reason;       /* e.g. "wildcard Host pattern: not imported" */
  gboolean  ssh_rejects;  /* ssh itself stops with an error at this line */
} BwSshConfigSkip;

/* Immutable once loaded: resolving from several threads at once is safe. */
typedef struct _BwSshConfig BwSshConfig;

GQuark           bw_ssh_config_error_quark (void);

BwSshConfig     *bw_ssh_config_load_file   (const char                *path,
                                            const BwSshConfigContext  *ctx,
                                            GError                   **error);
BwSshConfig     *bw_ssh_config_load_data   (const char                *data,
                                            gssize                     length,
                                            const char                *origin,
                                            const BwSshConfigContext  *ctx,
                                            GError                   **error);
void             bw_ssh_config_free        (BwSshConfig               *config);

GPtrArray       *bw_ssh_config_get_hosts   (BwSshConfig               *config);
GPtrArray       *bw_ssh_config_get_skipped (BwSshConfig               *config);
BwSshConfigHost *bw_ssh_config_resolve     (BwSshConfig               *config,
                                            const char                *host);

void             bw_ssh_config_host_free   (BwSshConfigHost           *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwSshConfig, bw_ssh_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwSshConfigHost, bw_ssh_config_host_free)

G_END_DECLS
