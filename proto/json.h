/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h: a small JSON writer (objects, arrays, strings, integers, booleans) into a growing buffer, for
 * os-brick connection info and attachctl's --json output. One line, Python json.dumps spacing. Errors
 * are sticky: json_finish() returns NULL (errno ENOMEM) if any step failed. Not installed.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_DEPTH_MAX 16

struct json {
	char *buf;
	size_t len, cap;
	bool failed;
	int depth;
	bool first[JSON_DEPTH_MAX]; /* no member written yet at this depth */
};

void json_init(struct json *j);
/* @key names the member inside an object; NULL at the top level and inside arrays. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_int(struct json *j, const char *key, long long value);
void json_uint(struct json *j, const char *key, unsigned long long value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* The document (malloc'd, caller frees), or NULL with errno set. */
char *json_finish(struct json *j);

#endif
