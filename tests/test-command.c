// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The hardened command builder, checked against the real parsers.
 *
 * Examples and rejections are tables. The property tests take at least 10 000 random and
 * hostile values for each variable part (key, user, host, port, local path, remote path),
 * build every form that part appears in, and then:
 *
 *   - rejected values: the error must name the right part and the right reason;
 *   - accepted values, shell forms (ssh, scp, rsync): /bin/sh parses every command, in
 *     batches, with ssh/scp/rsync defined as shell functions that print their argv in
 *     argv-dump's format (the shell expands and splits the words the same way for a
 *     function as for a program); every 100th command of each part and form is also
 *     run for real with PATH pointing ssh/scp/rsync at tests/argv-dump (a fork+exec
 *     costs 2–7 ms on these machines, too slow for 100 000 commands;
 *     BW_COMMAND_FULL_EXEC=1 execs them all). The argv must equal the intended one
 *     exactly; rsync's -e string is then split as rsync does it;
 *   - ssh-config: every block is split as OpenSSH 9.2's argv_split() does, and a sample
 *     goes through the real `ssh -G`;
 *   - paramiko: every snippet is parsed by Python's ast module and its connect()
 *     arguments compared;
 *   - rsync and scp end to end, a sample: the real rsync (with "ssh" resolving to
 *     argv-dump) and the real scp (with -S argv-dump) must start "ssh" with the right key,
 *     port, user and host.
 *
 * Nothing connects anywhere: argv-dump stands in for every ssh.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "core/bw-command.h"
#include "core/bw-validate.h"

#define DEFAULT_CASES     10000
#define EXEC_SAMPLE_EVERY 100
#define SSH_G_SAMPLE      40
#define E2E_SAMPLE        40
#define MAX_BATCH_BYTES   (96 * 1024)   /* one "sh -c" string stays under MAX_ARG_STRLEN */

static const char * const hardening_args[] = {
  "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
  "-o", "ConnectTimeout=10",
};

static char *tmp_dir;
static char *argv_dump;
static char *bin_dir;       /* ssh, scp, rsync → argv-dump */
static char *ssh_only_dir;  /* ssh → argv-dump; the real rsync is found in /usr/bin */

/* ---- Fixtures ---- */

static char *
find_argv_dump (void)
{
  const char *env = g_getenv ("BW_ARGV_DUMP");
  g_autofree char *source = NULL;
  g_autofree char *binary = NULL;
  g_autofree char *std_err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (env != NULL && *env != '\0')
    {
      g_assert_true (g_file_test (env, G_FILE_TEST_IS_EXECUTABLE));
      return g_strdup (env);
    }

  /* Standalone runs build it themselves. */
  source = g_test_build_filename (G_TEST_DIST, "argv-dump.c", NULL);
  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      g_autofree char *here = g_path_get_dirname (__FILE__);
      g_free (source);
      source = g_build_filename (here, "argv-dump.c", NULL);
    }
  g_assert_true (g_file_test (source, G_FILE_TEST_EXISTS));

  binary = g_build_filename (tmp_dir, "argv-dump", NULL);
  {
    const char *argv[] = { "cc", "-O2", "-o", binary, source, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &std_err,
                  &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("cannot build argv-dump: %s", std_err);
  return g_steal_pointer (&binary);
}

static void
make_link_dir (const char  *dir,
               const char * const *names)
{
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *link = g_build_filename (dir, names[i], NULL);
      g_assert_cmpint (symlink (argv_dump, link), ==, 0);
    }
}

static void
setup_once (void)
{
  const char * const all[] = { "ssh", "scp", "rsync", NULL };
  const char * const ssh_only[] = { "ssh", NULL };
  g_autoptr(GError) error = NULL;

  tmp_dir = g_dir_make_tmp ("bw-test-command-XXXXXX", &error);
  g_assert_no_error (error);
  argv_dump = find_argv_dump ();
  bin_dir = g_build_filename (tmp_dir, "bin", NULL);
  ssh_only_dir = g_build_filename (tmp_dir, "ssh-only", NULL);
  make_link_dir (bin_dir, all);
  make_link_dir (ssh_only_dir, ssh_only);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

/* Runs a program to the end and returns its standard output, NUL bytes included. */
static GBytes *
run_capture (const char * const *argv,
             const char * const *envp,
             const char         *cwd,
             gboolean           *out_success,
             char              **out_stderr)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) std_err = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *std_out = NULL;

  if (envp != NULL)
    g_subprocess_launcher_set_environ (launcher, (char **) envp);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &std_out, &std_err, &error);
  g_assert_no_error (error);

  *out_success = g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
  if (out_stderr != NULL)
    *out_stderr = g_strndup (g_bytes_get_data (std_err, NULL), g_bytes_get_size (std_err));
  return std_out;
}

/* ---- Random and hostile values ---- */

static const char * const hostile_pieces[] = {
  "a", "key", "id_ed25519", ".ssh", "/", "//", ".", "..", " ", "  ", "\t", "\n", "\r",
  "'", "\"", "`", "$", "$(", ")", "$(id)", "`id`", "${HOME}", "${", "}", "$HOME", "\\",
  "\\'", "'\\''", "*", "?", "[", "]", "[a-z]", "{a,b}", "~", "~root", "-", "--",
  "-oProxyCommand=x", "%", "%d", "%%", "%h", "#", ";", "&", "&&", "|", "||", "<", ">",
  "!", "!!", "=", ",", ":", "@", "é", "日本語", "鍵", "🔑", "\u202e", "\u2028",
  "\u00a0", "\u200b", "\x7f", "\x01", "\xc2\x85", "ﬁ", "İ", "a b", "x:y", "[::1]",
  "user@host", "\"'\"", "''", "\"\"", "\xff", "\xc3", "^", "+", "\\\\", "\\n", "'$'",
  "\u3000", "\xef\xbb\xbf",
};

static const char * const user_pieces[] = {
  "a", "z", "x9", "web", "user", "admin", ".", "_", "-", "@", "%", "+", ":", "/", "[",
  "]", "é", "ü", "日本", "0", "1234", "xsrv", "^", ",",
};

static const char * const label_pieces[] = {
  "a", "b1", "xsrv", "example", "sv1234", "x-y", "ü", "例え", "-", "_", "9",
};

static char *
random_from (const char * const *pieces,
             guint               n_pieces,
             guint               min_count,
             guint               max_count)
{
  GString *out = g_string_new (NULL);
  guint count = (guint) g_test_rand_int_range ((gint32) min_count, (gint32) max_count + 1);

  for (guint i = 0; i < count; i++)
    g_string_append (out, pieces[g_test_rand_int_range (0, (gint32) n_pieces)]);
  return g_string_free (out, FALSE);
}

static char *
random_hostile (void)
{
  return random_from (hostile_pieces, G_N_ELEMENTS (hostile_pieces), 1, 6);
}

static char *
random_path_value (void)
{
  g_autofree char *tail = random_hostile ();

  switch (g_test_rand_int_range (0, 4))
    {
    case 0:
      return g_strconcat ("/home/u/.ssh/", tail, NULL);
    case 1:
      return g_strconcat ("/", tail, NULL);
    case 2:
      return g_strconcat ("/srv/keys dir/", tail, "/key", NULL);
    default:
      return g_steal_pointer (&tail);
    }
}

