// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "bw-observation.h"

G_BEGIN_DECLS

/**
 * BwDecodeConfidence:
 * @BW_DECODE_CONFIDENCE_NONE: nothing recognised, or a line that names no cause
 * @BW_DECODE_CONFIDENCE_LOW: the message fits several causes; the likeliest is given
 * @BW_DECODE_CONFIDENCE_MEDIUM: the message usually means this, with known exceptions
 * @BW_DECODE_CONFIDENCE_HIGH: the message names exactly where the connection ended
 *
 * How sure the decoder is. The public words are "none", "low", "medium" and "high".
 */
typedef enum {
  BW_DECODE_CONFIDENCE_NONE,
  BW_DECODE_CONFIDENCE_LOW,
  BW_DECODE_CONFIDENCE_MEDIUM,
  BW_DECODE_CONFIDENCE_HIGH,
} BwDecodeConfidence;

/**
 * BwDecodeResult:
 * @recognised: a known message was found
 * @has_observation: @observation is set; %FALSE when nothing was recognised, or when the
 *   deciding line is a summary that names no cause ("Could not connect to server")
 * @observation: where the connection ended (DESIGN.md §2)
 * @confidence: how sure the decoder is
 * @explanation: (not nullable): a translated explanation for a person
 * @line: (nullable): the deciding line, as valid UTF-8
 * @rule: (nullable): the stable id of the deciding rule, e.g. "openssh-kex-closed"
 * @source: (nullable): the program that wrote the line: "OpenSSH", "PuTTY", …
 */
typedef struct {
  gboolean            recognised;
  gboolean            has_observation;
  BwObservation       observation;
  BwDecodeConfidence  confidence;
  char               *explanation;
  char               *line;
  const char         *rule;
  const char         *source;
} BwDecodeResult;

/**
 * BwDecoderRule:
 *
 * One row of the decoder's table, for documentation and tests.
 */
typedef struct {
  const char *id;
  const char *source;
  const char *example;       /* a real message this row must decide */
  const char *observation;   /* the public word, or NULL for a summary or a marker */
  const char *explanation;   /* the English msgid, or NULL for a marker */
  const char *progress;      /* progress lines only: "connected", "banner", "authenticating"
                              * or "logged-in"; NULL for the rows that decide */
} BwDecoderRule;

BwDecodeResult *bw_decode                       (const char            *text,
                                                 gssize                 length);
void            bw_decode_result_free           (BwDecodeResult        *result);
const char     *bw_decode_result_get_observation (const BwDecodeResult *result);
JsonNode       *bw_decode_result_to_json        (const BwDecodeResult  *result);

const char     *bw_decode_confidence_to_string  (BwDecodeConfidence     confidence);

guint           bw_decoder_get_n_rules          (void);
gboolean        bw_decoder_get_rule             (guint                  index,
                                                 BwDecoderRule         *out_rule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwDecodeResult, bw_decode_result_free)

G_END_DECLS
