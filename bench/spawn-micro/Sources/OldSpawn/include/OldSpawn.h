#ifndef OLD_SPAWN_H
#define OLD_SPAWN_H
#include "CSystem.h"

/// The fork()-based spawner of commit a5fceb2 (same spec, same messages).
int old_ppm_spawn(const ppm_spawn_spec *spec, pid_t *pid, char *error, size_t error_size);

#endif
