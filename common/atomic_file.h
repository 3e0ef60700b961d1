/* Replacing a file all at once: readers see the old contents or the new,
 * never a part, and a crash leaves no half-written file (key files, the
 * client's trust and state files). */
#ifndef RC_ATOMIC_FILE_H
#define RC_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to path through a temporary file in the same folder (created
 * 0600, set to mode, fsync'd, then renamed; the folder is fsync'd too).
 * RC_ERR_EXISTS when path exists and !force (then nothing is ever
 * overwritten, even by a file appearing meanwhile), RC_ERR_IO; err (may be
 * NULL) names the file and the reason. */
int atomic_file_write(const char *path, const uint8_t *data, size_t len, unsigned mode, int force, char *err,
                      size_t errlen);

#endif