static char *
random_user (void)
{
  if (g_test_rand_bit ())
    return random_from (user_pieces, G_N_ELEMENTS (user_pieces), 1, 5);
  return random_hostile ();
}

static char *
random_host (void)
{
  switch (g_test_rand_int_range (0, 6))
    {
    case 0:
      {
        g_autofree char *a = random_from (label_pieces, G_N_ELEMENTS (label_pieces), 1, 2);
        g_autofree char *b = random_from (label_pieces, G_N_ELEMENTS (label_pieces), 1, 2);
        return g_strdup_printf ("%s.%s.jp", a, b);
      }
    case 1:
      return g_strdup_printf ("%d.%d.%d.%d", g_test_rand_int_range (0, 300), g_test_rand_int_range (0, 256),
                              g_test_rand_int_range (0, 256), g_test_rand_int_range (0, 256));
    case 2:
      {
        guint8 bytes[16];
        g_autoptr(GString) out = g_string_new (NULL);

        for (guint i = 0; i < 16; i++)
          bytes[i] = g_test_rand_bit () ? 0 : (guint8) g_test_rand_int_range (0, 256);
        for (guint i = 0; i < 16; i += 2)
          g_string_append_printf (out, "%s%x", i > 0 ? ":" : "", (bytes[i] << 8) | bytes[i + 1]);
        if (g_test_rand_bit ())
          {
            g_string_prepend_c (out, '[');
            g_string_append_c (out, ']');
          }
        return g_string_free (g_steal_pointer (&out), FALSE);
      }
    case 3:
      return g_strdup (g_test_rand_bit () ? "::1" : "2001:db8::10");
    default:
      return random_hostile ();
    }
}

static guint
random_port (void)
{
  switch (g_test_rand_int_range (0, 6))
    {
    case 0:
      return 0;
    case 1:
      return (guint) g_test_rand_int_range (65536, G_MAXINT32);
    case 2:
      return G_MAXUINT - (guint) g_test_rand_int_range (0, 3);
    case 3:
      return (guint) g_test_rand_int_range (1, 1025);
    default:
      return (guint) g_test_rand_int_range (1, 65536);
    }
}

/* ---- What the builder must do: the documented rules, restated independently ---- */

typedef enum {
  PART_KEY,
  PART_USER,
  PART_HOST,
  PART_PORT,
  PART_LOCAL,
  PART_REMOTE,
  N_PARTS
} Part;

static const char * const part_names[N_PARTS] = {
  "key", "user", "host", "port", "local path", "remote path",
};

static const int part_codes[N_PARTS] = {
  BW_COMMAND_ERROR_KEY, BW_COMMAND_ERROR_USER, BW_COMMAND_ERROR_HOST,
  BW_COMMAND_ERROR_PORT, BW_COMMAND_ERROR_LOCAL_PATH, BW_COMMAND_ERROR_REMOTE_PATH,
};

static gboolean
has_unsafe (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      switch (g_unichar_type (g_utf8_get_char (p)))
        {
        case G_UNICODE_CONTROL:
        case G_UNICODE_FORMAT:
        case G_UNICODE_LINE_SEPARATOR:
        case G_UNICODE_PARAGRAPH_SEPARATOR:
          return TRUE;
        default:
          break;
        }
    }
  return FALSE;
}

static gboolean
is_shell_format (BwCommandFormat format)
{
  return format == BW_COMMAND_FORMAT_SSH || format == BW_COMMAND_FORMAT_SCP ||
         format == BW_COMMAND_FORMAT_RSYNC;
}

/* The substring the error must contain, or NULL when the value must be accepted. */
static char *
expected_rejection (Part             part,
                    BwCommandFormat  format,
                    const char      *value,
                    guint            port)
{
  g_autoptr(GError) error = NULL;

  switch (part)
    {
    case PART_HOST:
      {
        g_autofree char *normal = bw_validate_host (value, &error);
        return normal == NULL ? g_strdup (error->message) : NULL;
      }
    case PART_PORT:
      return port > 65535 ? g_strdup ("is not between 1 and 65535") : NULL;
    case PART_USER:
      if (!bw_validate_user (value, &error))
        return g_strdup (error->message);
      if ((format == BW_COMMAND_FORMAT_SCP || format == BW_COMMAND_FORMAT_RSYNC) &&
          strpbrk (value, ":/[]") != NULL)
        return g_strdup ("reads as part of the host or path");
      if (format == BW_COMMAND_FORMAT_SSH_CONFIG && strchr (value, '%') != NULL)
        return g_strdup ("newer OpenSSH versions expand");
      return NULL;
    case PART_KEY:
    case PART_LOCAL:
    case PART_REMOTE:
      if (*value == '\0')
        return g_strdup ("is empty");
      if (!g_utf8_validate (value, -1, NULL))
        return g_strdup ("is not valid UTF-8");
      if (strlen (value) > 4096)
        return g_strdup ("longer than");
      if ((part != PART_KEY || format != BW_COMMAND_FORMAT_PARAMIKO) && has_unsafe (value))
        return g_strdup ("cannot be pasted safely");
      if (part != PART_KEY)
        return NULL;
      if (value[0] != '/')
        return g_strdup ("is not absolute");
      if (is_shell_format (format) && strchr (value, '%') != NULL)
        return g_strdup ("contains “%”, which ssh expands as a token");
      if (format != BW_COMMAND_FORMAT_PARAMIKO && strstr (value, "${") != NULL)
        return g_strdup ("contains “${”");
      return NULL;
    case N_PARTS:
    default:
      g_assert_not_reached ();
    }
}

static char *
local_as_passed (const char *path)
{
  const char *colon = strchr (path, ':');
  const char *slash = strchr (path, '/');

  if (path[0] != '/' &&
      (path[0] == '-' || path[0] == '[' || (colon != NULL && (slash == NULL || colon < slash))))
    return g_strconcat ("./", path, NULL);
  return g_strdup (path);
}

typedef struct {
  char *host;     /* normalised */
  char *port;
  char *user;
  char *key;
  char *local;    /* as given (before "./") */
  char *remote;
} Values;

static void
values_clear (Values *v)
{
  g_free (v->host);
  g_free (v->port);
  g_free (v->user);
  g_free (v->key);
  g_free (v->local);
  g_free (v->remote);
}

static char *
remote_spec (const Values *v)
{
  if (strchr (v->host, ':') != NULL)
    return g_strdup_printf ("%s@[%s]:%s", v->user, v->host, v->remote);
  return g_strdup_printf ("%s@%s:%s", v->user, v->host, v->remote);
}

static GPtrArray *
ssh_args (const Values *v)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (args, g_strdup ("ssh"));
  g_ptr_array_add (args, g_strdup ("-i"));
  g_ptr_array_add (args, g_strdup (v->key));
  for (guint i = 0; i < G_N_ELEMENTS (hardening_args); i++)
    g_ptr_array_add (args, g_strdup (hardening_args[i]));
  g_ptr_array_add (args, g_strdup ("-p"));
  g_ptr_array_add (args, g_strdup (v->port));
  return args;
}

/* The argv the shell must hand to the program, for the shell forms. For rsync, the -e
 * argument is checked separately (split_rsync_command()). */
