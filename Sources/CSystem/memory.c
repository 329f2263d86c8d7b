// Giving back memory the daemon no longer uses: the free pages of malloc's
// heap, and its mappings of code and constants that only start-up used.
#define _GNU_SOURCE
#include "CSystem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_RANGES 512

typedef struct { unsigned long start, end; } range;

// Whether a mapping may be dropped: read-only, backed by a file, and holding
// no private copy of a page (relocated read-only data has some: dropping
// those would bring back the file's unrelocated bytes).
static int droppable(const char *perms, const char *path, long anonymous, long locked) {
    return perms[1] != 'w' && path[0] == '/' && anonymous == 0 && locked == 0;
}

long ppm_release_code_pages(void) {
    FILE *smaps = fopen("/proc/self/smaps", "re");
    if (smaps == NULL) return -1;
    range ranges[MAX_RANGES];
    int count = 0;
    char line[4096], perms[8] = "", path[4096] = "";
    unsigned long start = 0, end = 0;
    long anonymous = -1, locked = -1, rss = 0;
    long dropped = 0;
    int have = 0;
    for (;;) {
        int more = fgets(line, sizeof line, smaps) != NULL;
        unsigned long s, e;
        char p[8];
        int header = more && sscanf(line, "%lx-%lx %7s", &s, &e, p) == 3 && strchr(line, '-') < strchr(line, ' ');
        if ((header || !more) && have && droppable(perms, path, anonymous, locked) && rss > 0 && count < MAX_RANGES) {
            ranges[count++] = (range){ start, end };
            dropped += rss;
        }
        if (!more) break;
        if (header) {
            start = s;
            end = e;
            strcpy(perms, p);
            // The path is the sixth field (absent for anonymous mappings).
            path[0] = 0;
            char *slash = strchr(line, '/');
            if (slash != NULL) {
                strncpy(path, slash, sizeof path - 1);
                path[strcspn(path, "\n")] = 0;
            }
            anonymous = locked = -1;
            rss = 0;
            have = 1;
        } else if (strncmp(line, "Anonymous:", 10) == 0) {
            anonymous = strtol(line + 10, NULL, 10);
        } else if (strncmp(line, "Locked:", 7) == 0) {
            locked = strtol(line + 7, NULL, 10);
        } else if (strncmp(line, "Rss:", 4) == 0) {
            rss = strtol(line + 4, NULL, 10);
        }
    }
    fclose(smaps);
    for (int i = 0; i < count; i++) madvise((void *)ranges[i].start, ranges[i].end - ranges[i].start, MADV_DONTNEED);
    return dropped;
}
