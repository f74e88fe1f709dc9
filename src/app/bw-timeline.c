// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-timeline"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "core/bw-history.h"
#include "bw-timeline.h"

/**
 * BwTimeline:
 *
 * A server's ban episodes drawn as bars on a time axis: the last week, or back to the
 * oldest episode on record. Bars are coloured by the worst stage the episode reached;
 * an episode still open runs to "now". The accessible description lists the episodes
 * in words, for those who cannot see the drawing.
 */
struct _BwTimeline
{
  GtkDrawingArea  parent_instance;

  /* owned */
  GPtrArray      *episodes;   /* BwEpisode */
  gint64          now;
};

G_DEFINE_FINAL_TYPE (BwTimeline, bw_timeline, GTK_TYPE_DRAWING_AREA)

#define HOUR  (G_USEC_PER_SEC * G_GINT64_CONSTANT (3600))
#define DAY   (24 * HOUR)
#define MARGIN 12.0
#define BAR_HEIGHT 22.0

typedef enum {
  STAGE_OTHER,
  STAGE_LIGHTER,
  STAGE_HEAVIER,
} Stage;

static Stage
worst_stage (const char *path)
{
  if (path == NULL)
    return STAGE_OTHER;
  if (strstr (path, "heavier-ban") != NULL || strstr (path, "silent-block") != NULL)
    return STAGE_HEAVIER;
  if (strstr (path, "lighter-ban") != NULL)
    return STAGE_LIGHTER;
  return STAGE_OTHER;
}

static void
set_stage_colour (cairo_t *cr,
                  Stage    stage,
                  double   alpha)
{
  switch (stage)
    {
    case STAGE_HEAVIER:
      cairo_set_source_rgba (cr, 0xc0 / 255.0, 0x1c / 255.0, 0x28 / 255.0, alpha);
      break;
    case STAGE_LIGHTER:
      cairo_set_source_rgba (cr, 0xe6 / 255.0, 0x61 / 255.0, 0x00 / 255.0, alpha);
      break;
    case STAGE_OTHER:
    default:
      cairo_set_source_rgba (cr, 0x77 / 255.0, 0x76 / 255.0, 0x7b / 255.0, alpha);
      break;
    }
}

static const char *
stage_words (const char *word)
{
  if (g_str_equal (word, "lighter-ban"))
    return _("lighter stage");
  if (g_str_equal (word, "heavier-ban"))
    return _("heavier stage");
  if (g_str_equal (word, "silent-block"))
    return _("silent block");
  return word;
}

static char *
format_duration (gint64 usec)
{
  double hours = (double) usec / HOUR;

  if (hours < 1.0)
    return g_strdup_printf (_("%.0f min"), MAX (1.0, hours * 60));
  if (hours < 48.0)
    return g_strdup_printf (_("%.0f h"), hours);
  return g_strdup_printf (_("%.1f days"), hours / 24);
}

static char *
format_when (gint64 usec)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);

  /* Translators: a date and time in the ban timeline, see strftime(3) */
  return g_date_time_format (t, _("%b %-d %H:%M"));
}

static void
get_range (BwTimeline *self,
           gint64     *out_start,
           gint64     *out_end)
{
  gint64 end = self->now;
  gint64 start = end - 7 * DAY;

  for (guint i = 0; self->episodes != NULL && i < self->episodes->len; i++)
    {
      BwEpisode *e = g_ptr_array_index (self->episodes, i);
      start = MIN (start, e->start);
    }
  /* A little air before the oldest episode. */
  start -= (end - start) / 20;
  *out_start = start;
  *out_end = end;
}

static gint64
pick_tick (gint64 span,
           double width)
{
  static const gint64 steps[] = { HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY };
  double max_ticks = MAX (2.0, width / 90.0);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if ((double) span / steps[i] <= max_ticks)
      return steps[i];
  return steps[G_N_ELEMENTS (steps) - 1];
}

static void
draw_text (cairo_t     *cr,
           GtkWidget   *widget,
           const char  *text,
           double       x,
           double       y,
           double       xalign,
           gboolean     small)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  if (small)
    {
      PangoAttrList *attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - w * xalign, y);
  pango_cairo_show_layout (cr, layout);
}

