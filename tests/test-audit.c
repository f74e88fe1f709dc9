// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The SSH setup audit against real ssh-agents (holding 0, 1 and 4 keys), real key files
 * from ssh-keygen and several ~/.ssh/config layouts; then against agents that are dead,
 * not sockets, hung or broken. Every scenario is also run through the real OpenSSH
 * client, against `sshd -i` over a ProxyCommand pipe that accepts no key, and the number
 * of keys ssh actually offered must equal the audit's count.
 *
 * The agents and sshd are started by this test, by pid, and stopped by pid. Nothing
 * connects anywhere but to the Unix sockets and pipes made here. The cross-check with
 * the real client needs root (a private mount namespace shows it our home as /root and
 * hides /etc/ssh/ssh_config); CI runs as root.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "core/bw-audit.h"

#define AGENT_START_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define HOST "sv1234.xserver.jp"

typedef struct {
  GSubprocess *process;
  char        *socket;
} Agent;

static char *tmp_dir;
static char *home;
static char *ssh_dir;
static char *keys_dir;
static Agent agents[3];   /* holding 0, 1 and 4 keys */

/* ---- Helpers ---- */

static char *
find_program (const char *name)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    g_error ("%s is missing: install openssh-client (tools/deps.sh)", name);
  return path;
}

static void
run_or_die (const char * const *argv,
            const char         *auth_sock)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) std_err = NULL;
  g_autoptr(GError) error = NULL;

  if (auth_sock != NULL)
    g_subprocess_launcher_setenv (launcher, "SSH_AUTH_SOCK", auth_sock, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, NULL, &std_err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("%s failed: %.*s", argv[0], (int) g_bytes_get_size (std_err),
             (const char *) g_bytes_get_data (std_err, NULL));
}

static void
keygen (const char *path,
        const char *type,
        const char *comment)
{
  g_autofree char *program = find_program ("ssh-keygen");
  const char *argv[] = { program, "-q", "-t", type, "-N", "", "-C", comment, "-f", path, NULL };

  run_or_die (argv, NULL);
}

/* If this test dies (a failed assertion aborts it), its agents die with it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_agent (Agent      *agent,
             const char *name,
             const char * const *key_paths)
{
  g_autofree char *program = find_program ("ssh-agent");
  g_autofree char *add = find_program ("ssh-add");
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  agent->socket = g_build_filename (tmp_dir, name, NULL);
  {
    const char *argv[] = { program, "-D", "-a", agent->socket, NULL };
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    agent->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
    g_assert_no_error (error);
  }

  /* Bounded wait for the socket. */
  deadline = g_get_monotonic_time () + AGENT_START_TIMEOUT_US;
  while (!g_file_test (agent->socket, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("ssh-agent did not create %s within 10 s", agent->socket);
      g_usleep (20 * 1000);
    }

  for (guint i = 0; key_paths[i] != NULL; i++)
    {
      const char *argv[] = { add, "-q", key_paths[i], NULL };
      run_or_die (argv, agent->socket);
    }
}

