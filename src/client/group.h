/* SPDX-License-Identifier: MIT */
/* group - flow groups, for tests (group.c). */
#ifndef KPERF_GROUP_H
#define KPERF_GROUP_H

#include "client/lib.h"

/* The group's options in force (checked); "group NAME: " before errors. */
int group_opts(struct kperf_group *g, struct opts *o);

#endif
