// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BwKeyError:
 *
 * Why a private key cannot be used. Every code maps to the `key-unusable` observation
 * (DESIGN.md §2); the message names the file and, where there is one, the fix.
 */
typedef enum {
  BW_KEY_ERROR_NOT_FOUND,
  BW_KEY_ERROR_NOT_READABLE,
  BW_KEY_ERROR_NOT_REGULAR,          /* directory, device, fifo, socket */
  BW_KEY_ERROR_TOO_LARGE,
  BW_KEY_ERROR_TOO_OPEN,             /* group/other permission bits (mode & 077), like OpenSSH */
  BW_KEY_ERROR_PUBLIC_KEY,
  BW_KEY_ERROR_UNSUPPORTED_FORMAT,   /* PuTTY, SSH2 public, several keys in one file, garbage */
  BW_KEY_ERROR_UNSUPPORTED_TYPE,     /* dsa, sk-*, certificates, unknown, RSA < 1024 bits */
  BW_KEY_ERROR_UNSUPPORTED_CIPHER,   /* incl. aes*-gcm@openssh.com, chacha20-poly1305@openssh.com,
                                        unknown KDFs and absurd bcrypt round counts */
  BW_KEY_ERROR_CORRUPT,
  BW_KEY_ERROR_PASSPHRASE_REQUIRED,
  BW_KEY_ERROR_WRONG_PASSPHRASE,
} BwKeyError;

#define BW_KEY_ERROR (bw_key_error_quark ())
GQuark bw_key_error_quark (void);

/* A private key is a few KiB at most; anything bigger is the wrong file. */
#define BW_KEY_MAX_FILE_SIZE   (64 * 1024)
/* The bcrypt KDF costs about 6.5 ms per round here and runs before every probe; OpenSSH's
 * default is 16. The cap also stops a damaged round count from hanging a probe for days. */
#define BW_KEY_MAX_KDF_ROUNDS  1024
#define BW_KEY_MIN_RSA_BITS    1024

/**
 * BwKeyInfo:
 * @path: the path as given
 * @type: the SSH key type name, e.g. "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa";
 *   %NULL when bw_key_inspect() cannot tell (encrypted PEM/PKCS#8 files)
 * @format: "openssh", "pem" or "pkcs8"
 * @cipher: "none", the OpenSSH cipher name, the PEM DEK-Info algorithm, or "pkcs8-encrypted"
 * @encrypted: whether a passphrase is needed
 * @bits: 256 for ed25519, the curve size for ECDSA, the modulus size for RSA; 0 when unknown
 * @fingerprint: "SHA256:…" of the public key, as `ssh-keygen -lf` prints it; %NULL when unknown
 *
 * What a local check learned about a private key file. Fields left unknown by
 * bw_key_inspect() are filled in by bw_key_load().
 */
typedef struct {
  char     *path;
  char     *type;
  char     *format;
  char     *cipher;
  gboolean  encrypted;
  guint     bits;
  char     *fingerprint;
} BwKeyInfo;

void        bw_key_info_free (BwKeyInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwKeyInfo, bw_key_info_free)

const char *bw_key_error_to_string   (int          code);
gboolean    bw_key_error_from_string (const char  *word,
                                      BwKeyError  *out_code);

BwKeyInfo  *bw_key_inspect   (const char  *path,
                              GError     **error);


G_END_DECLS
