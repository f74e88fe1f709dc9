// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-probe-child"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "core/bw-paths.h"
#include "bw-probe-child.h"

/* The tray app runs each probe, and each key check that decrypts, in a `banwatch` child
 * process, so that libssh and OpenSSL are never loaded into a process that stays up all
 * day (about 2 MB of its memory, and a crash in them would take the tray down). The
 * child is the ordinary command line: `banwatch probe --json` and `banwatch key-check
 * --json`. Its passphrase goes through a pipe on standard input, never argv.
 *
 * The child enforces its own deadline. It gets CHILD_GRACE_S more to print and exit
 * before it is killed; cancelling sends it SIGTERM, on which it cancels its probe the
 * way an in-process cancel does; and it gets SIGTERM if the app dies. */
#define CHILD_GRACE_S 5

/* A key check decrypts with up to BW_KEY_MAX_KDF_ROUNDS bcrypt rounds (about 7 s here). */
#define KEY_CHECK_DEADLINE_S 30

typedef struct {
  GSubprocess  *process;
  GCancellable *cancellable;
  gulong        cancelled_id;
  GSource      *kill_source;
  gboolean      killed;
} Child;

static void
child_free (Child *child)
{
  if (child->cancelled_id != 0)
    g_cancellable_disconnect (child->cancellable, child->cancelled_id);
  g_clear_object (&child->cancellable);
  if (child->kill_source != NULL)
    {
      g_source_destroy (child->kill_source);
      g_source_unref (child->kill_source);
    }
  g_clear_object (&child->process);
  g_free (child);
}

/**
 * bw_probe_child_program:
 *
 * The `banwatch` executable the children run: `$BANWATCH_CLI` when set (the tests), else
 * the one beside this process's executable (the build tree), else the installed one.
 *
 * Returns: (transfer full): its path
 */
char *
bw_probe_child_program (void)
{
  const char *override = g_getenv ("BANWATCH_CLI");

  if (override != NULL && *override != '\0')
    return g_strdup (override);
  return bw_paths_find_installed_file ("banwatch", BINDIR);
}

/* After fork(), before exec(): only async-signal-safe calls. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
on_cancelled_cb (GCancellable *cancellable,
                 Child        *child)
{
  g_subprocess_send_signal (child->process, SIGTERM);
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  Child *child = user_data;

  child->killed = TRUE;
  g_subprocess_force_exit (child->process);
  return G_SOURCE_REMOVE;
}

static void
wipe_string_free (gpointer data)
{
  explicit_bzero (data, strlen (data));
  g_free (data);
}

/* Starts @argv with the passphrase, if any, on its standard input; the task gets the
 * Child as its data and @done is called with the task once the child has exited. */
static gboolean
spawn_child (GTask               *task,
             GPtrArray           *argv,
             const char          *passphrase,
             guint                deadline_s,
             GAsyncReadyCallback  done)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
  Child *child = g_new0 (Child, 1);

  g_task_set_task_data (task, child, (GDestroyNotify) child_free);
  if (g_task_return_error_if_cancelled (task))
    return FALSE;

  if (passphrase != NULL && *passphrase != '\0')
    {
      char *line = g_strconcat (passphrase, "\n", NULL);

      input = g_bytes_new_with_free_func (line, strlen (line), wipe_string_free, line);
      flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
    }

  launcher = g_subprocess_launcher_new (flags);
  /* GLib < 2.78 prints debug messages on stdout, where the child's JSON goes. */
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_ptr_array_add (argv, NULL);
  child->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (child->process == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Banwatch could not start “%s”: %s"),
                               (const char *) argv->pdata[0], error->message);
      return FALSE;
    }

  if (cancellable != NULL)
    {
      child->cancellable = g_object_ref (cancellable);
      child->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled_cb), child, NULL);
    }

  child->kill_source = g_timeout_source_new_seconds (deadline_s + CHILD_GRACE_S);
  g_source_set_callback (child->kill_source, on_deadline_cb, child, NULL);
  g_source_attach (child->kill_source, g_main_context_get_thread_default ());

  /* Not cancellable itself: a cancelled child is signalled and then reaped here. */
  g_subprocess_communicate_async (child->process, input, NULL, done, g_object_ref (task));
  return TRUE;
}

/* Collects the child's output: its standard output parsed as JSON, or %NULL with @error
 * naming how the child ended and what it printed on standard error. */
static JsonNode *
finish_child (GTask         *task,
              GAsyncResult  *result,
              const char    *what,
              GError       **error)
{
  Child *child = g_task_get_task_data (task);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *status = NULL;
  g_autofree char *diagnostic = NULL;
  gsize length = 0;
  const char *data;

  /* The child has exited: a deadline passing now must not call it timed out. */
  if (child->kill_source != NULL)
    g_source_destroy (child->kill_source);

  if (!g_subprocess_communicate_finish (child->process, result, &out, &err, error))
    return NULL;

  if (child->killed)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   _("%s did not end by its deadline and was stopped"), what);
      return NULL;
    }

  data = g_bytes_get_data (out, &length);
  if (length > 0 && json_parser_load_from_data (parser, data, (gssize) length, NULL) &&
      json_parser_get_root (parser) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return json_node_ref (json_parser_get_root (parser));

  if (g_subprocess_get_if_signaled (child->process))
    status = g_strdup_printf (_("signal %d"), g_subprocess_get_term_sig (child->process));
  else
    status = g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (child->process));
  /* Into a GError, and on to a GTK label: valid UTF-8, cut on a character boundary. */
  diagnostic = g_utf8_make_valid (g_bytes_get_size (err) > 0 ? g_bytes_get_data (err, NULL) : "",
                                  (gssize) g_bytes_get_size (err));
  if (g_utf8_strlen (diagnostic, -1) > 1000)
    *g_utf8_offset_to_pointer (diagnostic, 1000) = '\0';
  g_strstrip (diagnostic);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s ended without a result (%s)%s%s"),
               what, status, *diagnostic != '\0' ? ": " : "", diagnostic);
  return NULL;
}

