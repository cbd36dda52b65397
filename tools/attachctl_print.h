/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_print.h: attachctl's output, shared by attachctl.c (runs the call) and attachctl_print.c (formats
 * the result). Plain text is for people and simple scripts; --json is for programs. Every function
 * writes one complete document (JSON on one line) and returns 0 or a negative errno (-ENOMEM from the
 * JSON writer, -EIO when @out reports an error).
 */
#ifndef ATTACHCTL_PRINT_H
#define ATTACHCTL_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "attach.h"

#ifndef ATTACHD_VERSION
#define ATTACHD_VERSION "0.1.0"
#endif

/* An id printed alone, or {"@key": "@id"}. */
int actl_print_id(FILE *out, bool json, const char *key, const char *id);
/* A size in bytes alone, or {"size": N}. */
int actl_print_size(FILE *out, bool json, uint64_t size);
/* Nothing, or {} so that every --json success is a JSON document. */
int actl_print_done(FILE *out, bool json);
/* reconcile: its lines, then the summary; or {"steps": [...], "summary": "..."}. */
int actl_print_report(FILE *out, bool json, const char *const *steps, size_t n, const char *summary);
/* A dry run's steps, one per line, or {"plan": [...]}. */
int actl_print_plan(FILE *out, bool json, const char *const *steps, size_t n);
/* initialize-connection: key=value lines, or attach_conninfo_json()'s document. */
int actl_print_conninfo(FILE *out, bool json, const struct attach_conninfo *ci);
int actl_print_volume_list(FILE *out, bool json, const struct attach_volume_info *vols, size_t n);
int actl_print_volume_show(FILE *out, bool json, const struct attach_volume_info *v);
/* stats (attachctl_stats.c): text, JSON, or the Prometheus text exposition format. */
enum actl_format { ACTL_FORMAT_TEXT, ACTL_FORMAT_JSON, ACTL_FORMAT_PROMETHEUS };
int actl_print_stats(FILE *out, enum actl_format format, const struct attach_stats *s);

#endif