static GPtrArray *
intended_argv (BwCommandFormat  format,
               const Values    *v)
{
  GPtrArray *args;

  switch (format)
    {
    case BW_COMMAND_FORMAT_SSH:
      args = ssh_args (v);
      g_ptr_array_add (args, g_strdup_printf ("%s@%s", v->user, v->host));
      g_ptr_array_add (args, g_strdup ("echo ok"));
      return args;
    case BW_COMMAND_FORMAT_SCP:
      args = ssh_args (v);
      g_free (g_ptr_array_index (args, 0));
      args->pdata[0] = g_strdup ("scp");
      g_free (g_ptr_array_index (args, args->len - 2));
      args->pdata[args->len - 2] = g_strdup ("-P");
      g_ptr_array_add (args, local_as_passed (v->local));
      g_ptr_array_add (args, remote_spec (v));
      return args;
    case BW_COMMAND_FORMAT_RSYNC:
      args = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (args, g_strdup ("rsync"));
      g_ptr_array_add (args, g_strdup ("-e"));
      g_ptr_array_add (args, NULL);   /* checked by splitting */
      g_ptr_array_add (args, local_as_passed (v->local));
      g_ptr_array_add (args, remote_spec (v));
      return args;
    case BW_COMMAND_FORMAT_SSH_CONFIG:
    case BW_COMMAND_FORMAT_PARAMIKO:
    case BW_N_COMMAND_FORMATS:
    default:
      g_assert_not_reached ();
    }
}

/* rsync's do_cmd() split of the -e string (rsync 3.2 main.c), transcribed. */
static GPtrArray *
split_rsync_command (const char *command)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const char *f = command;
  char in_quote = '\0';

  while (*f != '\0')
    {
      GString *arg;

      if (*f == ' ')
        {
          f++;
          continue;
        }
      arg = g_string_new (NULL);
      while (*f != ' ' || in_quote)
        {
          if (*f == '\0')
            {
              if (in_quote)
                {
                  g_string_free (arg, TRUE);
                  g_ptr_array_unref (args);
                  return NULL;   /* "Missing trailing-' in remote-shell command" */
                }
              break;
            }
          if (*f == '\'' || *f == '"')
            {
              if (!in_quote)
                {
                  in_quote = *f++;
                  continue;
                }
              if (*f == in_quote && *++f != in_quote)
                {
                  in_quote = '\0';
                  continue;
                }
            }
          g_string_append_c (arg, *f++);
        }
      g_ptr_array_add (args, g_string_free (arg, FALSE));
    }
  return args;
}

/* OpenSSH 9.2's argv_split() (misc.c), transcribed, with terminate_on_comment. */
static GPtrArray *
split_ssh_config_args (const char *s)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  gsize i = 0;

  while (s[i] != '\0')
    {
      GString *arg;
      char quote = 0;

      if (s[i] == ' ' || s[i] == '\t')
        {
          i++;
          continue;
        }
      if (s[i] == '#')
        break;
      arg = g_string_new (NULL);
      for (; s[i] != '\0'; i++)
        {
          if (s[i] == '\\')
            {
              if (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\' ||
                  (quote == 0 && s[i + 1] == ' '))
                {
                  i++;
                  g_string_append_c (arg, s[i]);
                }
              else
                g_string_append_c (arg, s[i]);
            }
          else if (quote == 0 && (s[i] == ' ' || s[i] == '\t'))
            break;
          else if (quote == 0 && (s[i] == '"' || s[i] == '\''))
            quote = s[i];
          else if (quote != 0 && s[i] == quote)
            quote = 0;
          else
            g_string_append_c (arg, s[i]);
        }
      if (quote != 0)
        {
          g_string_free (arg, TRUE);
          g_ptr_array_unref (args);
          return NULL;
        }
      g_ptr_array_add (args, g_string_free (arg, FALSE));
    }
  return args;
}

/* IdentityFile's %-expansion, reduced to what a literal path needs: "%%" → "%". */
static char *
unescape_percent (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s != '\0'; s++)
    {
      if (s[0] == '%')
        {
          g_assert_cmpint (s[1], ==, '%');
          s++;
        }
      g_string_append_c (out, *s);
    }
  return g_string_free (out, FALSE);
}

/* ---- Running commands ---- */

typedef struct {
  char           *command;
  BwCommandFormat format;
  Part            part;
  Values          values;
} Case;

static void
case_free (Case *c)
{
  g_free (c->command);
  values_clear (&c->values);
  g_free (c);
}

/* Parses argv-dump records. */
static GPtrArray *
parse_records (const char *data,
               gsize       length)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  gsize pos = 0;

  while (pos < length)
    {
      const char *end = memchr (data + pos, '\0', length - pos);
      guint64 argc;
      GPtrArray *record;

      g_assert_nonnull (end);
      g_assert_true (g_ascii_string_to_unsigned (data + pos, 10, 1, 1000, &argc, NULL));
      pos = (gsize) (end - data) + 1;
      record = g_ptr_array_new_with_free_func (g_free);
      for (guint64 i = 0; i < argc; i++)
        {
          end = memchr (data + pos, '\0', length - pos);
          g_assert_nonnull (end);
          g_ptr_array_add (record, g_strndup (data + pos, (gsize) (end - (data + pos))));
          pos = (gsize) (end - data) + 1;
        }
      g_ptr_array_add (records, record);
    }
  return records;
}

/* The shell functions print what argv-dump prints: argc, then argv, NUL-separated. */
static const char capture_prologue[] =
  "ssh() { printf '%s\\0' \"$(($# + 1))\" ssh \"$@\"; }\n"
  "scp() { printf '%s\\0' \"$(($# + 1))\" scp \"$@\"; }\n"
  "rsync() { printf '%s\\0' \"$(($# + 1))\" rsync \"$@\"; }\n";

static GPtrArray *
run_batch (GPtrArray *cases,
           guint      first,
           guint      last,
           gboolean   exec_for_real)
{
  g_autoptr(GString) script = g_string_new (exec_for_real ? "" : capture_prologue);
  g_autofree char *path = g_strconcat ("PATH=", bin_dir, NULL);
  g_autofree char *std_err = NULL;
  g_autoptr(GBytes) std_out = NULL;
  const char *envp[] = { path, "LC_ALL=C.UTF-8", NULL };
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
  gboolean success;

  for (guint i = first; i < last; i++)
    {
      g_string_append (script, ((Case *) g_ptr_array_index (cases, i))->command);
      g_string_append_c (script, '\n');
    }
  argv[2] = script->str;

  std_out = run_capture (argv, envp, NULL, &success, &std_err);
  if (!success)
    g_error ("/bin/sh failed: %s", std_err);
  return parse_records (g_bytes_get_data (std_out, NULL), g_bytes_get_size (std_out));
}

