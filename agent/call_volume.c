/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call_volume.c: the registry: volume-create, volume-delete, volume-list, volume-show.
 * A volume is a block device attachd may export; the devices index (canonical path, and major:minor
 * checked against the live device) keeps one volume per device, since iblock opens devices exclusively.
 */
#include "calls.h"

#include "blkdev.h"
#include "dmdev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void call_rdev_key(char *key, size_t size, unsigned maj, unsigned min)
{
	snprintf(key, size, "rdev:%u:%u", maj, min);
}

/* Best effort: a device that cannot be opened now still has a size of 0 in its record. */
static uint64_t call_device_size(const char *path)
{
	uint64_t size = 0;
	return blkdev_size(path, &size) ? 0 : size;
}

/* Is @dev (canonical path, @st) already some volume's, or one of attachd's own export devices? The index
 * is by device number (paths can be long, and several paths lead to one device). */
static int call_device_taken(struct call_ctx *ctx, const char *dev, const struct stat *st)
{
	struct store *s = ctx->a->store;
	char other[ATTACH_UUID_LEN + 1], key[64], uuid[160];
	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);
	if (blkdev_dm_uuid(maj, min, uuid, sizeof(uuid)) == 0 &&
	    !strncmp(uuid, DMDEV_UUID_PREFIX, strlen(DMDEV_UUID_PREFIX)))
		return ctx_fail(ctx, -EBUSY, "device %s is attachd's own export device of volume %s", dev,
				uuid + strlen(DMDEV_UUID_PREFIX));
	call_rdev_key(key, sizeof(key), maj, min);
	int rc = store_get_str(s, ctx->txn, STORE_DEVICES, key, other, sizeof(other));
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	/* device numbers can be reused after a reboot: only the same path or a live match counts */
	struct rec_volume v;
	struct stat ost;
	if (store_get(s, ctx->txn, STORE_VOLUMES, other, &v) == 0 &&
	    (!strcmp(v.device, dev) || (stat(v.device, &ost) == 0 && S_ISBLK(ost.st_mode) && ost.st_rdev == st->st_rdev)))
		return ctx_fail(ctx, -EBUSY, "device %s (%u:%u) is already volume %s through %s", dev, maj, min, other,
				v.device);
	return 0;
}

int call_volume_create(struct call_ctx *ctx)
{
	struct nlattr **tb = ctx->tb;
	struct store *s = ctx->a->store;
	const char *given = nla_get_string(tb[ATTACH_A_DEVICE]);
	char dev[PATH_MAX], key[64];
	struct stat st;

	if (!realpath(given, dev))
		return ctx_fail(ctx, errno == ENOENT ? -ENOENT : -errno, "device %s: %s", given, strerror(errno));
	if (stat(dev, &st) < 0)
		return ctx_fail(ctx, -errno, "device %s: %s", dev, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return ctx_fail(ctx, -ENOTBLK, "%s%s%s is not a block device", given, strcmp(given, dev) ? " -> " : "",
				strcmp(given, dev) ? dev : "");
	if (strlen(dev) > ATTACH_PATH_MAX)
		return ctx_fail(ctx, -ENAMETOOLONG, "device path too long: %zu bytes once resolved, at most %d (%.64s...)",
				strlen(dev), ATTACH_PATH_MAX, dev);

	size_t count;
	int rc = store_count(s, ctx->txn, STORE_VOLUMES, &count);
	if (rc)
		return rc;
	if (count >= ctx->a->cfg.max_volumes)
		return ctx_fail(ctx, -EDQUOT, "%zu volumes registered: the limit (--max-volumes) is %u", count,
				ctx->a->cfg.max_volumes);
	struct rec_volume *v = &ctx->vol;
	memset(v, 0, sizeof(*v));
	if (tb[ATTACH_A_VOLUME_ID])
		snprintf(v->id, sizeof(v->id), "%s", nla_get_string(tb[ATTACH_A_VOLUME_ID]));
	else
		call_new_uuid(v->id);
	struct rec_volume old;
	rc = store_get(s, ctx->txn, STORE_VOLUMES, v->id, &old);
	if (rc == 0)
		return ctx_fail(ctx, -EEXIST, "volume %s already exists (on %s)", v->id, old.device);
	if (rc != -ENOENT)
		return rc;
	rc = call_device_taken(ctx, dev, &st);
	if (rc)
		return rc;

	memcpy(v->device, dev, strlen(dev) + 1); /* length checked above */
	if (tb[ATTACH_A_NAME])
		snprintf(v->name, sizeof(v->name), "%s", nla_get_string(tb[ATTACH_A_NAME]));
	v->multiattach = tb[ATTACH_A_MULTIATTACH] != NULL;
	v->state = ATTACH_STATE_AVAILABLE;
	v->size = call_device_size(dev);
	v->created = call_now();
	v->dev_major = major(st.st_rdev);
	v->dev_minor = minor(st.st_rdev);
	call_rdev_key(key, sizeof(key), v->dev_major, v->dev_minor);

	rc = store_put(s, ctx->txn, STORE_VOLUMES, v->id, v);
	if (!rc)
		rc = store_put_str(s, ctx->txn, STORE_DEVICES, key, v->id);
	if (!rc)
		rc = proto_put_str(ctx->body, ATTACH_A_VOLUME_ID, v->id);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "volume %s: created on %s (%u:%u)%s, available", v->id, dev, v->dev_major, v->dev_minor,
		  v->multiattach ? ", multiattach" : "");
	ctx_say(ctx, "volume %s created on %s", v->id, dev);
	return 0;
}

