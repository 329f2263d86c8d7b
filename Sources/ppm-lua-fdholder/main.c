// ppm-lua-fdholder SOCKET [IDLE_SECONDS]: the fd holder the daemon starts
// (see Sources/CSystem/fdholder.c). A C program of its own so that the
// process holding the pipes costs about a megabyte, not a Swift runtime.
#include <stdlib.h>

#include "CSystem.h"

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int idle = argc > 2 ? atoi(argv[2]) : 600;
    return ppm_fdholder_main(argv[1], idle > 0 ? idle : 600);
}
