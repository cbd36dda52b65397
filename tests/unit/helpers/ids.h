/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ids.h: the identifiers the protocol and client tests put in requests and canned replies (volume,
 * instance and attachment UUIDs, initiator and target names). Valid values, chosen once.
 */
#ifndef IDS_H
#define IDS_H

#define VOL "0b6e5bd6-4d71-4a9f-8f0e-6c1f2a3b4c5d"
#define VOL2 "1c7f6ce7-5e82-4b0a-9f1f-7d203b4c5d6e"
#define INSTANCE "2d8a7df8-6f93-4c1b-a020-8e314c5d6e7f"
#define ATTACHMENT "3e9b8e09-70a4-4d2c-b131-9f425d6e7f80"
#define ATTACHMENT2 "4fac9f1a-81b5-4e3d-8242-a0536e7f8091"
#define IQN "iqn.1993-08.org.debian:01:abcdef"
#define IQN2 "iqn.2004-10.com.example:node2"
#define TARGET "iqn.2003-01.org.attachd:0b6e5bd6"

#endif
