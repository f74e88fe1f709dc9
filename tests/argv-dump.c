// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Stands in for ssh, scp and rsync in the command builder's property test: prints the
 * argument vector it was started with, so the test can compare it with the intended one.
 *
 * Output, one record per run, in one write: argc in decimal, then argv[0] … argv[argc-1],
 * each followed by a NUL byte. The count makes empty arguments unambiguous.
 *
 * The record goes to standard output, or is appended to the file named by
 * BW_ARGV_DUMP_OUT: rsync and scp talk to their ssh over its standard output.
 *
 * Plain libc only: it is exec'd tens of thousands of times, so it must start fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main (int    argc,
      char **argv)
{
  size_t size = 32;
  char *buffer, *p;
  size_t done = 0;
  const char *out_path = getenv ("BW_ARGV_DUMP_OUT");
  int fd = STDOUT_FILENO;

  for (int i = 0; i < argc; i++)
    size += strlen (argv[i]) + 1;

  buffer = malloc (size);
  if (buffer == NULL)
    return 127;

  p = buffer + snprintf (buffer, 32, "%d", argc) + 1;
  for (int i = 0; i < argc; i++)
    {
      size_t length = strlen (argv[i]) + 1;

      memcpy (p, argv[i], length);
      p += length;
    }

  if (out_path != NULL && *out_path != '\0')
    {
      fd = open (out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        return 125;
    }

  while (done < (size_t) (p - buffer))
    {
      ssize_t written = write (fd, buffer + done, (size_t) (p - buffer) - done);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return 126;
      done += (size_t) written;
    }

  free (buffer);
  return 0;
}
