/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call_volume.c: the registry: volume-create, volume-delete, volume-list, volume-show.
 * A volume is a disk attachd may export, registered by the path its caller gives and the disk's identity
 * (device.h); the devices index keeps one volume per disk, since iblock opens devices exclusively.
 */
#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "device.h"
#include "reply.h"

static void call_rdev_key(char *key, size_t size, unsigned maj, unsigned min)
{
	snprintf(key, size, "rdev:%u:%u", maj, min);
}

struct call_part_scan {
	const char *whole; /* a whole disk's identity */
	char owner[ATTACH_UUID_LEN + 1];
};

/* "ident:part<N>:<whole>": a partition of that whole disk. */
static int call_part_visit(const char *key, const char *val, void *arg)
{
	struct call_part_scan *p = arg;
	const char *colon = strchr(key + strlen("ident:part"), ':');
	if (!colon || strcmp(colon + 1, p->whole))
		return 0;
	snprintf(p->owner, sizeof(p->owner), "%s", val);
	return 1;
}

/* Is the disk @d already some volume's, or its whole disk, or one of its partitions? */
static int call_device_taken(struct call_ctx *ctx, const char *given, const struct device *d)
{
	struct store *s = ctx->a->store;
	char other[ATTACH_UUID_LEN + 1], key[REC_IDENT_MAX + 16];
	int rc = store_key_ident(key, sizeof(key), d->ident);
	if (!rc)
		rc = store_get_str(s, ctx->txn, STORE_DEVICES, key, other, sizeof(other));
	if (rc == 0)
		return ctx_fail(ctx, -EBUSY, "device %s is already volume %s", given, other);
	if (rc != -ENOENT)
		return rc;
	/* a partition and its whole disk hold the same data: one volume for both */
	const char *whole = !strncmp(d->ident, "part", 4) ? strchr(d->ident, ':') : NULL;
	if (whole && !store_key_ident(key, sizeof(key), whole + 1) &&
	    store_get_str(s, ctx->txn, STORE_DEVICES, key, other, sizeof(other)) == 0)
		return ctx_fail(ctx, -EBUSY, "device %s is a partition of a disk that is volume %s", given, other);
	struct call_part_scan ps = { .whole = d->ident };
	rc = store_scan_str(s, ctx->txn, STORE_DEVICES, "ident:part", call_part_visit, &ps);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return ctx_fail(ctx, -EBUSY, "device %s holds a partition that is volume %s", given, ps.owner);
	/* a volume of attachd 0.1 (no identity) on the same number counts if it still leads there */
	call_rdev_key(key, sizeof(key), d->major, d->minor);
	rc = store_get_str(s, ctx->txn, STORE_DEVICES, key, other, sizeof(other));
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	struct rec_volume v;
	struct stat ost;
	if (store_get(s, ctx->txn, STORE_VOLUMES, other, &v) == 0 && !v.ident[0] &&
	    stat(v.device, &ost) == 0 && S_ISBLK(ost.st_mode) && ost.st_rdev == makedev(d->major, d->minor))
		return ctx_fail(ctx, -EBUSY, "device %s is already volume %s", given, other);
	return 0;
}

/* Room for one more volume under --max-volumes, and its id: the caller's (if free) or a new one. */
static int call_volume_id(struct call_ctx *ctx, char id[ATTACH_UUID_LEN + 1])
{
	struct store *s = ctx->a->store;
	struct rec_volume old;
	size_t count;
	int rc = store_count(s, ctx->txn, STORE_VOLUMES, &count);
	if (rc)
		return rc;
	if (count >= ctx->a->cfg.max_volumes)
		return ctx_fail(ctx, -EDQUOT, "%zu volumes registered: the limit (--max-volumes) is %u", count,
				ctx->a->cfg.max_volumes);
	if (ctx->tb[ATTACH_A_VOLUME_ID])
		snprintf(id, ATTACH_UUID_LEN + 1, "%s", nla_get_string(ctx->tb[ATTACH_A_VOLUME_ID]));
	else
		call_new_uuid(id);
	rc = store_get(s, ctx->txn, STORE_VOLUMES, id, &old);
	if (rc == 0)
		return ctx_fail(ctx, -EEXIST, "volume %s already exists", id);
	return rc == -ENOENT ? 0 : rc;
}