static void
on_probe_child_done_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = finish_child (task, result, _("The probe process"), &error);
  g_autoptr(BwProbeResult) probe = NULL;

  if (node != NULL)
    probe = bw_probe_result_from_json (node, &error);
  if (probe == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  probe->finished_at = g_get_real_time ();
  g_task_return_pointer (task, g_steal_pointer (&probe), (GDestroyNotify) bw_probe_result_unref);
}

/**
 * bw_probe_child_async:
 *
 * bw_probe_async() in a `banwatch probe --json` child: the same probe, the same result,
 * with libssh loaded only in the child. @request's `hostkey_only` is not offered by the
 * command line and must be %FALSE.
 */
void
bw_probe_child_async (const BwProbeRequest *request,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  guint timeout_s = request->timeout_s != 0 ? request->timeout_s : BW_PROBE_DEFAULT_TIMEOUT_S;

  g_return_if_fail (!request->hostkey_only);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bw_probe_child_async);

  /* --name=value throughout, so that no value is ever taken for an option. */
  g_ptr_array_add (argv, bw_probe_child_program ());
  g_ptr_array_add (argv, g_strdup ("probe"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  g_ptr_array_add (argv, g_strdup_printf ("--host=%s", request->host));
  g_ptr_array_add (argv, g_strdup_printf ("--port=%u", request->port != 0 ? request->port : 22));
  g_ptr_array_add (argv, g_strdup_printf ("--user=%s", request->user));
  g_ptr_array_add (argv, g_strdup_printf ("--key=%s", request->key_path));
  g_ptr_array_add (argv, g_strdup_printf ("--timeout=%u", timeout_s));
  if (request->known_hosts != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--known-hosts=%s", request->known_hosts));
  if (request->address != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--address=%s", request->address));
  if (request->passphrase != NULL && *request->passphrase != '\0')
    g_ptr_array_add (argv, g_strdup ("--passphrase-fd=0"));
  if (request->accept_new_hostkey)
    g_ptr_array_add (argv, g_strdup ("--accept-new-hostkey"));

  spawn_child (task, argv, request->passphrase, timeout_s, on_probe_child_done_cb);
}

/**
 * bw_probe_child_finish:
 *
 * Returns: (transfer full): the probe's result, or %NULL with @error set when it was
 *   cancelled or the child could not give one
 */
BwProbeResult *
bw_probe_child_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bw_probe_child_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* @name's value when it has @type, else %NULL: a child's answer is checked, not trusted. */
static JsonNode *
get_value (JsonObject *object,
           const char *name,
           GType       type)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = get_value (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

static gboolean
get_boolean (JsonObject *object,
             const char *name)
{
  JsonNode *node = get_value (object, name, G_TYPE_BOOLEAN);

  return node != NULL && json_node_get_boolean (node);
}

static void
on_key_check_child_done_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = finish_child (task, result, _("The key check process"), &error);
  g_autoptr(BwKeyInfo) info = NULL;
  JsonObject *object;
  BwKeyError code;

  if (node == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  object = json_node_get_object (node);
  if (get_boolean (object, "usable"))
    {
      JsonNode *bits = get_value (object, "bits", G_TYPE_INT64);

      info = g_new0 (BwKeyInfo, 1);
      info->path = g_strdup (get_string (object, "path"));
      info->type = g_strdup (get_string (object, "type"));
      info->format = g_strdup (get_string (object, "format"));
      info->cipher = g_strdup (get_string (object, "cipher"));
      info->fingerprint = g_strdup (get_string (object, "fingerprint"));
      info->encrypted = get_boolean (object, "encrypted");
      info->bits = bits != NULL ? (guint) CLAMP (json_node_get_int (bits), 0, G_MAXUINT) : 0;
      g_task_return_pointer (task, g_steal_pointer (&info), (GDestroyNotify) bw_key_info_free);
      return;
    }

  if (get_string (object, "message") != NULL &&
      (get_string (object, "error") == NULL || !bw_key_error_from_string (get_string (object, "error"), &code)))
    {
      /* Not a key problem (e.g. an I/O error): its own words. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", get_string (object, "message"));
      return;
    }
  if (get_string (object, "message") == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The key check process gave an answer Banwatch does not understand"));
      return;
    }

  g_task_return_new_error (task, BW_KEY_ERROR, code, "%s", get_string (object, "message"));
}

/**
 * bw_key_check_child_async:
 * @passphrase: (nullable): the key's passphrase; %NULL or "" when it has none
 *
 * bw_key_check() in a `banwatch key-check --json` child.
 */
void
bw_key_check_child_async (const char          *path,
                          const char          *passphrase,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_task_set_source_tag (task, bw_key_check_child_async);

  g_ptr_array_add (argv, bw_probe_child_program ());
  g_ptr_array_add (argv, g_strdup ("key-check"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  if (passphrase != NULL && *passphrase != '\0')
    g_ptr_array_add (argv, g_strdup ("--passphrase-fd=0"));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (path));

  spawn_child (task, argv, passphrase, KEY_CHECK_DEADLINE_S, on_key_check_child_done_cb);
}

/**
 * bw_key_check_child_finish:
 *
 * Returns: (transfer full): what was learned, or %NULL with @error set: in %BW_KEY_ERROR
 *   when the key cannot be used, as bw_key_check() would
 */
BwKeyInfo *
bw_key_check_child_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bw_key_check_child_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
