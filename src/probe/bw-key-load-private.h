// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The libssh side of the key checker, for the probe only: everything outside probe/ uses
 * bw-key-load.h, which does not expose libssh. */

#include <libssh/libssh.h>

#include "bw-key-load.h"

G_BEGIN_DECLS

ssh_key bw_key_load (const char  *path,
                     const char  *passphrase,
                     BwKeyInfo  **out_info,
                     GError     **error);

G_END_DECLS
