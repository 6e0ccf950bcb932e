import { tablesOf, type AnyView } from "../db/database.ts";

import type { FilesTables } from "./tables.ts";

/**
 * File bytes, stored once per content hash (sha256) whoever references them (article attachments,
 * letter attachments, application files). Functions take the caller's handle so a blob is written in
 * the same transaction as the row that references it.
 */
export async function putBlob(handle: AnyView, sha256: string, bytes: Buffer): Promise<void> {
  await tablesOf<FilesTables>(handle)
    .insertInto("blobs")
    .values({ sha256, bytes })
    .onConflict((oc) => oc.column("sha256").doNothing())
    .execute();
}

/** The bytes stored under a hash, or undefined. */
export async function getBlob(handle: AnyView, sha256: string): Promise<Buffer | undefined> {
  const row = await tablesOf<FilesTables>(handle)
    .selectFrom("blobs")
    .select("bytes")
    .where("sha256", "=", sha256)
    .executeTakeFirst();
  return row ? Buffer.from(row.bytes) : undefined;
}
