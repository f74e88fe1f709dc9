// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/bw-site.h"
#include "core/bw-ssh-config.h"
#include "store/bw-site-store.h"

G_BEGIN_DECLS

typedef enum {
  BW_IMPORT_NEW,
  BW_IMPORT_NO_KEY,
  BW_IMPORT_EXISTS,
  BW_IMPORT_INVALID,
  BW_IMPORT_SKIPPED,
} BwImportStatus;

#define BW_N_IMPORT_STATUSES (BW_IMPORT_SKIPPED + 1)

/**
 * BwImportEntry:
 * @host: (not owned): the ssh_config Host entry
 * @site: (nullable): the site it would become; %NULL unless @status is new or no-key
 * @status: what importing it would do
 * @key_encrypted: the chosen key needs a passphrase, which the import cannot store
 * @notes: (element-type utf8): why, in words for the user
 */
typedef struct {
  BwSshConfigHost *host;
  BwSite          *site;
  BwImportStatus   status;
  gboolean         key_encrypted;
  GPtrArray       *notes;
} BwImportEntry;

BwImportEntry *bw_import_entry_new           (BwSshConfigHost *host,
                                              BwSiteStore     *store);
void           bw_import_entry_free          (BwImportEntry   *entry);
const char    *bw_import_status_to_string    (BwImportStatus   status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwImportEntry, bw_import_entry_free)

G_END_DECLS
