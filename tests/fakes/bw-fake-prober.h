// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/bw-clock.h"
#include "core/bw-prober.h"

G_BEGIN_DECLS

#define BW_TYPE_FAKE_PROBER (bw_fake_prober_get_type ())

G_DECLARE_FINAL_TYPE (BwFakeProber, bw_fake_prober, BW, FAKE_PROBER, GObject)

/* What the fake server at an address does to a probe, and whether its web ports answer. */
BwFakeProber *bw_fake_prober_new          (void);
void          bw_fake_prober_set_address  (BwFakeProber  *self,
                                           const char    *host,
                                           const char    *address);
void          bw_fake_prober_set_outcome  (BwFakeProber  *self,
                                           const char    *address,
                                           BwObservation  observation,
                                           gboolean       web_answers);
guint         bw_fake_prober_count        (BwFakeProber  *self,
                                           const char    *address);
guint         bw_fake_prober_total        (BwFakeProber  *self);
guint         bw_fake_prober_web_checks   (BwFakeProber  *self);
guint         bw_fake_prober_max_parallel (BwFakeProber  *self,
                                           gboolean       per_address);
guint         bw_fake_prober_in_flight    (BwFakeProber  *self);
const char   *bw_fake_prober_last_site    (BwFakeProber  *self);
void          bw_fake_prober_set_clock    (BwFakeProber  *self,
                                           BwClock       *clock);
GArray       *bw_fake_prober_times        (BwFakeProber  *self,
                                           const char    *address);

G_END_DECLS