static char *
describe_args (GPtrArray *args)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < args->len; i++)
    {
      const char *arg = g_ptr_array_index (args, i);
      g_autofree char *escaped = arg != NULL ? g_strescape (arg, NULL) : g_strdup ("(any)");

      g_string_append_printf (out, "%s\"%s\"", i > 0 ? ", " : "", escaped);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static void
assert_record (const Case *c,
               GPtrArray  *record)
{
  g_autoptr(GPtrArray) intended = intended_argv (c->format, &c->values);
  gboolean same = record->len == intended->len;

  for (guint i = 0; same && i < record->len; i++)
    if (g_ptr_array_index (intended, i) != NULL &&
        !g_str_equal (g_ptr_array_index (intended, i), g_ptr_array_index (record, i)))
      same = FALSE;

  if (same && c->format == BW_COMMAND_FORMAT_RSYNC)
    {
      g_autoptr(GPtrArray) split = split_rsync_command (g_ptr_array_index (record, 2));
      g_autoptr(GPtrArray) ssh = ssh_args (&c->values);

      same = split != NULL && split->len == ssh->len;
      for (guint i = 0; same && i < split->len; i++)
        same = g_str_equal (g_ptr_array_index (split, i), g_ptr_array_index (ssh, i));
      if (!same)
        {
          g_autofree char *got = split != NULL ? describe_args (split) : g_strdup ("(unbalanced)");
          g_autofree char *want = describe_args (ssh);
          g_error ("rsync -e split wrong for %s\n  command: %s\n  got:  %s\n  want: %s",
                   part_names[c->part], c->command, got, want);
        }
    }

  if (!same)
    {
      g_autofree char *got = describe_args (record);
      g_autofree char *want = describe_args (intended);
      g_error ("argv wrong (%s, %s)\n  command: %s\n  got:  %s\n  want: %s",
               bw_command_format_to_string (c->format), part_names[c->part], c->command, got, want);
    }
}

static void
run_cases (GPtrArray *cases,
           gboolean   exec_for_real)
{
  guint first = 0;

  while (first < cases->len)
    {
      g_autoptr(GPtrArray) records = NULL;
      gsize bytes = 0;
      guint last = first;

      while (last < cases->len && bytes < MAX_BATCH_BYTES)
        bytes += strlen (((Case *) g_ptr_array_index (cases, last++))->command) + 1;

      records = run_batch (cases, first, last, exec_for_real);
      for (guint i = first; i < last && i - first < records->len; i++)
        assert_record (g_ptr_array_index (cases, i), g_ptr_array_index (records, i - first));
      if (records->len != last - first)
        g_error ("/bin/sh stopped after %u of %u commands; the next one was:\n  %s", records->len,
                 last - first, ((Case *) g_ptr_array_index (cases, first + records->len))->command);
      first = last;
    }
}

/* ---- Python and ssh -G oracles ---- */

static const char paramiko_checker[] =
  "import ast, sys\n"
  "data = open(sys.argv[1], 'rb').read().decode('utf-8')\n"
  "out = []\n"
  "for snippet in data.split('\\0')[:-1]:\n"
  "    tree = ast.parse(snippet)\n"
  "    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)\n"
  "             and getattr(n.func, 'attr', '') == 'connect']\n"
  "    kw = {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords}\n"
  "    out += [kw['hostname'], str(kw['port']), kw['username'], kw['key_filename'],\n"
  "            repr(kw['look_for_keys']), repr(kw['allow_agent'])]\n"
  "sys.stdout.buffer.write(''.join(s + '\\0' for s in out).encode('utf-8'))\n";

static void
check_paramiko (GPtrArray *cases)
{
  g_autofree char *input = g_build_filename (tmp_dir, "snippets", NULL);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) std_out = NULL;
  g_autofree char *std_err = NULL;
  const char *argv[] = { "/usr/bin/python3", "-c", paramiko_checker, input, NULL };
  const char *p, *end;
  gboolean success;

  if (cases->len == 0)
    return;

  for (guint i = 0; i < cases->len; i++)
    {
      g_string_append (data, ((Case *) g_ptr_array_index (cases, i))->command);
      g_string_append_c (data, '\0');
    }
  g_file_set_contents (input, data->str, (gssize) data->len, &error);
  g_assert_no_error (error);

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s is missing: install the python3 package", argv[0]);
  std_out = run_capture (argv, NULL, NULL, &success, &std_err);
  if (!success)
    g_error ("python3 could not parse a snippet: %s", std_err);

  p = g_bytes_get_data (std_out, NULL);
  end = p + g_bytes_get_size (std_out);
  for (guint i = 0; i < cases->len; i++)
    {
      const Case *c = g_ptr_array_index (cases, i);
      const char *want[] = { c->values.host, c->values.port, c->values.user, c->values.key,
                             "False", "False" };

      for (guint j = 0; j < G_N_ELEMENTS (want); j++)
        {
          if (p >= end || memchr (p, '\0', (gsize) (end - p)) == NULL)
            g_error ("python3 printed too little");
          if (!g_str_equal (p, want[j]))
            g_error ("paramiko value %u wrong for %s\n  snippet:\n%s\n  got:  %s\n  want: %s",
                     j, part_names[c->part], c->command, p, want[j]);
          p += strlen (p) + 1;
        }
    }
}

/* Splits each Host block as ssh does and compares every value. */
static void
check_ssh_config_block (const Case *c)
{
  g_auto(GStrv) lines = g_strsplit (c->command, "\n", -1);
  const char *keywords[] = { "Host", "HostName", "Port", "User", "IdentityFile",
                             "IdentitiesOnly", "IdentityAgent", "BatchMode", "ConnectTimeout" };
  const char *want[G_N_ELEMENTS (keywords)];
  g_autofree char *host_alias = g_strdup (c->values.host);

  want[0] = host_alias;
  want[1] = c->values.host;
  want[2] = c->values.port;
  want[3] = c->values.user;
  want[4] = c->values.key;
  want[5] = "yes";
  want[6] = "none";
  want[7] = "yes";
  want[8] = "10";

  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (keywords) + 1);
  g_assert_cmpstr (lines[G_N_ELEMENTS (keywords)], ==, "");
  for (guint i = 0; i < G_N_ELEMENTS (keywords); i++)
    {
      const char *line = lines[i];
      g_autoptr(GPtrArray) args = NULL;
      g_autofree char *value = NULL;

      while (*line == ' ')
        line++;
      g_assert_true (g_str_has_prefix (line, keywords[i]));
      g_assert_true (line[strlen (keywords[i])] == ' ');
      args = split_ssh_config_args (line + strlen (keywords[i]) + 1);
      if (args == NULL || args->len != 1)
        g_error ("ssh-config line does not split into one argument: %s", lines[i]);
      value = i == 4 || i == 1 ? unescape_percent (g_ptr_array_index (args, 0))
                               : g_strdup (g_ptr_array_index (args, 0));
      if (!g_str_equal (value, want[i]))
        g_error ("ssh-config %s wrong\n  block:\n%s  got:  %s\n  want: %s", keywords[i], c->command,
                 value, want[i]);
    }
}

static GHashTable *
run_ssh_g (const char *block,
           const char *alias)
{
  g_autofree char *config = g_build_filename (tmp_dir, "ssh_config", NULL);
  g_autofree char *home = g_strconcat ("HOME=", tmp_dir, NULL);
  g_autofree char *std_out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "ssh", "-T", "-G", "-F", config, alias, NULL };
  const char *envp[] = { home, "PATH=/usr/bin:/bin", NULL };
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int status = 0;

  g_file_set_contents (config, block, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (config, 0600), ==, 0);
  g_spawn_sync (NULL, (char **) argv, (char **) envp, G_SPAWN_SEARCH_PATH_FROM_ENVP |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &std_out, NULL, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("ssh -G rejected the block:\n%s", block);

  lines = g_strsplit (std_out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space = strchr (lines[i], ' ');

      /* The first value wins, as for identityfile ssh lists them in order. */
      if (space != NULL && !g_hash_table_contains (values, lines[i]))
        g_hash_table_insert (values, g_strndup (lines[i], (gsize) (space - lines[i])), g_strdup (space + 1));
    }
  return values;
}