static gboolean
bw_timeline_draw (GtkWidget *widget,
                  cairo_t   *cr)
{
  BwTimeline *self = BW_TIMELINE (widget);
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  double width = gtk_widget_get_allocated_width (widget);
  double height = gtk_widget_get_allocated_height (widget);
  double left = MARGIN, right = width - MARGIN;
  double axis_y = height - 28.0;
  double bar_y = axis_y - 12.0 - BAR_HEIGHT;
  gint64 start, end, tick;
  GdkRGBA fg;

  gtk_render_background (context, cr, 0, 0, width, height);
  gtk_style_context_get_color (context, gtk_style_context_get_state (context), &fg);
  get_range (self, &start, &end);
  if (right <= left || end <= start)
    return FALSE;

#define X_OF(t) (left + (right - left) * (double) ((t) - start) / (double) (end - start))

  /* The axis, with ticks on whole hours or days in local time. */
  cairo_set_line_width (cr, 1.0);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_move_to (cr, left, axis_y + 0.5);
  cairo_line_to (cr, right, axis_y + 0.5);
  cairo_stroke (cr);

  tick = pick_tick (end - start, right - left);
  {
    g_autoptr(GDateTime) first = g_date_time_new_from_unix_local (start / G_USEC_PER_SEC);
    g_autoptr(GDateTime) base = g_date_time_new_local (g_date_time_get_year (first),
                                                      g_date_time_get_month (first),
                                                      g_date_time_get_day_of_month (first), 0, 0, 0);
    gint64 t = g_date_time_to_unix (base) * G_USEC_PER_SEC;

    for (; t <= end; t += tick)
      {
        g_autoptr(GDateTime) dt = NULL;
        g_autofree char *label = NULL;
        double x;

        if (t < start)
          continue;
        x = X_OF (t);
        dt = g_date_time_new_from_unix_local (t / G_USEC_PER_SEC);
        /* Translators: axis labels of the ban timeline, see strftime(3) */
        label = g_date_time_format (dt, tick >= DAY ? _("%b %-d") : _("%H:%M"));
        gdk_cairo_set_source_rgba (cr, &fg);
        cairo_move_to (cr, floor (x) + 0.5, axis_y);
        cairo_line_to (cr, floor (x) + 0.5, axis_y + 5);
        cairo_stroke (cr);
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
        draw_text (cr, widget, label, x, axis_y + 7, 0.5, TRUE);
      }
  }

  /* "Now" at the right end. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.5);
  cairo_move_to (cr, floor (right) - 0.5, bar_y - 16);
  cairo_line_to (cr, floor (right) - 0.5, axis_y);
  cairo_stroke (cr);
  draw_text (cr, widget, _("now"), right, bar_y - 18 - 12, 1.0, TRUE);

  if (self->episodes == NULL || self->episodes->len == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      draw_text (cr, widget, _("No ban episodes on record for this server"),
                 (left + right) / 2, bar_y, 0.5, FALSE);
      return FALSE;
    }

  for (guint i = 0; i < self->episodes->len; i++)
    {
      BwEpisode *e = g_ptr_array_index (self->episodes, i);
      gint64 e_end = e->end != 0 ? e->end : end;
      double x0 = X_OF (e->start);
      double x1 = MAX (X_OF (e_end), x0 + 3.0);
      Stage stage = worst_stage (e->path);
      g_autofree char *duration = format_duration (e_end - e->start);

      set_stage_colour (cr, stage, 1.0);
      cairo_rectangle (cr, x0, bar_y, x1 - x0, BAR_HEIGHT);
      cairo_fill (cr);
      /* An episode that went through the lighter stage first keeps a band of its colour. */
      if (stage == STAGE_HEAVIER && e->path != NULL && strstr (e->path, "lighter-ban") != NULL)
        {
          set_stage_colour (cr, STAGE_LIGHTER, 1.0);
          cairo_rectangle (cr, x0, bar_y, x1 - x0, BAR_HEIGHT / 3);
          cairo_fill (cr);
        }

      if (e->end == 0)
        {
          /* Still open: fade the last part towards "now". */
          cairo_pattern_t *fade = cairo_pattern_create_linear (MAX (x0, x1 - 24), 0, x1, 0);
          cairo_pattern_add_color_stop_rgba (fade, 0, 1, 1, 1, 0);
          cairo_pattern_add_color_stop_rgba (fade, 1, 1, 1, 1, 0.6);
          cairo_set_source (cr, fade);
          cairo_rectangle (cr, MAX (x0, x1 - 24), bar_y, MIN (24, x1 - x0), BAR_HEIGHT);
          cairo_fill (cr);
          cairo_pattern_destroy (fade);
        }

      gdk_cairo_set_source_rgba (cr, &fg);
      draw_text (cr, widget, duration, (x0 + x1) / 2, bar_y - 16, 0.5, TRUE);
    }

  /* Legend */
  {
    double x = left;
    const struct { Stage stage; const char *text; } items[] = {
      { STAGE_LIGHTER, N_("lighter stage") },
      { STAGE_HEAVIER, N_("heavier stage or silent block") },
    };

    for (guint i = 0; i < G_N_ELEMENTS (items); i++)
      {
        g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, _(items[i].text));
        int w, h;

        pango_layout_get_pixel_size (layout, &w, &h);
        set_stage_colour (cr, items[i].stage, 1.0);
        cairo_rectangle (cr, x, 6, 10, 10);
        cairo_fill (cr);
        gdk_cairo_set_source_rgba (cr, &fg);
        cairo_move_to (cr, x + 14, 11 - h / 2.0);
        pango_cairo_show_layout (cr, layout);
        x += 14 + w + 16;
      }
  }
