// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the sites import format: whatever the bytes, the parser either
 * rejects the file with an error or returns validated sites and per-entry problems. */
#include "config.h"

#include "core/bw-site-export.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GArray) indices = NULL;
  g_autoptr(GPtrArray) sites = NULL;

  sites = bw_sites_import_parse ((const char *) data, size, &indices, &problems, &error);
  if (sites == NULL)
    {
      g_assert (error != NULL && error->message != NULL);
      return 0;
    }

  g_assert (indices->len == sites->len);
  for (guint i = 0; i < sites->len; i++)
    {
      g_autoptr(GError) invalid = NULL;
      g_assert (bw_site_validate (g_ptr_array_index (sites, i), &invalid));
    }
  for (guint i = 0; i < problems->len; i++)
    g_assert (((BwImportProblem *) g_ptr_array_index (problems, i))->message != NULL);
  return 0;
}
