// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "bw-site.h"

G_BEGIN_DECLS

#define BW_COMMAND_ERROR (bw_command_error_quark ())

typedef enum {
  BW_COMMAND_ERROR_FORMAT,       /* not a BwCommandFormat */
  BW_COMMAND_ERROR_HOST,
  BW_COMMAND_ERROR_PORT,
  BW_COMMAND_ERROR_USER,
  BW_COMMAND_ERROR_KEY,
  BW_COMMAND_ERROR_ALIAS,
  BW_COMMAND_ERROR_LOCAL_PATH,
  BW_COMMAND_ERROR_REMOTE_PATH,
} BwCommandError;

/**
 * BwCommandFormat:
 * @BW_COMMAND_FORMAT_SSH: `ssh -i KEY -o IdentitiesOnly=yes … -p PORT USER@HOST 'echo ok'`
 * @BW_COMMAND_FORMAT_SSH_CONFIG: a `Host` block for ~/.ssh/config
 * @BW_COMMAND_FORMAT_PARAMIKO: a Python snippet (look_for_keys=False, allow_agent=False)
 * @BW_COMMAND_FORMAT_RSYNC: `rsync -e 'ssh -i KEY …' LOCAL USER@HOST:REMOTE`
 * @BW_COMMAND_FORMAT_SCP: `scp -i KEY … -P PORT LOCAL USER@HOST:REMOTE`
 *
 * Every form offers exactly one key, never the agent, and never asks a question.
 */
typedef enum {
  BW_COMMAND_FORMAT_SSH,
  BW_COMMAND_FORMAT_SSH_CONFIG,
  BW_COMMAND_FORMAT_PARAMIKO,
  BW_COMMAND_FORMAT_RSYNC,
  BW_COMMAND_FORMAT_SCP,
  BW_N_COMMAND_FORMATS
} BwCommandFormat;

/**
 * BwCommandSpec:
 * @host: a host name or address; it is normalised as bw_validate_host() does
 * @port: 1–65535; 0 means 22
 * @user: the remote user
 * @key_path: the private key: an absolute path
 * @alias: (nullable): the `Host` name of the ssh-config form; %NULL uses @host
 * @local_path: (nullable): rsync and scp: what to copy; %NULL gives a placeholder
 * @remote_path: (nullable): rsync and scp: where to; %NULL gives a placeholder
 * @home_dir: (nullable): ssh-config only: a key inside this folder is written as
 *   "~/…", as people write ~/.ssh/config. ssh ignores an IdentityFile line that repeats an
 *   earlier one exactly, but "~/.ssh/k" and "/home/u/.ssh/k" count as two
 */
typedef struct {
  const char *host;
  guint       port;
  const char *user;
  const char *key_path;
  const char *alias;
  const char *local_path;
  const char *remote_path;
  const char *home_dir;
} BwCommandSpec;

#define BW_COMMAND_LOCAL_PLACEHOLDER  "LOCAL_PATH"
#define BW_COMMAND_REMOTE_PLACEHOLDER "REMOTE_PATH"

GQuark           bw_command_error_quark        (void);

const char      *bw_command_format_to_string   (BwCommandFormat       format);
gboolean         bw_command_format_from_string (const char           *word,
                                                BwCommandFormat      *out_format);

char            *bw_command_build              (BwCommandFormat       format,
                                                const BwCommandSpec  *spec,
                                                GError              **error);
char            *bw_command_build_for_site     (BwCommandFormat       format,
                                                BwSite               *site,
                                                GError              **error);

char            *bw_command_quote_python       (const char           *text);
char            *bw_command_quote_rsync        (const char           *text);
char            *bw_command_quote_ssh_config   (const char           *text,
                                                gboolean              expands_percent);

G_END_DECLS