int call_volume_delete(struct call_ctx *ctx)
{
	struct store *s = ctx->a->store;
	struct rec_volume *v = &ctx->vol;
	struct rec_export x;
	size_t n_att, n_acl;
	int rc = call_export(ctx, &x);
	if (rc == 0)
		return ctx_fail(ctx, -EBUSY, "volume %s is still exported as %s; terminate-connection --force first",
				v->id, x.target_iqn);
	if (rc != -ENOENT)
		return rc;
	rc = call_attachments(ctx, 0, &n_att, NULL);
	if (!rc)
		rc = call_acl_count(ctx, &n_acl);
	if (rc)
		return rc;
	if (n_att || n_acl)
		return ctx_fail(ctx, -EBUSY, "volume %s still has %zu attachment(s) and %zu initiator(s)", v->id, n_att,
				n_acl);

	char key[64], owner[ATTACH_UUID_LEN + 1];
	rc = store_del(s, ctx->txn, STORE_VOLUMES, v->id);
	call_rdev_key(key, sizeof(key), v->dev_major, v->dev_minor);
	if (!rc && store_get_str(s, ctx->txn, STORE_DEVICES, key, owner, sizeof(owner)) == 0 && !strcmp(owner, v->id))
		rc = store_del(s, ctx->txn, STORE_DEVICES, key);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "volume %s: deleted (device %s released)", v->id, v->device);
	ctx_say(ctx, "volume %s deleted", v->id);
	return 0;
}

int call_volume_extend(struct call_ctx *ctx)
{
	struct rec_volume *v = &ctx->vol;
	uint64_t size;
	int rc = blkdev_size(v->device, &size);
	if (rc)
		return ctx_fail(ctx, rc == -ENOENT || rc == -ENOTBLK ? rc : -ENXIO, "cannot read the size of %s: %s",
				v->device, strerror(-rc));
	if (size < v->size)
		return ctx_fail(ctx, -EINVAL, "device %s shrank from %llu to %llu bytes: attachd does not shrink volumes",
				v->device, (unsigned long long)v->size, (unsigned long long)size);
	rc = call_export(ctx, &ctx->plan.x);
	if (rc && rc != -ENOENT)
		return rc;
	/* exported through our dm device: its table has the old length until reloaded; --no-dm: iblock
	 * already sees the device's size */
	bool exported = rc == 0, reload = exported && ctx->plan.x.dm_name[0];
	uint64_t mapped = ctx->plan.x.size;
	ctx->plan.x.size = size;
	if (reload) {
		rc = plan_add(&ctx->plan, PLAN_DM_RESIZE, NULL, NULL);
		if (rc)
			return rc;
		ctx->plan.steps[ctx->plan.n - 1].old_size = mapped;
	}
	if (exported && (rc = store_put(ctx->a->store, ctx->txn, STORE_EXPORTS, v->id, &ctx->plan.x)))
		return rc;
	plan_note(&ctx->plan, "volume %s: size %llu -> %llu bytes", v->id, (unsigned long long)v->size,
		  (unsigned long long)size);
	uint64_t old = v->size;
	v->size = size;
	rc = store_put(ctx->a->store, ctx->txn, STORE_VOLUMES, v->id, v);
	if (!rc)
		rc = proto_put_u64(ctx->body, ATTACH_A_SIZE, size);
	if (rc)
		return rc;
	ctx_say(ctx, "volume %s: %llu -> %llu bytes%s", v->id, (unsigned long long)old, (unsigned long long)size,
		reload ? "; export reloaded (initiators see it after a rescan)" : "");
	return 0;
}

/* A volume's own fields, shared by volume-list (inside a nest) and volume-show (top level). */
static int call_put_volume(struct nl_msg *m, const struct rec_volume *v)
{
	int rc = proto_put_str(m, ATTACH_A_VOLUME_ID, v->id);
	if (!rc && v->name[0])
		rc = proto_put_str(m, ATTACH_A_NAME, v->name);
	if (!rc)
		rc = proto_put_str(m, ATTACH_A_DEVICE, v->device);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_STATE, v->state);
	if (!rc && v->multiattach)
		rc = proto_put_flag(m, ATTACH_A_MULTIATTACH);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_SIZE, v->size);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_CREATED, v->created);
	return rc;
}

