#ifndef PPM_CSYSTEM_H
#define PPM_CSYSTEM_H

/// Marks the calling process as a child subreaper (PR_SET_CHILD_SUBREAPER).
int ppm_set_child_subreaper(void);

#endif
