// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bw-ssh-config.h"

/*
 * libFuzzer target for the ssh_config reader: load, list every host and skip entry, and
 * resolve a few names, some taken from the input itself.
 *
 * The input is untrusted, so it must not be able to make the parser open anything: the
 * load runs with BW_SSH_CONFIG_FLAGS_NO_INCLUDE (Include lines become skip entries), and
 * the context names a home directory that does not exist and a fixed environment, so
 * neither g_get_home_dir () nor the real environment is consulted.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -I<dir with config.h> -Isrc src/core/bw-ssh-config.c tests/fuzz/fuzz-ssh-config.c \
 *     $(pkg-config --cflags --libs glib-2.0 gio-2.0) -o fuzz-ssh-config
 *   G_DEBUG=fatal-criticals ./fuzz-ssh-config -max_total_time=60 tests/fuzz/corpus-ssh-config
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static const char * const fuzz_environment[] = {
  "HOME=/nonexistent/banwatch-fuzz-home",
  "KEYDIR=/keys",
  "SSH_AUTH_SOCK=/run/agent.sock",
  NULL
};

/* Reads every byte ASan should see: a string the parser handed out must be whole. */
static size_t
touch (const char *text)
{
  return text != NULL ? strlen (text) : 0;
}

static size_t
touch_host (const BwSshConfigHost *host)
{
  size_t total = touch (host->alias) + touch (host->hostname) + touch (host->user) +
                 touch (host->identity_agent) + touch (host->proxy_jump) +
                 touch (host->proxy_command) + touch (host->source_file) + host->port;

  for (guint i = 0; i < host->identity_files->len; i++)
    total += touch (g_ptr_array_index (host->identity_files, i));
  for (guint i = 0; i < host->tried_identity_files->len; i++)
    total += touch (g_ptr_array_index (host->tried_identity_files, i));
  for (guint i = 0; i < host->notes->len; i++)
    total += touch (g_ptr_array_index (host->notes, i));

  return total;
}

static void
resolve_and_touch (BwSshConfig *config,
                   const char  *name,
                   size_t      *total)
{
  g_autoptr(BwSshConfigHost) host = NULL;

  if (name == NULL || *name == '\0')
    return;
  host = bw_ssh_config_resolve (config, name);
  *total += touch_host (host);
}

static void
run (const uint8_t    *data,
     size_t            size,
     BwSshConfigFlags  flags)
{
  BwSshConfigContext ctx = {
    .home_dir = "/nonexistent/banwatch-fuzz-home",
    .local_user = "fuzz",
    .local_host = "fuzzbox.example.org",
    .envp = (char **) fuzz_environment,
    .flags = BW_SSH_CONFIG_FLAGS_NO_INCLUDE | flags,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  g_autofree char *tail = NULL;
  GPtrArray *hosts;
  GPtrArray *skipped;
  size_t total = 0;
  size_t tail_start;

  config = bw_ssh_config_load_data ((const char *) data, (gssize) size, "fuzz.conf", &ctx, &error);
  if (config == NULL)
    {
      /* Only these two can fail a load without Include; both must say where. */
      g_assert_true (g_error_matches (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_SYNTAX));
      g_assert_nonnull (strstr (error->message, "fuzz.conf line "));
      return;
    }
  g_assert_no_error (error);

  hosts = bw_ssh_config_get_hosts (config);
  for (guint i = 0; i < hosts->len; i++)
    total += touch_host (g_ptr_array_index (hosts, i));

  skipped = bw_ssh_config_get_skipped (config);
  for (guint i = 0; i < skipped->len; i++)
    {
      const BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);

      g_assert_true (g_utf8_validate (skip->text, -1, NULL));
      total += touch (skip->file) + touch (skip->text) + touch (skip->reason);
    }

  /* Names from the input: the first alias (again), and the input's last bytes, which
   * may hold wildcards, "!", "%", "~" or anything else. */
  if (hosts->len > 0)
    resolve_and_touch (config, ((const BwSshConfigHost *) g_ptr_array_index (hosts, 0))->alias, &total);
  tail_start = size > 24 ? size - 24 : 0;
  tail = g_strndup ((const char *) data + tail_start, size - tail_start);
  resolve_and_touch (config, tail, &total);
  resolve_and_touch (config, "fuzz.example.jp", &total);
  resolve_and_touch (config, "*", &total);

  /* Keep the reads from being optimised away. */
  g_assert_cmpuint (total, !=, (size_t) -1);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  run (data, size, BW_SSH_CONFIG_FLAGS_NONE);
  run (data, size, BW_SSH_CONFIG_FLAGS_STRICT);

  return 0;
}