static void
check_ssh_config_with_ssh (const Case *c)
{
  g_autoptr(GHashTable) got = run_ssh_g (c->command, c->values.host);
  g_autoptr(GString) escaped_key = g_string_new (NULL);
  struct { const char *key; const char *want; } checks[] = {
    { "hostname", c->values.host },
    { "port", c->values.port },
    { "user", c->values.user },
    { "identityfile", NULL },
    { "identitiesonly", "yes" },
    { "identityagent", "none" },
    { "batchmode", "yes" },
    { "connecttimeout", "10" },
  };

  /* ssh -G prints IdentityFile before its %-expansion. */
  for (const char *p = c->values.key; *p != '\0'; p++)
    g_string_append (escaped_key, *p == '%' ? "%%" : (char[]) { *p, '\0' });
  checks[3].want = escaped_key->str;

  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      const char *value = g_hash_table_lookup (got, checks[i].key);

      /* ssh prints an IPv6 address in its shortest form. */
      if (i == 0 && value != NULL && strchr (value, ':') != NULL)
        {
          g_autoptr(GInetAddress) a = g_inet_address_new_from_string (value);
          g_autoptr(GInetAddress) b = g_inet_address_new_from_string (checks[i].want);

          if (a != NULL && b != NULL && g_inet_address_equal (a, b))
            continue;
        }
      if (g_strcmp0 (value, checks[i].want) != 0)
        g_error ("ssh -G: %s is “%s”, want “%s”, for the block:\n%s", checks[i].key,
                 value, checks[i].want, c->command);
    }
}

/* ---- The property test ---- */

static guint
n_cases (void)
{
  const char *env = g_getenv ("BW_COMMAND_CASES");
  guint64 value;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 10000000, &value, NULL))
    return (guint) value;
  return DEFAULT_CASES;
}

static const BwCommandFormat part_formats[N_PARTS][5] = {
  [PART_KEY] = { BW_COMMAND_FORMAT_SSH, BW_COMMAND_FORMAT_SCP, BW_COMMAND_FORMAT_RSYNC,
                 BW_COMMAND_FORMAT_SSH_CONFIG, BW_COMMAND_FORMAT_PARAMIKO },
  [PART_USER] = { BW_COMMAND_FORMAT_SSH, BW_COMMAND_FORMAT_SCP, BW_COMMAND_FORMAT_RSYNC,
                  BW_COMMAND_FORMAT_SSH_CONFIG, BW_COMMAND_FORMAT_PARAMIKO },
  [PART_HOST] = { BW_COMMAND_FORMAT_SSH, BW_COMMAND_FORMAT_SCP, BW_COMMAND_FORMAT_RSYNC,
                  BW_COMMAND_FORMAT_SSH_CONFIG, BW_COMMAND_FORMAT_PARAMIKO },
  [PART_PORT] = { BW_COMMAND_FORMAT_SSH, BW_COMMAND_FORMAT_SCP, BW_COMMAND_FORMAT_RSYNC,
                  BW_COMMAND_FORMAT_SSH_CONFIG, BW_COMMAND_FORMAT_PARAMIKO },
  [PART_LOCAL] = { BW_COMMAND_FORMAT_SCP, BW_COMMAND_FORMAT_RSYNC, BW_N_COMMAND_FORMATS },
  [PART_REMOTE] = { BW_COMMAND_FORMAT_SCP, BW_COMMAND_FORMAT_RSYNC, BW_N_COMMAND_FORMATS },
};

typedef struct {
  guint values;
  guint accepted[BW_N_COMMAND_FORMATS];
  guint rejected[BW_N_COMMAND_FORMATS];
} Stats;

static void
property_test (gconstpointer data)
{
  Part part = GPOINTER_TO_UINT (data);
  guint n = n_cases ();
  g_autoptr(GPtrArray) shell_cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  g_autoptr(GPtrArray) exec_cases = g_ptr_array_new ();
  g_autoptr(GPtrArray) paramiko_cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  g_autoptr(GPtrArray) config_cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  gboolean full_exec = g_strcmp0 (g_getenv ("BW_COMMAND_FULL_EXEC"), "1") == 0;
  Stats stats = { 0 };
  guint shell_seen[BW_N_COMMAND_FORMATS] = { 0 };
  gint64 start = g_get_monotonic_time (), t0, t1, t2, t3, t4;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *value = NULL;
      guint port = 10022;
      BwCommandSpec spec = {
        .host = "sv1234.xserver.jp",
        .port = 10022,
        .user = "layer2024",
        .key_path = "/home/u/.ssh/layer2024_xserver.key",
        .local_path = "public_html/",
        .remote_path = "backup/",
      };

      switch (part)
        {
        case PART_KEY:
          value = random_path_value ();
          spec.key_path = value;
          break;
        case PART_USER:
          value = random_user ();
          spec.user = value;
          break;
        case PART_HOST:
          value = random_host ();
          spec.host = value;
          break;
        case PART_PORT:
          port = random_port ();
          spec.port = port;
          break;
        case PART_LOCAL:
          value = random_path_value ();
          spec.local_path = value;
          break;
        case PART_REMOTE:
          value = random_hostile ();
          spec.remote_path = value;
          break;
        case N_PARTS:
        default:
          g_assert_not_reached ();
        }
      stats.values++;

      for (guint f = 0; f < G_N_ELEMENTS (part_formats[part]); f++)
        {
          BwCommandFormat format = part_formats[part][f];
          g_autoptr(GError) error = NULL;
          g_autofree char *command = NULL;
          g_autofree char *reason = NULL;
          Case *c;

          if (format == BW_N_COMMAND_FORMATS)
            break;

          command = bw_command_build (format, &spec, &error);
          reason = expected_rejection (part, format, value, port);

          if (reason != NULL)
            {
              if (command != NULL)
                g_error ("%s “%s” should be refused for %s (%s), got:\n%s", part_names[part],
                         value, bw_command_format_to_string (format), reason, command);
              g_assert_error (error, BW_COMMAND_ERROR, part_codes[part]);
              if (strstr (error->message, reason) == NULL)
                g_error ("%s “%s” (%s): message “%s” lacks “%s”", part_names[part], value,
                         bw_command_format_to_string (format), error->message, reason);
              stats.rejected[format]++;
              continue;
            }

          if (command == NULL)
            g_error ("%s “%s” should be accepted for %s: %s", part_names[part], value,
                     bw_command_format_to_string (format), error->message);
          stats.accepted[format]++;

          c = g_new0 (Case, 1);
          c->command = g_steal_pointer (&command);
          c->format = format;
          c->part = part;
          c->values.host = bw_validate_host (spec.host, NULL);
          c->values.port = g_strdup_printf ("%u", spec.port != 0 ? spec.port : 22);
          c->values.user = g_strdup (spec.user);
          c->values.key = g_strdup (spec.key_path);
          c->values.local = g_strdup (spec.local_path);
          c->values.remote = g_strdup (spec.remote_path);

          if (format == BW_COMMAND_FORMAT_PARAMIKO)
            g_ptr_array_add (paramiko_cases, c);
          else if (format == BW_COMMAND_FORMAT_SSH_CONFIG)
            {
              check_ssh_config_block (c);
              g_ptr_array_add (config_cases, c);
            }
          else
            {
              g_ptr_array_add (shell_cases, c);
              if (full_exec || shell_seen[format]++ % EXEC_SAMPLE_EVERY == 0)
                g_ptr_array_add (exec_cases, c);
            }
        }
    }

  /* Every accepted shell command through /bin/sh, then a sample through real execs. */
  t0 = g_get_monotonic_time ();
  run_cases (shell_cases, FALSE);
  t1 = g_get_monotonic_time ();
  run_cases (exec_cases, TRUE);
  t2 = g_get_monotonic_time ();
  check_paramiko (paramiko_cases);
  t3 = g_get_monotonic_time ();

  /* A spread-out sample of the blocks through the real ssh. */
  for (guint i = 0; i < config_cases->len; i += MAX (1, config_cases->len / SSH_G_SAMPLE))
    check_ssh_config_with_ssh (g_ptr_array_index (config_cases, i));
  t4 = g_get_monotonic_time ();
  g_test_message ("times: build %.1f s, sh %.1f s, exec %.1f s, python %.1f s, ssh -G %.1f s",
                  (t0 - start) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6);

  g_test_message ("%s: %u values; accepted/rejected: ssh %u/%u, scp %u/%u, rsync %u/%u, "
                  "ssh-config %u/%u, paramiko %u/%u; %u shell commands parsed, %u exec'd",
                  part_names[part], stats.values,
                  stats.accepted[BW_COMMAND_FORMAT_SSH], stats.rejected[BW_COMMAND_FORMAT_SSH],
                  stats.accepted[BW_COMMAND_FORMAT_SCP], stats.rejected[BW_COMMAND_FORMAT_SCP],
                  stats.accepted[BW_COMMAND_FORMAT_RSYNC], stats.rejected[BW_COMMAND_FORMAT_RSYNC],
                  stats.accepted[BW_COMMAND_FORMAT_SSH_CONFIG], stats.rejected[BW_COMMAND_FORMAT_SSH_CONFIG],
                  stats.accepted[BW_COMMAND_FORMAT_PARAMIKO], stats.rejected[BW_COMMAND_FORMAT_PARAMIKO],
                  shell_cases->len, exec_cases->len);

  g_assert_cmpuint (stats.values, >=, n);
  /* A generator that produced only rejections (or only acceptances) would test little. */
  for (guint f = 0; f < BW_N_COMMAND_FORMATS; f++)
    if (stats.accepted[f] + stats.rejected[f] > 0)
      g_assert_cmpuint (stats.accepted[f], >, n / 20);
  if (part != PART_PORT)
    g_assert_cmpuint (stats.rejected[BW_COMMAND_FORMAT_SCP], >, n / 20);
}