/* The new volume's record: registered by @given, on the disk @d, available. */
static void call_volume_fill(struct call_ctx *ctx, const char *given, const struct device *d)
{
	struct rec_volume *v = &ctx->vol;
	snprintf(v->path, sizeof(v->path), "%s", given);
	memcpy(v->device, d->path, sizeof(v->device));
	memcpy(v->ident, d->ident, sizeof(v->ident));
	if (ctx->tb[ATTACH_A_NAME])
		snprintf(v->name, sizeof(v->name), "%s", nla_get_string(ctx->tb[ATTACH_A_NAME]));
	v->multiattach = ctx->tb[ATTACH_A_MULTIATTACH] != NULL;
	v->transport = ctx->tb[ATTACH_A_TRANSPORT] ? nla_get_u8(ctx->tb[ATTACH_A_TRANSPORT]) : ATTACH_TRANSPORT_ISCSI;
	v->state = ATTACH_STATE_AVAILABLE;
	v->size = d->size;
	v->created = call_now();
	v->dev_major = d->major;
	v->dev_minor = d->minor;
}

int call_volume_create(struct call_ctx *ctx)
{
	struct store *s = ctx->a->store;
	const char *given = nla_get_string(ctx->tb[ATTACH_A_DEVICE]);
	struct rec_volume *v = &ctx->vol;
	struct device d;
	char key[REC_IDENT_MAX + 16];

	memset(v, 0, sizeof(*v));
	if (ctx->tb[ATTACH_A_TRANSPORT] && nla_get_u8(ctx->tb[ATTACH_A_TRANSPORT]) == ATTACH_TRANSPORT_NVME_TCP &&
	    !ctx->a->cfg.n_nvme_ports)
		return ctx_fail(ctx, -ENOPROTOOPT, "this attachd has no --nvme-port: it cannot export over NVMe/TCP "
				"(configure one, or create the volume with transport iscsi)");
	int rc = device_register(&ctx->a->cfg, given, ctx->uid == 0, &d, ctx->msg, sizeof(ctx->msg));
	if (!rc)
		rc = call_volume_id(ctx, v->id);
	if (!rc)
		rc = call_device_taken(ctx, given, &d);
	if (!rc)
		rc = device_unused(&d, given, ctx->msg, sizeof(ctx->msg));
	if (rc)
		return rc;
	call_volume_fill(ctx, given, &d);
	rc = store_key_ident(key, sizeof(key), v->ident);
	if (!rc)
		rc = store_put(s, ctx->txn, STORE_VOLUMES, v->id, v);
	if (!rc)
		rc = store_put_str(s, ctx->txn, STORE_DEVICES, key, v->id);
	if (!rc)
		rc = proto_put_str(ctx->body, ATTACH_A_VOLUME_ID, v->id);
	if (rc)
		return rc;
	plan_note(&ctx->plan, "volume %s: created on %s (%s, %u:%u)%s, %s, available", v->id, given, v->ident,
		  v->dev_major, v->dev_minor, v->multiattach ? ", multiattach" : "", proto_transport_name(v->transport));
	ctx_say(ctx, "volume %s created on %s%s", v->id, given,
		v->transport == ATTACH_TRANSPORT_NVME_TCP ? " (nvme-tcp)" : "");
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

	char key[REC_IDENT_MAX + 16], owner[ATTACH_UUID_LEN + 1];
	rc = store_del(s, ctx->txn, STORE_VOLUMES, v->id);
	for (int k = 0; !rc && k < 2; k++) {
		if (k == 0 && (!v->ident[0] || store_key_ident(key, sizeof(key), v->ident)))
			continue;
		if (k == 1)
			call_rdev_key(key, sizeof(key), v->dev_major, v->dev_minor);
		if (store_get_str(s, ctx->txn, STORE_DEVICES, key, owner, sizeof(owner)) == 0 && !strcmp(owner, v->id))
			rc = store_del(s, ctx->txn, STORE_DEVICES, key);
	}
	if (rc)
		return rc;
	plan_note(&ctx->plan, "volume %s: deleted (device %s released)", v->id, v->path[0] ? v->path : v->device);
	ctx_say(ctx, "volume %s deleted", v->id);
	return 0;
}

