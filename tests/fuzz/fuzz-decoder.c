// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer target for the two parsers that read untrusted bytes in core/: the error
 * decoder (pasted text) and the .mo catalog reader (a file on disk). Every input goes
 * through both.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Isrc \
 *     tests/fuzz/fuzz-decoder.c src/core/bw-decoder.c src/core/bw-catalog.c \
 *     src/core/bw-observation.c $(pkg-config --cflags --libs glib-2.0 json-glib-1.0) \
 *     -o fuzz-decoder
 *   ./fuzz-decoder -max_total_time=60 tests/fuzz/corpus-decoder
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/bw-catalog.h"
#include "core/bw-decoder.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(BwDecodeResult) result = bw_decode ((const char *) data, (gssize) size);
  g_autoptr(JsonNode) json = bw_decode_result_to_json (result);
  g_autofree char *text = json_to_string (json, FALSE);
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(BwCatalog) catalog = bw_catalog_new_from_bytes (bytes, NULL);

  /* What the decoder returns must be safe to show and to serialise. */
  if (result->explanation == NULL || !g_utf8_validate (result->explanation, -1, NULL))
    __builtin_trap ();
  if (result->line != NULL && !g_utf8_validate (result->line, -1, NULL))
    __builtin_trap ();
  if (result->has_observation != (bw_decode_result_get_observation (result) != NULL))
    __builtin_trap ();
  if (text == NULL)
    __builtin_trap ();

  if (catalog != NULL)
    {
      /* Look up a few keys, including ones that are in every catalog we ship. */
      const char *keys[] = { "What happened", "January", "", "\004", "zzzz" };

      for (size_t i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          const char *found = bw_catalog_lookup (catalog, keys[i]);

          if (found != NULL && !g_utf8_validate (found, -1, NULL))
            __builtin_trap ();
        }
    }

  return 0;
}
