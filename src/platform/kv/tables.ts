/** Tables platform/kv owns: one key-value table, shared by owners through KvStore.scope. */
export interface KvTables {
  kv: KvRow;
}

export interface KvRow {
  key: string; // "<owner>:<key>" (see KvStore)
  value: string; // JSON, except the legacy keys KvStore documents
}