int call_volume_extend(struct call_ctx *ctx)
{
	struct rec_volume *v = &ctx->vol;
	struct device d;
	char why[ATTACH_MESSAGE_MAX - 64];
	int rc = device_verify(v, &d, why, sizeof(why));
	if (rc)
		return ctx_fail(ctx, rc == -ENOENT || rc == -ENOTBLK || rc == -EMEDIUMTYPE ? rc : -ENXIO,
				"volume %s: %s", v->id, why);
	uint64_t size = d.size;
	if (!size)
		return ctx_fail(ctx, -ENXIO, "volume %s: cannot read the size of its device", v->id);
	if (size < v->size)
		return ctx_fail(ctx, -EINVAL, "volume %s: its device shrank from %llu to %llu bytes: attachd does not "
				"shrink volumes", v->id, (unsigned long long)v->size, (unsigned long long)size);
	rc = call_export(ctx, &ctx->plan.x);
	if (rc && rc != -ENOENT)
		return rc;
	/* exported through our dm device: its table has the old length until reloaded; --no-dm: iblock
	 * already sees the device's size */
	bool exported = rc == 0, reload = exported && ctx->plan.x.dm_name[0];
	if (exported && ctx->plan.x.down[0])
		return ctx_fail(ctx, -EMEDIUMTYPE, "volume %s: its export is down (%s): run reconcile once its device is "
				"back", v->id, ctx->plan.x.down);
	uint64_t mapped = ctx->plan.x.size;
	ctx->plan.x.size = size;
	if (reload) {
		ctx->plan.x.backing_major = d.major;
		ctx->plan.x.backing_minor = d.minor;
		snprintf(ctx->plan.x.backing, sizeof(ctx->plan.x.backing), "%s", d.path);
		rc = plan_add_resize(&ctx->plan, mapped);
		if (rc)
			return rc;
	}
	/* NVMe: the namespace reads its device's size again and tells the connected hosts */
	bool nvme = exported && ctx->plan.x.transport == ATTACH_TRANSPORT_NVME_TCP;
	if (nvme && (rc = plan_add(&ctx->plan, PLAN_NV_NS_REVALIDATE, NULL, NULL)))
		return rc;
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
		nvme ? "; namespace revalidated (connected hosts are told the new size)" :
		reload ? "; export reloaded (initiators see it after a rescan)" : "");
	return 0;
}

static int call_list_visit(const char *key, void *rec, void *arg)
{
	(void)key;
	return reply_volume(arg, rec, true);
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
	(void)key;
	return reply_attachment(arg, rec);
}

static int call_show_acl(const char *key, void *rec, void *arg)
{
	struct call_ctx *ctx = arg;
	const struct rec_acl *acl = rec;
	bool secrets = ctx->tb[ATTACH_A_SHOW_SECRETS] != NULL;
	(void)key;
	if (ctx->vol.transport != ATTACH_TRANSPORT_NVME_TCP)
		return reply_acl(ctx->body, acl, secrets);
	struct rec_nvme_host h;
	int rc = nvme_host_get(ctx, acl->initiator, &h);
	if (!rc)
		rc = reply_nvme_acl(ctx->body, acl, &h, secrets);
	explicit_bzero(&h, sizeof(h));
	return rc;
}

int call_volume_show(struct call_ctx *ctx)
{
	char prefix[ATTACH_UUID_LEN + 2];
	snprintf(prefix, sizeof(prefix), "%s/", ctx->vol.id);
	struct rec_attachment abuf;
	struct rec_acl aclbuf;
	struct rec_export x;
	int rc = reply_volume(ctx->body, &ctx->vol, false);
	if (!rc)
		rc = store_scan(ctx->a->store, ctx->txn, STORE_ATTACHMENTS, prefix, &abuf, call_show_attachment, ctx->body);
	if (!rc && !(rc = call_export(ctx, &x)))
		rc = reply_export(ctx->body, &x);
	if (rc == -ENOENT)
		rc = 0; /* not exported */
	if (!rc)
		rc = store_scan(ctx->a->store, ctx->txn, STORE_ACLS, prefix, &aclbuf, call_show_acl, ctx);
	explicit_bzero(&aclbuf, sizeof(aclbuf));
	return rc;
}