/* ---- rsync and scp end to end ---- */

static GPtrArray *
read_dump_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  return parse_records (data, length);
}

static gboolean
args_contain (GPtrArray  *args,
              const char *a,
              const char *b)
{
  for (guint i = 0; i + 1 < args->len; i++)
    if (g_str_equal (g_ptr_array_index (args, i), a) &&
        (b == NULL || g_str_equal (g_ptr_array_index (args, i + 1), b)))
      return TRUE;
  return FALSE;
}

static void
end_to_end (gconstpointer data)
{
  BwCommandFormat format = GPOINTER_TO_UINT (data);
  g_autofree char *dump = g_build_filename (tmp_dir, "e2e.bin", NULL);
  g_autofree char *dump_env = g_strconcat ("BW_ARGV_DUMP_OUT=", dump, NULL);
  g_autofree char *path = g_strconcat ("PATH=", ssh_only_dir, ":/usr/bin:/bin", NULL);
  g_autofree char *home = g_strconcat ("HOME=", tmp_dir, NULL);
  const char *envp[] = { path, dump_env, home, "LC_ALL=C.UTF-8", NULL };
  const char *tool = format == BW_COMMAND_FORMAT_RSYNC ? "/usr/bin/rsync" : "/usr/bin/scp";
  guint done = 0;

  if (!g_file_test (tool, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s is missing: install the %s package", tool, format == BW_COMMAND_FORMAT_RSYNC ? "rsync" : "openssh-client");

  while (done < E2E_SAMPLE)
    {
      g_autofree char *key_tail = random_hostile ();
      g_autofree char *key = g_strconcat ("/home/u/.ssh/", key_tail, NULL);
      g_autofree char *user = random_from (user_pieces, G_N_ELEMENTS (user_pieces), 1, 4);
      g_autofree char *host = random_host ();
      g_autofree char *local = random_path_value ();
      g_autofree char *command = NULL;
      g_autofree char *normal_host = NULL;
      g_autofree char *port = NULL;
      g_autoptr(GPtrArray) records = NULL;
      g_autoptr(GError) error = NULL;
      const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
      gboolean success;
      gboolean ok;
      BwCommandSpec spec = {
        .host = host, .user = user, .key_path = key,
        .port = (guint) g_test_rand_int_range (1, 65536),
        .local_path = local, .remote_path = "backup dir/",
      };
      GPtrArray *ssh;

      command = bw_command_build (format, &spec, NULL);
      if (command == NULL)
        continue;
      normal_host = bw_validate_host (host, NULL);
      port = g_strdup_printf ("%u", spec.port);

      /* scp runs /usr/bin/ssh unless told otherwise: make it run argv-dump, so nothing
       * ever connects. rsync finds "ssh" through PATH, which points at argv-dump. */
      if (format == BW_COMMAND_FORMAT_SCP)
        {
          g_autofree char *quoted = g_shell_quote (argv_dump);
          char *with_program = g_strdup_printf ("scp -S %s%s", quoted, command + strlen ("scp"));
          g_free (command);
          command = with_program;
        }
      argv[2] = command;

      g_unlink (dump);
      /* They fail after starting "ssh" (argv-dump speaks no protocol): only argv counts. */
      g_bytes_unref (run_capture (argv, envp, tmp_dir, &success, NULL));

      records = read_dump_file (dump);
      if (records->len != 1)
        g_error ("%s started ssh %u times for: %s", tool, records->len, command);
      ssh = g_ptr_array_index (records, 0);

      ok = args_contain (ssh, "-i", key) && args_contain (ssh, "-p", port) &&
           args_contain (ssh, "-o", "IdentitiesOnly=yes") &&
           args_contain (ssh, "-o", "IdentityAgent=none") &&
           args_contain (ssh, "-o", "BatchMode=yes");

      /* The user and host: scp ends "-l USER … -- HOST sftp"; rsync "-l USER HOST rsync …". */
      if (format == BW_COMMAND_FORMAT_SCP)
        ok = ok && args_contain (ssh, "-l", user) && ssh->len >= 2 &&
             g_str_equal (g_ptr_array_index (ssh, ssh->len - 2), normal_host) &&
             g_str_equal (g_ptr_array_index (ssh, ssh->len - 1), "sftp");
      else
        {
          gboolean found = FALSE;

          for (guint i = 0; i + 3 < ssh->len && !found; i++)
            found = g_str_equal (g_ptr_array_index (ssh, i), "-l") &&
                    g_str_equal (g_ptr_array_index (ssh, i + 1), user) &&
                    g_str_equal (g_ptr_array_index (ssh, i + 2), normal_host) &&
                    g_str_equal (g_ptr_array_index (ssh, i + 3), "rsync");
          ok = ok && found;
        }

      if (!ok)
        {
          g_autofree char *got = describe_args (ssh);
          g_error ("%s gave ssh the wrong arguments for:\n  %s\n  got: %s", tool, command, got);
        }
      done++;
    }
}

/* ---- Tables ---- */

typedef struct {
  BwCommandFormat format;
  BwCommandSpec   spec;
  const char     *output;
} Example;

static const Example examples[] = {
  { BW_COMMAND_FORMAT_SSH,
    { "layer2024.xsrv.jp", 10022, "layer2024", "/home/u/.ssh/layer2024_xserver.key" },
    "ssh -i '/home/u/.ssh/layer2024_xserver.key' -o IdentitiesOnly=yes -o IdentityAgent=none "
    "-o BatchMode=yes -o ConnectTimeout=10 -p 10022 'layer2024@layer2024.xsrv.jp' 'echo ok'" },
  { BW_COMMAND_FORMAT_SSH,
    { "[2001:DB8::1]", 0, "web", "/k/it's key" },
    "ssh -i '/k/it'\\''s key' -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes "
    "-o ConnectTimeout=10 -p 22 'web@2001:db8::1' 'echo ok'" },
  { BW_COMMAND_FORMAT_SSH,
    { "Bücher.example", 2222, "u", "/鍵/$(id)" },
    "ssh -i '/鍵/$(id)' -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes "
    "-o ConnectTimeout=10 -p 2222 'u@xn--bcher-kva.example' 'echo ok'" },
  { BW_COMMAND_FORMAT_SCP,
    { "2001:db8::1", 10022, "u", "/k", NULL, "-rf", "dir:x/" },
    "scp -i '/k' -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes "
    "-o ConnectTimeout=10 -P 10022 './-rf' 'u@[2001:db8::1]:dir:x/'" },
  { BW_COMMAND_FORMAT_SCP,
    { "h.example", 22, "u", "/k", NULL, NULL, NULL },
    "scp -i '/k' -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes "
    "-o ConnectTimeout=10 -P 22 'LOCAL_PATH' 'u@h.example:REMOTE_PATH'" },
  { BW_COMMAND_FORMAT_RSYNC,
    { "h.example", 10022, "u", "/my keys/it's", NULL, "a:b/", "public_html/" },
    "rsync -e 'ssh -i '\\''/my keys/it'\\'''\\''s'\\'' -o IdentitiesOnly=yes -o IdentityAgent=none "
    "-o BatchMode=yes -o ConnectTimeout=10 -p 10022' './a:b/' 'u@h.example:public_html/'" },
  { BW_COMMAND_FORMAT_RSYNC,
    { "h.example", 22, "u", "/k", NULL, "/srv/www/", "www/" },
    "rsync -e 'ssh -i /k -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes "
    "-o ConnectTimeout=10 -p 22' '/srv/www/' 'u@h.example:www/'" },
  { BW_COMMAND_FORMAT_SSH_CONFIG,
    { "layer2024.xsrv.jp", 10022, "layer2024", "/home/u/.ssh/my key%1\"x\\" },
    "Host layer2024.xsrv.jp\n"
    "    HostName layer2024.xsrv.jp\n"
    "    Port 10022\n"
    "    User layer2024\n"
    "    IdentityFile \"/home/u/.ssh/my key%%1\\\"x\\\\\"\n"
    "    IdentitiesOnly yes\n"
    "    IdentityAgent none\n"
    "    BatchMode yes\n"
    "    ConnectTimeout 10\n" },
  { BW_COMMAND_FORMAT_SSH_CONFIG,
    { "h.example", 22, "u", "/home/u/.ssh/my key", NULL, NULL, NULL, "/home/u/" },
    "Host h.example\n"
    "    HostName h.example\n"
    "    Port 22\n"
    "    User u\n"
    "    IdentityFile \"~/.ssh/my key\"\n"
    "    IdentitiesOnly yes\n"
    "    IdentityAgent none\n"
    "    BatchMode yes\n"
    "    ConnectTimeout 10\n" },
  { BW_COMMAND_FORMAT_SSH_CONFIG,
    { "h.example", 22, "u", "/home/user2/k", NULL, NULL, NULL, "/home/u" },
    "Host h.example\n"
    "    HostName h.example\n"
    "    Port 22\n"
    "    User u\n"
    "    IdentityFile /home/user2/k\n"
    "    IdentitiesOnly yes\n"
    "    IdentityAgent none\n"
    "    BatchMode yes\n"
    "    ConnectTimeout 10\n" },
  { BW_COMMAND_FORMAT_SSH_CONFIG,
    { "::1", 22, "u", "/k", "client-a" },
    "Host client-a\n"
    "    HostName ::1\n"
    "    Port 22\n"
    "    User u\n"
    "    IdentityFile /k\n"
    "    IdentitiesOnly yes\n"
    "    IdentityAgent none\n"
    "    BatchMode yes\n"
    "    ConnectTimeout 10\n" },
};

static void
test_examples (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *output = bw_command_build (examples[i].format, &examples[i].spec, &error);

      g_test_message ("example %u", i);
      g_assert_no_error (error);
      g_assert_cmpstr (output, ==, examples[i].output);
    }
}

typedef struct {
  const char *text;
  const char *literal;
} PythonCase;

static const PythonCase python_cases[] = {
  { "plain", "'plain'" },
  { "it's", "'it\\'s'" },
  { "back\\slash", "'back\\\\slash'" },
  { "line\nbreak\ttab\rcr", "'line\\nbreak\\ttab\\rcr'" },
  { "\x01\x7f", "'\\x01\\x7f'" },
  { "\xc2\x85", "'\\x85'" },
  { "鍵 é", "'鍵 é'" },
  { "\u202e\u2028\u00a0", "'\\u202e\\u2028\\u00a0'" },
  { "\"dq\"", "'\"dq\"'" },
  { "🔑", "'🔑'" },
};

static void
test_python_literals (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (python_cases); i++)
    {
      g_autofree char *literal = bw_command_quote_python (python_cases[i].text);
      g_assert_cmpstr (literal, ==, python_cases[i].literal);
    }
}