static int call_list_visit(const char *key, void *rec, void *arg)
{
	struct nl_msg *m = arg;
	(void)key;
	int nest = proto_nest_start(m, ATTACH_A_VOLUME);
	if (nest < 0)
		return nest;
	int rc = call_put_volume(m, rec);
	return rc ? rc : proto_nest_end(m, nest);
}

int call_volume_list(struct call_ctx *ctx)
{
	struct rec_volume buf;
	int rc = store_scan(ctx->a->store, ctx->txn, STORE_VOLUMES, "", &buf, call_list_visit, ctx->body);
	if (rc == -EMSGSIZE)
		return ctx_fail(ctx, rc, "the volume list exceeds the largest reply (%u bytes)", ATTACH_REPLY_MAX);
	return rc;
}

static int call_show_attachment(const char *key, void *rec, void *arg)
{
	struct nl_msg *m = arg;
	const struct rec_attachment *a = rec;
	(void)key;
	int nest = proto_nest_start(m, ATTACH_A_ATTACHMENT);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(m, ATTACH_A_ATTACHMENT_ID, a->id);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_STATE, a->state);
	if (!rc && a->instance[0])
		rc = proto_put_str(m, ATTACH_A_INSTANCE, a->instance);
	if (!rc && a->host[0])
		rc = proto_put_str(m, ATTACH_A_HOST, a->host);
	if (!rc && a->mountpoint[0])
		rc = proto_put_str(m, ATTACH_A_MOUNTPOINT, a->mountpoint);
	if (!rc)
		rc = proto_put_u8(m, ATTACH_A_MODE, a->mode);
	if (!rc && a->initiator[0])
		rc = proto_put_str(m, ATTACH_A_INITIATOR, a->initiator);
	if (!rc && a->connected)
		rc = proto_put_flag(m, ATTACH_A_CONNECTED);
	if (!rc)
		rc = proto_put_u64(m, ATTACH_A_CREATED, a->created);
	return rc ? rc : proto_nest_end(m, nest);
}

struct call_show_acls {
	struct nl_msg *m;
	bool secrets;
};

static int call_show_acl(const char *key, void *rec, void *arg)
{
	struct call_show_acls *s = arg;
	const struct rec_acl *a = rec;
	(void)key;
	int nest = proto_nest_start(s->m, ATTACH_A_ACL);
	if (nest < 0)
		return nest;
	int rc = proto_put_str(s->m, ATTACH_A_INITIATOR, a->initiator);
	if (!rc)
		rc = proto_put_u32(s->m, ATTACH_A_REFS, a->refs);
	if (!rc)
		rc = proto_put_str(s->m, ATTACH_A_AUTH_USERNAME, a->username);
	if (!rc && s->secrets)
		rc = proto_put_str(s->m, ATTACH_A_AUTH_PASSWORD, a->password);
	if (!rc && a->host[0])
		rc = proto_put_str(s->m, ATTACH_A_HOST, a->host);
	if (!rc && a->ip[0])
		rc = proto_put_str(s->m, ATTACH_A_IP, a->ip);
	return rc ? rc : proto_nest_end(s->m, nest);
}

static int call_show_export(struct call_ctx *ctx)
{
	struct rec_export x;
	int rc = call_export(ctx, &x);
	if (rc == -ENOENT)
		return 0;
	int nest = rc ? rc : proto_nest_start(ctx->body, ATTACH_A_EXPORT);
	if (nest < 0)
		return nest;
	rc = proto_put_str(ctx->body, ATTACH_A_TARGET_IQN, x.target_iqn);
	int pn = rc ? rc : proto_nest_start(ctx->body, ATTACH_A_PORTALS);
	if (pn < 0)
		return pn;
	for (uint32_t i = 0; !rc && i < x.n_portals; i++)
		rc = proto_put_str(ctx->body, ATTACH_A_PORTAL, x.portals[i]);
	if (!rc)
		rc = proto_nest_end(ctx->body, pn);
	if (!rc)
		rc = proto_put_u32(ctx->body, ATTACH_A_LUN, x.lun);
	return rc ? rc : proto_nest_end(ctx->body, nest);
}

int call_volume_show(struct call_ctx *ctx)
{
	char prefix[ATTACH_UUID_LEN + 2];
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	struct rec_attachment abuf;
	struct rec_acl aclbuf;
	struct call_show_acls acls = { ctx->body, ctx->tb[ATTACH_A_SHOW_SECRETS] != NULL };
	int rc = call_put_volume(ctx->body, &ctx->vol);
	if (!rc)
		rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &abuf, call_show_attachment, ctx->body);
	if (!rc)
		rc = call_show_export(ctx);
	if (!rc)
		rc = store_scan(ctx->a->store, ctx->txn, STORE_ACLS, prefix, &aclbuf, call_show_acl, &acls);
	explicit_bzero(&aclbuf, sizeof(aclbuf));
	return rc;
}
