/* SPDX-License-Identifier: Apache-2.0 */
/* json.c: the JSON writer of json.h. Strings are escaped per RFC 8259; bytes >= 0x80 pass through. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

static void json_raw(struct json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		while (cap < j->len + n + 1)
			cap *= 2;
		char *nb = realloc(j->buf, cap);
		if (!nb) {
			j->failed = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void json_puts(struct json *j, const char *s)
{
	json_raw(j, s, strlen(s));
}

static void json_quoted(struct json *j, const char *s)
{
	json_raw(j, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			json_puts(j, "\\\"");
			break;
		case '\\':
			json_puts(j, "\\\\");
			break;
		case '\n':
			json_puts(j, "\\n");
			break;
		case '\t':
			json_puts(j, "\\t");
			break;
		case '\r':
			json_puts(j, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				char esc[8];
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				json_puts(j, esc);
			} else {
				json_raw(j, (const char *)p, 1);
			}
		}
	}
	json_raw(j, "\"", 1);
}

/* Separator and key before a value. */
static void json_member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		json_puts(j, ", ");
	j->first[j->depth] = false;
	if (key) {
		json_quoted(j, key);
		json_puts(j, ": ");
	}
}

static void json_open(struct json *j, const char *key, const char *bracket)
{
	json_member(j, key);
	json_puts(j, bracket);
	if (j->depth + 1 >= JSON_DEPTH_MAX) {
		j->failed = true;
		return;
	}
	j->first[++j->depth] = true;
}

static void json_close(struct json *j, const char *bracket)
{
	if (j->depth > 0)
		j->depth--;
	json_puts(j, bracket);
}

void json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, "{");
}

void json_object_end(struct json *j)
{
	json_close(j, "}");
}

void json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, "[");
}

void json_array_end(struct json *j)
{
	json_close(j, "]");
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_member(j, key);
	json_quoted(j, value ? value : "");
}

void json_int(struct json *j, const char *key, long long value)
{
	char num[32];
	snprintf(num, sizeof(num), "%lld", value);
	json_member(j, key);
	json_puts(j, num);
}

void json_uint(struct json *j, const char *key, unsigned long long value)
{
	char num[32];
	snprintf(num, sizeof(num), "%llu", value);
	json_member(j, key);
	json_puts(j, num);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_member(j, key);
	json_puts(j, value ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	json_puts(j, "null");
}

char *json_finish(struct json *j)
{
	if (j->failed || !j->buf) {
		free(j->buf);
		j->buf = NULL;
		errno = ENOMEM;
		return NULL;
	}
	char *out = j->buf;
	j->buf = NULL;
	return out;
}