typedef struct {
  const char *text;
  gboolean    percent;
  const char *quoted;   /* NULL: cannot be written */
} ConfigCase;

static const ConfigCase config_cases[] = {
  { "/home/u/.ssh/key", TRUE, "/home/u/.ssh/key" },
  { "/a b", TRUE, "\"/a b\"" },
  { "/50%", TRUE, "/50%%" },
  { "50%", FALSE, "50%" },
  { "#x", FALSE, "\"#x\"" },
  { "=x", FALSE, "\"=x\"" },
  { "a\"b\\c", FALSE, "\"a\\\"b\\\\c\"" },
  { "it's", FALSE, "\"it's\"" },
  { "", FALSE, "\"\"" },
  { "a\nb", FALSE, NULL },
};

static void
test_ssh_config_quoting (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (config_cases); i++)
    {
      g_autofree char *quoted = bw_command_quote_ssh_config (config_cases[i].text, config_cases[i].percent);
      g_assert_cmpstr (quoted, ==, config_cases[i].quoted);
    }
}

typedef struct {
  const char *text;
  const char *quoted;
} RsyncCase;

static const RsyncCase rsync_cases[] = {
  { "/k", "/k" },
  { "/a b", "'/a b'" },
  { "it's", "'it''s'" },
  { "say \"hi\"", "'say \"hi\"'" },
  { "", "''" },
  { "$HOME", "$HOME" },
};