static void
stop_agent (Agent *agent)
{
  if (agent->process == NULL)
    return;
  /* By pid, through the handle we spawned: never by name. */
  g_subprocess_send_signal (agent->process, SIGTERM);
  g_subprocess_wait (agent->process, NULL, NULL);
  g_clear_object (&agent->process);
  g_clear_pointer (&agent->socket, g_free);
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

static char *
key_path (const char *dir,
          const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *site = NULL, *ak1 = NULL, *ak2 = NULL, *ak3 = NULL, *ca = NULL;
  g_autofree char *id_ed25519 = NULL, *id_ecdsa = NULL, *id_dsa = NULL, *id_pub = NULL;

  tmp_dir = g_dir_make_tmp ("bw-test-audit-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (tmp_dir, "home", NULL);
  ssh_dir = g_build_filename (home, ".ssh", NULL);
  keys_dir = g_build_filename (tmp_dir, "keys", NULL);
  g_assert_cmpint (g_mkdir_with_parents (ssh_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (keys_dir, 0700), ==, 0);

  site = key_path (ssh_dir, "site_key");
  ak1 = key_path (keys_dir, "agent1");
  ak2 = key_path (keys_dir, "agent2");
  ak3 = key_path (keys_dir, "agent3");
  ca = key_path (keys_dir, "ca");
  id_ed25519 = key_path (ssh_dir, "id_ed25519");
  id_ecdsa = key_path (ssh_dir, "id_ecdsa");
  id_dsa = key_path (ssh_dir, "id_dsa");

  keygen (site, "ed25519", "site-key");
  keygen (ak1, "ed25519", "laptop-1");
  keygen (ak2, "ed25519", "laptop-2");
  keygen (ak3, "ecdsa", "laptop-3");
  keygen (ca, "ed25519", "test-ca");
  keygen (id_ed25519, "ed25519", "default-ed25519");
  keygen (id_ecdsa, "ecdsa", "default-ecdsa");
  keygen (id_dsa, "dsa", "default-dsa");

  /* A certificate next to id_ed25519: ssh offers it as one more identity. */
  id_pub = g_strconcat (id_ed25519, ".pub", NULL);
  {
    g_autofree char *program = find_program ("ssh-keygen");
    const char *argv[] = { program, "-q", "-s", ca, "-I", "test", "-n", "web1234", id_pub, NULL };
    run_or_die (argv, NULL);
  }

  {
    const char * const none[] = { NULL };
    const char * const one[] = { site, NULL };
    const char * const four[] = { ak1, ak2, ak3, site, NULL };

    start_agent (&agents[0], "agent0.sock", none);
    start_agent (&agents[1], "agent1.sock", one);
    start_agent (&agents[2], "agent4.sock", four);
  }
}

static void
teardown (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (agents); i++)
    stop_agent (&agents[i]);
  remove_tree (tmp_dir);
}

static const char *
agent_socket (int agent)
{
  switch (agent)
    {
    case 0:
      return agents[0].socket;
    case 1:
      return agents[1].socket;
    case 4:
      return agents[2].socket;
    default:
      return NULL;
    }
}

static void
write_config (const char *text)
{
  g_autofree char *path = g_build_filename (ssh_dir, "config", NULL);
  g_autoptr(GError) error = NULL;

  if (text == NULL)
    {
      g_unlink (path);
      return;
    }
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

/* ---- The agent client ---- */

static void
test_agent_lists_keys (void)
{
  const guint counts[] = { 0, 1, 4 };

  for (guint i = 0; i < G_N_ELEMENTS (agents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = bw_agent_list_keys (agents[i].socket, 0, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (keys->len, ==, counts[i]);
      for (guint j = 0; j < keys->len; j++)
        {
          BwAgentKey *key = g_ptr_array_index (keys, j);

          g_assert_true (g_str_has_prefix (key->fingerprint, "SHA256:"));
          g_assert_true (g_str_equal (key->type, "ssh-ed25519") || g_str_has_prefix (key->type, "ecdsa-sha2-"));
        }
      if (counts[i] == 4)
        {
          g_assert_cmpstr (((BwAgentKey *) g_ptr_array_index (keys, 0))->comment, ==, "laptop-1");
          g_assert_cmpstr (((BwAgentKey *) g_ptr_array_index (keys, 3))->comment, ==, "site-key");
        }
    }
}

/* The fingerprint must be the one ssh-keygen prints. */
static void
test_agent_fingerprint (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = bw_agent_list_keys (agents[1].socket, 0, &error);
  g_autofree char *program = find_program ("ssh-keygen");
  g_autofree char *site = key_path (ssh_dir, "site_key.pub");
  g_autofree char *std_out = NULL;
  const char *argv[] = { program, "-l", "-E", "sha256", "-f", site, NULL };
  int status = 0;

  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &std_out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (std_out, ((BwAgentKey *) g_ptr_array_index (keys, 0))->fingerprint));
}

/* A server the test controls, speaking (or not) the agent protocol. */
typedef struct {
  int           fd;
  const guint8 *reply;
  gsize         reply_length;
} FakeAgent;

static gpointer
fake_agent_thread (gpointer data)
{
  FakeAgent *fake = data;
  int client = accept (fake->fd, NULL, NULL);
  guint8 request[5];

  if (client >= 0)
    {
      if (recv (client, request, sizeof request, MSG_WAITALL) == sizeof request &&
          request[4] == 11 && fake->reply_length > 0)
        g_assert_cmpint (send (client, fake->reply, fake->reply_length, MSG_NOSIGNAL), ==, (ssize_t) fake->reply_length);
      close (client);
    }
  return NULL;
}

static int
listen_at (const char *path,
           gboolean    keep_listening)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (path), <, sizeof address.sun_path);
  strcpy (address.sun_path, path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (listen (fd, 4), ==, 0);
  if (!keep_listening)
    {
      close (fd);
      return -1;
    }
  return fd;
}

typedef struct {
  const char  *name;
  guint8       reply[16];
  gsize        reply_length;
  int          code;
  const char  *message;
} FakeCase;

static const FakeCase fake_cases[] = {
  { "failure", { 0, 0, 0, 1, 5 }, 5, BW_AGENT_ERROR_PROTOCOL, "refused to list its keys" },
  { "wrong-type", { 0, 0, 0, 1, 99 }, 5, BW_AGENT_ERROR_PROTOCOL, "message type 99" },
  { "huge-count", { 0, 0, 0, 5, 12, 0xff, 0xff, 0xff, 0xff }, 9, BW_AGENT_ERROR_PROTOCOL, "malformed key list" },
  { "truncated-key", { 0, 0, 0, 9, 12, 0, 0, 0, 1, 0, 0, 0, 50 }, 13, BW_AGENT_ERROR_PROTOCOL, "malformed key list" },
  { "huge-length", { 0x7f, 0xff, 0xff, 0xff }, 4, BW_AGENT_ERROR_PROTOCOL, "not plausible" },
  { "closes", { 0 }, 0, BW_AGENT_ERROR_PROTOCOL, "closed the connection before answering" },
};

static void
test_agent_broken (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fake_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/fake-%u.sock", tmp_dir, i);
      FakeAgent fake = { listen_at (path, TRUE), fake_cases[i].reply, fake_cases[i].reply_length };
      GThread *thread = g_thread_new ("fake-agent", fake_agent_thread, &fake);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = bw_agent_list_keys (path, 2000, &error);

      g_test_message ("fake agent: %s", fake_cases[i].name);
      g_thread_join (thread);
      close (fake.fd);
      g_assert_null (keys);
      g_assert_error (error, BW_AGENT_ERROR, fake_cases[i].code);
      g_assert_nonnull (strstr (error->message, fake_cases[i].message));
      g_assert_nonnull (strstr (error->message, path));
    }
}

static void
test_agent_dead (void)
{
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.sock", NULL);
  g_autofree char *regular = g_build_filename (tmp_dir, "regular-file", NULL);
  g_autofree char *dead = g_build_filename (tmp_dir, "dead.sock", NULL);
  g_autofree char *hung = g_build_filename (tmp_dir, "hung.sock", NULL);
  struct {
    const char *path;
    int         code;
    const char *message;
  } cases[] = {
    { NULL, BW_AGENT_ERROR_NO_SOCKET, "SSH_AUTH_SOCK is not set" },
    { "", BW_AGENT_ERROR_NO_SOCKET, "SSH_AUTH_SOCK is not set" },
    { missing, BW_AGENT_ERROR_NOT_FOUND, "does not exist" },
    { regular, BW_AGENT_ERROR_NOT_SOCKET, "is not a socket" },
    { dead, BW_AGENT_ERROR_CONNECT, "Nobody listens" },
    { hung, BW_AGENT_ERROR_TIMEOUT, "did not answer in time" },
  };
  int hung_fd;

  g_file_set_contents (regular, "not a socket", -1, NULL);
  listen_at (dead, FALSE);
  hung_fd = listen_at (hung, TRUE);   /* listens, never accepts, never answers */

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) keys = bw_agent_list_keys (cases[i].path, 300, &error);
      gint64 elapsed = g_get_monotonic_time () - start;

      g_test_message ("dead agent %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (keys);
      g_assert_error (error, BW_AGENT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message));
      /* No hang: the 300 ms deadline holds, with room for a slow machine. */
      g_assert_cmpint (elapsed, <, 2 * G_USEC_PER_SEC);
    }
  close (hung_fd);

  /* The audit goes on without the agent, like ssh, and says why. */
  {
    BwAuditParams params = { .host = HOST, .home_dir = home, .auth_sock = hung, .agent_timeout_ms = 300 };
    g_autoptr(GError) error = NULL;
    g_autoptr(BwAuditReport) report = NULL;
    g_autofree char *text = NULL;

    write_config (NULL);
    g_unlink (hung);
    hung_fd = listen_at (hung, TRUE);
    report = bw_audit_run (&params, &error);
    close (hung_fd);
    g_assert_no_error (error);
    g_assert_error (report->agent_error, BW_AGENT_ERROR, BW_AGENT_ERROR_TIMEOUT);
    g_assert_cmpuint (report->attempts, ==, 3);
    text = bw_audit_report_format (report);
    g_assert_nonnull (strstr (text, "did not answer in time"));
  }
}