#undef X_OF

  return FALSE;
}

static void
update_description (BwTimeline *self)
{
  AtkObject *accessible = gtk_widget_get_accessible (GTK_WIDGET (self));
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = self->episodes != NULL ? self->episodes->len : 0;

  if (n == 0)
    {
      atk_object_set_description (accessible, _("No ban episodes on record for this server."));
      return;
    }

  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u ban episode:", "%u ban episodes:", n), n);
  for (guint i = 0; i < n; i++)
    {
      BwEpisode *e = g_ptr_array_index (self->episodes, i);
      g_autofree char *from = format_when (e->start);
      g_autofree char *to = e->end != 0 ? format_when (e->end) : g_strdup (_("ongoing"));
      g_autofree char *duration = format_duration ((e->end != 0 ? e->end : self->now) - e->start);
      g_auto(GStrv) words = g_strsplit (e->path != NULL ? e->path : "", ",", -1);
      g_autoptr(GString) stages = g_string_new (NULL);

      for (guint w = 0; words[w] != NULL; w++)
        if (*words[w] != '\0')
          g_string_append_printf (stages, "%s%s", stages->len > 0 ? _(", then ") : "", stage_words (words[w]));

      /* Translators: one ban episode: start – end (duration, likely STAGES) */
      g_string_append_printf (text, _(" %u. %s – %s (%s, likely %s);"), i + 1, from, to, duration, stages->str);
    }
  if (text->len > 0 && text->str[text->len - 1] == ';')
    g_string_truncate (text, text->len - 1);
  atk_object_set_description (accessible, text->str);
}

static void
bw_timeline_finalize (GObject *object)
{
  BwTimeline *self = (BwTimeline *) object;

  g_clear_pointer (&self->episodes, g_ptr_array_unref);

  G_OBJECT_CLASS (bw_timeline_parent_class)->finalize (object);
}

static void
bw_timeline_class_init (BwTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bw_timeline_finalize;
  widget_class->draw = bw_timeline_draw;
  gtk_widget_class_set_css_name (widget_class, "bwtimeline");
}

static void
bw_timeline_init (BwTimeline *self)
{
  self->now = g_get_real_time ();
  gtk_widget_set_size_request (GTK_WIDGET (self), 320, 110);
  gtk_widget_set_can_focus (GTK_WIDGET (self), TRUE);
  atk_object_set_role (gtk_widget_get_accessible (GTK_WIDGET (self)), ATK_ROLE_CHART);
  update_description (self);
}

GtkWidget *
bw_timeline_new (void)
{
  return g_object_new (BW_TYPE_TIMELINE, NULL);
}

/**
 * bw_timeline_set_episodes:
 * @episodes: (nullable) (element-type BwEpisode): one server's episodes, oldest first
 * @now: the right end of the axis, wall clock in microseconds
 */
void
bw_timeline_set_episodes (BwTimeline *self,
                          GPtrArray  *episodes,
                          gint64      now)
{
  g_clear_pointer (&self->episodes, g_ptr_array_unref);
  if (episodes != NULL)
    self->episodes = g_ptr_array_ref (episodes);
  self->now = now;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
bw_timeline_get_n_episodes (BwTimeline *self)
{
  return self->episodes != NULL ? self->episodes->len : 0;
}
