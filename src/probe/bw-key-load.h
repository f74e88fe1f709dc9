// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-key-check.h"

G_BEGIN_DECLS

/* bw_key_inspect(), then decrypting and loading the key with libssh. Outside the libssh
 * library (the tray app), `banwatch key-check` runs it in a child process. */
BwKeyInfo  *bw_key_check     (const char  *path,
                              const char  *passphrase,
                              GError     **error);

G_END_DECLS
