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

#include <gio/gio.h>
#include <gmodule.h>

#include "probe/bw-probe.h"
#include "store/bw-site-store.h"

G_BEGIN_DECLS

/* Exit codes of the commands that use the keyring (README, "Exit codes"). */
#define BW_EXIT_NOT_FOUND 4
#define BW_EXIT_KEYRING_UNAVAILABLE 5
#define BW_EXIT_KEYRING_LOCKED 6
#define BW_EXIT_WRITE_FAILED 7
#define BW_EXIT_DEFERRED 8
#define BW_EXIT_NOT_RECOGNISED 1
#define BW_EXIT_INTERRUPTED 130

int          bw_cli_error_exit_code (const GError *error);
int          bw_cli_fail            (const char   *command,
                                     const GError *error);
BwSiteStore *bw_cli_open_store      (const char   *command,
                                     int          *out_exit_code);
gboolean     bw_cli_parse_options   (const char   *command,
                                     GOptionContext *context,
                                     int          *argc,
                                     char       ***argv,
                                     int          *out_exit_code);
gboolean     bw_cli_parse_options_no_args (const char     *command,
                                           GOptionContext *context,
                                           int            *argc,
                                           char         ***argv,
                                           int            *out_exit_code);
BwProbeResult *bw_cli_run_probe     (const BwProbeRequest *request,
                                     GError      **error);
char        *bw_cli_known_hosts_path (const char  *option);
char        *bw_cli_format_iso8601  (gint64        t);
GModule     *bw_cli_load_app_module (void);
char        *bw_cli_format_local    (gint64        t,
                                     const char   *format);
int          bw_cli_sites           (int           argc,
                                     char        **argv);
int          bw_cli_key_check       (int           argc,
                                     char        **argv);
int          bw_cli_trust           (int           argc,
                                     char        **argv);
int          bw_cli_check           (int           argc,
                                     char        **argv);
int          bw_cli_watch           (int           argc,
                                     char        **argv);
int          bw_cli_status          (int           argc,
                                     char        **argv);
int          bw_cli_history         (int           argc,
                                     char        **argv);
int          bw_cli_explain         (int           argc,
                                     char        **argv);
int          bw_cli_command         (int           argc,
                                     char        **argv);
int          bw_cli_decode          (int           argc,
                                     char        **argv);
int          bw_cli_audit           (int           argc,
                                     char        **argv);

G_END_DECLS

#include "core/bw-monitor.h"

G_BEGIN_DECLS

void       bw_cli_monitor_config  (BwMonitorConfig *config);
BwMonitor *bw_cli_new_monitor     (const char      *command,
                                   BwSiteStore     *store,
                                   const char      *known_hosts,
                                   guint            timeout_s,
                                   int             *out_exit_code);
JsonNode  *bw_cli_status_to_json  (BwMonitor       *monitor,
                                   BwSite          *site,
                                   gboolean         probed_now,
                                   const char      *note);

G_END_DECLS