static void
test_rsync_quoting (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rsync_cases); i++)
    {
      g_autofree char *quoted = bw_command_quote_rsync (rsync_cases[i].text);
      g_autoptr(GPtrArray) split = split_rsync_command (quoted);

      g_assert_cmpstr (quoted, ==, rsync_cases[i].quoted);
      g_assert_nonnull (split);
      g_assert_cmpuint (split->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (split, 0), ==, rsync_cases[i].text);
    }
}

typedef struct {
  BwCommandFormat format;
  BwCommandSpec   spec;
  int             code;
  const char     *message;
} Rejection;

#define GOOD "h.example", 22, "u", "/k"

static const Rejection rejections[] = {
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "relative/key" }, BW_COMMAND_ERROR_KEY, "is not absolute" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "-oProxyCommand=x" }, BW_COMMAND_ERROR_KEY, "is not absolute" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "~/.ssh/key" }, BW_COMMAND_ERROR_KEY, "is not absolute" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "/k/%d" }, BW_COMMAND_ERROR_KEY, "which ssh expands as a token" },
  { BW_COMMAND_FORMAT_SCP, { "h.example", 22, "u", "/k/%%" }, BW_COMMAND_ERROR_KEY, "which ssh expands as a token" },
  { BW_COMMAND_FORMAT_SSH_CONFIG, { "h.example", 22, "u", "/k/${HOME}" }, BW_COMMAND_ERROR_KEY, "environment variable" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "/k/a\nb" }, BW_COMMAND_ERROR_KEY, "a line break (U+000A)" },
  { BW_COMMAND_FORMAT_SSH_CONFIG, { "h.example", 22, "u", "/k/a\tb" }, BW_COMMAND_ERROR_KEY, "a tab (U+0009)" },
  { BW_COMMAND_FORMAT_RSYNC, { "h.example", 22, "u", "/k/\u202egpj.exe" }, BW_COMMAND_ERROR_KEY, "invisible formatting character (U+202E)" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "/k/\xff" }, BW_COMMAND_ERROR_KEY, "not valid UTF-8" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", "" }, BW_COMMAND_ERROR_KEY, "The key path is empty" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u", NULL }, BW_COMMAND_ERROR_KEY, "The key path is empty" },
  { BW_COMMAND_FORMAT_SSH, { "h.example;reboot", 22, "u", "/k" }, BW_COMMAND_ERROR_HOST, "“;”" },
  { BW_COMMAND_FORMAT_SSH, { "-oProxyCommand=x", 22, "u", "/k" }, BW_COMMAND_ERROR_HOST, "starts with “-”" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 70000, "u", "/k" }, BW_COMMAND_ERROR_PORT, "not between 1 and 65535" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "-l", "/k" }, BW_COMMAND_ERROR_USER, "starts with “-”" },
  { BW_COMMAND_FORMAT_SSH, { "h.example", 22, "u$(id)", "/k" }, BW_COMMAND_ERROR_USER, "“$”" },
  { BW_COMMAND_FORMAT_SCP, { "h.example", 22, "a:b", "/k" }, BW_COMMAND_ERROR_USER, "which scp reads as part of the host" },
  { BW_COMMAND_FORMAT_RSYNC, { "h.example", 22, "a/b", "/k" }, BW_COMMAND_ERROR_USER, "which rsync reads as part of the host" },
  { BW_COMMAND_FORMAT_SSH_CONFIG, { "h.example", 22, "a%b", "/k" }, BW_COMMAND_ERROR_USER, "newer OpenSSH versions expand" },
  { BW_COMMAND_FORMAT_SSH_CONFIG, { GOOD, "a*" }, BW_COMMAND_ERROR_ALIAS, "may use only letters" },
  { BW_COMMAND_FORMAT_SSH_CONFIG, { GOOD, "-x" }, BW_COMMAND_ERROR_ALIAS, "must not start with “-”" },
  { BW_COMMAND_FORMAT_SCP, { GOOD, NULL, "a\nb" }, BW_COMMAND_ERROR_LOCAL_PATH, "The local path contains a line break" },
  { BW_COMMAND_FORMAT_RSYNC, { GOOD, NULL, "" }, BW_COMMAND_ERROR_LOCAL_PATH, "The local path is empty" },
  { BW_COMMAND_FORMAT_RSYNC, { GOOD, NULL, "a", "x\x1b[201~y" }, BW_COMMAND_ERROR_REMOTE_PATH, "a control character (U+001B)" },
  { (BwCommandFormat) 99, { GOOD }, BW_COMMAND_ERROR_FORMAT, "Unknown command format" },
};

static void
test_rejections (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rejections); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *output = bw_command_build (rejections[i].format, &rejections[i].spec, &error);

      g_test_message ("rejection %u", i);
      g_assert_null (output);
      g_assert_error (error, BW_COMMAND_ERROR, rejections[i].code);
      if (strstr (error->message, rejections[i].message) == NULL)
        g_error ("rejection %u: “%s” lacks “%s”", i, error->message, rejections[i].message);
    }
}

static void
test_paramiko_accepts_newline (void)
{
  BwCommandSpec spec = { "h.example", 22, "u", "/keys/odd\nname" };
  g_autoptr(GError) error = NULL;
  g_autofree char *snippet = bw_command_build (BW_COMMAND_FORMAT_PARAMIKO, &spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (strstr (snippet, "key_filename='/keys/odd\\nname',"));
  g_assert_nonnull (strstr (snippet, "look_for_keys=False,"));
  g_assert_nonnull (strstr (snippet, "allow_agent=False,"));
  g_assert_nonnull (strstr (snippet, "port=22,"));
}

static void
test_format_words (void)
{
  for (guint i = 0; i < BW_N_COMMAND_FORMATS; i++)
    {
      BwCommandFormat format;

      g_assert_true (bw_command_format_from_string (bw_command_format_to_string (i), &format));
      g_assert_cmpuint (format, ==, i);
    }
  g_assert_false (bw_command_format_from_string ("putty", NULL));
  g_assert_false (bw_command_format_from_string (NULL, NULL));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  setup_once ();

  g_test_add_func ("/command/examples", test_examples);
  g_test_add_func ("/command/rejections", test_rejections);
  g_test_add_func ("/command/python-literals", test_python_literals);
  g_test_add_func ("/command/ssh-config-quoting", test_ssh_config_quoting);
  g_test_add_func ("/command/rsync-quoting", test_rsync_quoting);
  g_test_add_func ("/command/paramiko-newline", test_paramiko_accepts_newline);
  g_test_add_func ("/command/format-words", test_format_words);
  for (guint part = 0; part < N_PARTS; part++)
    {
      g_autofree char *name = g_strdup_printf ("/command/property/%s", part_names[part]);

      g_strdelimit (name, " ", '-');
      g_test_add_data_func (name, GUINT_TO_POINTER (part), property_test);
    }
  g_test_add_data_func ("/command/end-to-end/rsync", GUINT_TO_POINTER (BW_COMMAND_FORMAT_RSYNC), end_to_end);
  g_test_add_data_func ("/command/end-to-end/scp", GUINT_TO_POINTER (BW_COMMAND_FORMAT_SCP), end_to_end);

  status = g_test_run ();
  remove_tree (tmp_dir);
  return status;
}
