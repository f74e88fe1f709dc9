// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "bw-site-state.h"

G_BEGIN_DECLS

#define BW_TEXTS_ERROR (bw_texts_error_quark ())

typedef enum {
  BW_TEXTS_ERROR_LANGUAGE,   /* a language Banwatch has no texts for */
  BW_TEXTS_ERROR_STATE,      /* not a BwSiteState */
  BW_TEXTS_ERROR_VARS,       /* a required variable is missing */
  BW_TEXTS_ERROR_TEMPLATE,   /* a template names a variable that does not exist */
  BW_TEXTS_ERROR_CATALOG,    /* bw_texts_check_catalog(): missing or broken translations */
} BwTextsError;

/**
 * BwTextVars:
 * @site: the site's display name (required)
 * @since: (nullable): when the current state began
 * @estimate: (nullable): when a ban is expected to lift, already in the text's language:
 *   build it with bw_texts_format_estimate() and the same @lang
 * @web_answered: the web cross-check reached port 443 or 80 of the same server, so the
 *   website itself is up
 * @command: (nullable): the hardened first-touch command (bw_command_build())
 *
 * The variables of the explanation templates: {site}, {since}, {estimate}, {command};
 * @web_answered chooses sentences rather than filling one in.
 */
typedef struct {
  const char *site;
  GDateTime  *since;
  const char *estimate;
  gboolean    web_answered;
  const char *command;
} BwTextVars;

GQuark               bw_texts_error_quark     (void);

const char * const  *bw_texts_get_languages   (void);
gboolean             bw_texts_is_language     (const char        *lang);

char                *bw_texts_client          (BwSiteState        state,
                                               const BwTextVars  *vars,
                                               const char        *lang,
                                               GError           **error);
char                *bw_texts_operator        (BwSiteState        state,
                                               const BwTextVars  *vars,
                                               const char        *lang,
                                               GError           **error);

char                *bw_texts_format_since    (GDateTime         *since,
                                               const char        *lang,
                                               GError           **error);
char                *bw_texts_format_estimate (double             min_hours,
                                               double             max_hours,
                                               GDateTime         *expected_at,
                                               const char        *lang,
                                               GError           **error);

GPtrArray           *bw_texts_get_msgids      (void);
gboolean             bw_texts_check_catalog   (const char        *lang,
                                               GError           **error);

G_END_DECLS
