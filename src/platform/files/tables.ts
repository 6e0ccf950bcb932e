/** Tables platform/files owns: file bytes stored once by content hash, referenced by owners' rows. */
export interface FilesTables {
  blobs: BlobRow;
}

export interface BlobRow {
  sha256: string;
  bytes: Buffer;
}