/* ---- Scenarios ---- */

typedef struct {
  const char *name;
  const char *config;        /* NULL: no ~/.ssh/config */
  int         agent;         /* 0, 1, 4; -1: SSH_AUTH_SOCK unset */
  guint       attempts;
  const char *risk;
  int         after_fix;
  const char *offered[8];    /* the labels' last path element (agent keys: the comment) */
  guint       not_offered;
  const char *note;          /* a substring of one note, or NULL */
} Scenario;

static const Scenario scenarios[] = {
  { "no-config/agent-0", NULL, 0, 3, "high", 1,
    { "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 1, NULL },
  { "no-config/agent-1", NULL, 1, 4, "high", 1,
    { "site-key", "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 1, NULL },
  { "no-config/agent-4", NULL, 4, 7, "high", 1,
    { "laptop-1", "laptop-2", "laptop-3", "site-key", "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 1, NULL },
  { "no-config/no-agent", NULL, -1, 3, "high", 1,
    { "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 1, "SSH_AUTH_SOCK is not set" },
  { "identity-file/agent-0", "Host " HOST "\n    IdentityFile ~/.ssh/site_key\n", 0, 1, "none", 1,
    { "site_key" }, 0, NULL },
  /* The agent holds the configured key: one key, offered once. */
  { "identity-file/agent-1", "Host " HOST "\n    IdentityFile ~/.ssh/site_key\n", 1, 1, "none", 1,
    { "site_key" }, 0, NULL },
  { "identity-file/agent-4", "Host " HOST "\n    IdentityFile ~/.ssh/site_key\n", 4, 4, "high", 1,
    { "site_key", "laptop-1", "laptop-2", "laptop-3" }, 0, NULL },
  { "identities-only/agent-4", "Host " HOST "\n    IdentityFile ~/.ssh/site_key\n    IdentitiesOnly yes\n", 4, 1, "none", 1,
    { "site_key" }, 3, NULL },
  { "identity-agent-none/agent-4", "Host " HOST "\n    IdentityAgent none\n", 4, 3, "high", 1,
    { "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 1, "IdentityAgent none" },
  /* Host * comes first: its IdentityFile is added to the host's, and the fix cannot undo that. */
  { "host-star/agent-4",
    "Host *\n    IdentityFile ~/.ssh/id_ecdsa\n    IdentitiesOnly yes\n\nHost " HOST "\n    IdentityFile ~/.ssh/site_key\n",
    4, 2, "medium", 2, { "site_key", "id_ecdsa" }, 3, "Even with this block ssh would offer 2 keys" },
  { "host-star-identities-only/agent-4", "Host *\n    IdentitiesOnly yes\n", 4, 3, "high", 1,
    { "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 5, NULL },
  { "other-host/agent-1", "Host other.example\n    IdentityFile ~/.ssh/site_key\n    IdentitiesOnly yes\n", 1, 4, "high", 1,
    { "site-key", "id_ecdsa", "id_ed25519", "id_ed25519-cert.pub" }, 1, NULL },
  { "missing-identity-file/agent-0", "Host " HOST "\n    IdentityFile ~/.ssh/missing_key\n", 0, 0, "none", 1,
    { NULL }, 0, "does not exist" },
};

static const char *
last_element (const char *label)
{
  const char *slash = strrchr (label, '/');
  return slash != NULL ? slash + 1 : label;
}

static BwAuditReport *
run_scenario (const Scenario *s)
{
  g_autofree char *site = key_path (ssh_dir, "site_key");
  BwAuditParams params = {
    .host = HOST,
    .home_dir = home,
    .auth_sock = agent_socket (s->agent),
    .local_user = "localuser",
    .site_host = HOST,
    .site_port = 10022,
    .site_user = "web1234",
    .key_path = site,
  };
  g_autoptr(GError) error = NULL;
  BwAuditReport *report;

  write_config (s->config);
  report = bw_audit_run (&params, &error);
  g_assert_no_error (error);
  return report;
}

static void
test_scenario (gconstpointer data)
{
  const Scenario *s = data;
  g_autoptr(BwAuditReport) report = run_scenario (s);
  g_autofree char *text = bw_audit_report_format (report);
  /* The key is inside the audited home: the block names it as people do, "~/…". */
  const char *fix = "Host " HOST "\n"
                    "    HostName " HOST "\n"
                    "    Port 10022\n"
                    "    User web1234\n"
                    "    IdentityFile ~/.ssh/site_key\n"
                    "    IdentitiesOnly yes\n"
                    "    IdentityAgent none\n"
                    "    BatchMode yes\n"
                    "    ConnectTimeout 10\n";
  guint offered = 0, not_offered = 0;

  g_test_message ("%s", text);
  g_assert_null (report->agent_error);
  g_assert_cmpuint (report->attempts, ==, s->attempts);
  g_assert_cmpstr (bw_audit_risk_to_string (report->risk), ==, s->risk);
  g_assert_cmpint (report->exceeds_max_auth_tries, ==, s->attempts > 6);
  g_assert_cmpstr (report->fix, ==, fix);
  g_assert_cmpint (report->attempts_after_fix, ==, s->after_fix);

  for (guint i = 0; i < report->keys->len; i++)
    {
      const BwAuditKey *key = g_ptr_array_index (report->keys, i);

      if (!key->offered)
        {
          g_assert_nonnull (key->reason);
          not_offered++;
          continue;
        }
      g_assert_null (key->reason);
      g_assert_nonnull (s->offered[offered]);
      g_assert_cmpstr (last_element (key->label), ==, s->offered[offered]);
      offered++;
    }
  g_assert_cmpuint (offered, ==, s->attempts);
  g_assert_cmpuint (not_offered, ==, s->not_offered);

  if (s->note != NULL)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < report->notes->len && !found; i++)
        found = strstr (g_ptr_array_index (report->notes, i), s->note) != NULL;
      g_assert_true (found);
    }

  /* The text a person reads carries the count, the risk and the fix. */
  if (s->attempts > 1)
    {
      g_autofree char *count = g_strdup_printf ("would offer %u keys", s->attempts);
      g_assert_nonnull (strstr (text, count));
    }
  g_assert_nonnull (strstr (text, fix));
  if (s->attempts > 6)
    g_assert_nonnull (strstr (text, "Only the first 6 keys"));
  if (g_str_equal (s->risk, "high"))
    g_assert_nonnull (strstr (text, "High risk"));

  {
    g_autoptr(JsonNode) json = bw_audit_report_to_json (report);
    JsonObject *object = json_node_get_object (json);

    g_assert_cmpint (json_object_get_int_member (object, "attempts"), ==, s->attempts);
    g_assert_cmpstr (json_object_get_string_member (object, "risk"), ==, s->risk);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "keys")), ==,
                      report->keys->len);
  }
}

/* ---- The real client ---- */

static const char sshd_config[] =
  "AuthorizedKeysFile none\n"
  "StrictModes no\n"
  "UsePAM no\n"
  "PasswordAuthentication no\n"
  "KbdInteractiveAuthentication no\n"
  "MaxAuthTries 50\n"
  "PidFile none\n"
  "LogLevel ERROR\n";

/* How many keys the real ssh offers: sshd accepts none, so each one is tried and
 * answered with a failure. Each failure prints "Authentications that can continue"; so
 * does the answer to the initial "none" request, which is not a key. */
static guint
count_real_offers (const Scenario *s)
{
  g_autofree char *sshd_dir = g_build_filename (tmp_dir, "sshd", NULL);
  g_autofree char *host_key = g_build_filename (sshd_dir, "host_key", NULL);
  g_autofree char *config = g_build_filename (sshd_dir, "sshd_config", NULL);
  g_autofree char *empty = g_build_filename (sshd_dir, "empty", NULL);
  g_autofree char *proxy = NULL;
  g_autofree char *inner = NULL;
  g_autofree char *quoted_home = g_shell_quote (home);
  g_autofree char *quoted_empty = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) std_err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *log = NULL;
  guint answers = 0;

  if (!g_file_test (host_key, G_FILE_TEST_EXISTS))
    {
      g_autofree char *text = g_strdup_printf ("HostKey %s\n%s", host_key, sshd_config);

      g_assert_cmpint (g_mkdir_with_parents (sshd_dir, 0700), ==, 0);
      keygen (host_key, "ed25519", "host");
      g_file_set_contents (config, text, -1, &error);
      g_assert_no_error (error);
      g_file_set_contents (empty, "", -1, &error);
      g_assert_no_error (error);
    }
  quoted_empty = g_shell_quote (empty);

  /* sshd needs /run/sshd, which must not be created on the host: a private tmpfs. */
  proxy = g_strdup_printf ("unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /run && "
                           "mkdir /run/sshd && exec /usr/sbin/sshd -i -f %s'", config);
  /* The client sees our home as /root (ssh takes ~ from the password database, not
   * $HOME) and no system-wide configuration. */
  {
    g_autofree char *quoted_proxy = g_shell_quote (proxy);

    inner = g_strdup_printf ("mount --bind %s /root && mount --bind %s /etc/ssh/ssh_config && "
                             "exec ssh -v -o ProxyCommand=%s -o StrictHostKeyChecking=no "
                             "-o UserKnownHostsFile=/dev/null -o BatchMode=yes -p 10022 -l root "
                             HOST " true",
                             quoted_home, quoted_empty, quoted_proxy);
  }

  {
    const char *argv[] = { "unshare", "-m", "--propagation", "private", "sh", "-c", inner, NULL };

    if (s->agent >= 0)
      g_subprocess_launcher_setenv (launcher, "SSH_AUTH_SOCK", agent_socket (s->agent), TRUE);
    else
      g_subprocess_launcher_unsetenv (launcher, "SSH_AUTH_SOCK");
    process = g_subprocess_launcher_spawnv (launcher, argv, &error);
    g_assert_no_error (error);
  }
  g_subprocess_communicate (process, NULL, NULL, NULL, &std_err, &error);
  g_assert_no_error (error);

  log = g_strndup (g_bytes_get_data (std_err, NULL), g_bytes_get_size (std_err));
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "debug1: Authentications that can continue:"))
      answers++;

  if (answers == 0)
    g_error ("the real ssh did not reach authentication:\n%s", log);
  return answers - 1;
}

static void
test_real_client (void)
{
  if (geteuid () != 0)
    g_error ("this cross-check needs root (a private mount namespace for sshd -i); CI runs as root");
  if (!g_file_test ("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE))
    g_error ("/usr/sbin/sshd is missing: install openssh-server (tools/deps.sh)");

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      const Scenario *s = &scenarios[i];
      g_autoptr(BwAuditReport) report = run_scenario (s);
      guint real = count_real_offers (s);

      g_test_message ("%s: audit %u, real ssh %u", s->name, report->attempts, real);
      g_assert_cmpuint (real, ==, report->attempts);

      /* And with the suggested block at the top of the same configuration. */
      {
        g_autofree char *fixed = g_strconcat (report->fix, "\n", s->config != NULL ? s->config : "", NULL);
        Scenario with_fix = *s;
        guint real_fixed;

        with_fix.config = fixed;
        write_config (fixed);
        real_fixed = count_real_offers (&with_fix);
        g_test_message ("%s with the fix: audit %d, real ssh %u", s->name, report->attempts_after_fix, real_fixed);
        g_assert_cmpint ((int) real_fixed, ==, report->attempts_after_fix);
      }
    }
}

static void
test_params (void)
{
  BwAuditParams none = { NULL };
  BwAuditParams no_home = { .host = HOST };
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_config = g_build_filename (tmp_dir, "bad-config", NULL);
  BwAuditParams unreadable = { .host = HOST, .home_dir = home, .config_path = bad_config };

  g_assert_null (bw_audit_run (&none, &error));
  g_assert_error (error, BW_AUDIT_ERROR, BW_AUDIT_ERROR_PARAMS);
  g_clear_error (&error);
  g_assert_null (bw_audit_run (&no_home, &error));
  g_assert_error (error, BW_AUDIT_ERROR, BW_AUDIT_ERROR_PARAMS);
  g_clear_error (&error);

  /* A config that exists but is not a readable file is an error, as it is for ssh. */
  g_assert_cmpint (g_mkdir (bad_config, 0700), ==, 0);
  g_assert_null (bw_audit_run (&unreadable, &error));
  g_assert_error (error, BW_AUDIT_ERROR, BW_AUDIT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, bad_config));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  setup ();

  g_test_add_func ("/audit/agent/lists-keys", test_agent_lists_keys);
  g_test_add_func ("/audit/agent/fingerprint", test_agent_fingerprint);
  g_test_add_func ("/audit/agent/broken", test_agent_broken);
  g_test_add_func ("/audit/agent/dead", test_agent_dead);
  g_test_add_func ("/audit/params", test_params);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      g_autofree char *name = g_strconcat ("/audit/scenario/", scenarios[i].name, NULL);
      g_test_add_data_func (name, &scenarios[i], test_scenario);
    }
  g_test_add_func ("/audit/real-client", test_real_client);

  status = g_test_run ();
  teardown ();
  return status;
}
