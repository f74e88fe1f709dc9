// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-window.h"

/**
 * BwWindow:
 *
 * The main window: the site list with state badges, and the way to every dialog.
 */
struct _BwWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkStack             *stack;
  GtkListBox           *site_list;
  GtkInfoBar           *banner;
  GtkLabel             *banner_label;

  /* borrowed */
  BwApplication        *app;
};

G_DEFINE_FINAL_TYPE (BwWindow, bw_window, GTK_TYPE_APPLICATION_WINDOW)

static void
bw_window_class_init (BwWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BwWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, site_list);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, banner_label);
}

static void
bw_window_init (BwWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * bw_window_new:
 *
 * Returns: (transfer full): the main window of @app
 */
BwWindow *
bw_window_new (BwApplication *app)
{
  BwWindow *self = g_object_new (BW_TYPE_WINDOW, "application", app, NULL);

  self->app = app;
  if (!bw_application_get_notifications_available (app))
    {
      gtk_label_set_text (self->banner_label,
                          _("No notification server is running: Banwatch cannot tell you about bans "
                            "while this window is closed."));
      gtk_widget_show (GTK_WIDGET (self->banner));
    }
  return self;
}

void
bw_window_set_store_error (BwWindow   *self,
                           const char *message)
{
  if (self == NULL)
    return;
  gtk_label_set_text (self->banner_label, message);
  gtk_info_bar_set_message_type (self->banner, GTK_MESSAGE_ERROR);
  gtk_widget_show (GTK_WIDGET (self->banner));
}

void
bw_window_select_site (BwWindow *self,
                       BwSite   *site)
{
}

void
bw_window_explain_site (BwWindow *self,
                        BwSite   *site)
{
}

void
bw_window_show_maintenance (BwWindow *self)
{
}
