import cliProgress from "cli-progress";
import { loadConfig, type Config } from "../config.ts";
import { openDatabase, openFieldCipher } from "../platform/db/database.ts";
import { migrateToLatest } from "../platform/db/migrate.ts";
import { addKeyToFile, resolveDataKeys, retireKeysInFile } from "../platform/crypto/data-keys.ts";
import { keyUsage, resealFields, resealKvValues, type ResealProgress } from "../migrations/sealed-fields.ts";

export interface RotateOptions {
  /** Append a freshly generated key to the key file first (key files only). */
  newKey?: boolean;
  /** Afterwards remove from the key file the keys no value uses any more. */
  retire?: boolean;
  batch?: number;
  progress?: ResealProgress;
}

export interface RotateResult {
  currentKey: string;
  addedKey: string | null;
  rewritten: number;
  /** Values per key id after the rotation (only the current key when complete). */
  usage: Map<string, number>;
  retired: string[];
  ms: number;
}

/**
 * Re-encrypts every encrypted field under the newest key, in batches that commit one by one, so an
 * interrupted run just continues where it stopped when started again (values already under the
 * newest key are skipped). Running instances must know the new key before it encrypts anything:
 * add it to every instance's configuration and restart them, then rotate.
 */
export async function rotateKeys(config: Config, options: RotateOptions = {}): Promise<RotateResult> {
  const started = performance.now();
  let addedKey: string | null = null;
  const resolved = resolveDataKeys(config);
  if (options.newKey) {
    if (resolved.source.kind !== "file")
      throw new Error(
        "The keys come from CHUYUN_DATA_KEYS: append the new key there (and restart the instances), " +
          "then run keys:rotate without --new-key",
      );
    addedKey = addKeyToFile(resolved.source.file);
  }
  const cipher = openFieldCipher(config);
  const store = openDatabase(config, cipher);
  try {
    await migrateToLatest(store);
    const rewritten =
      (await resealFields(store.db, cipher, "rotate", options.progress, options.batch)) +
      (await resealKvValues(store.db, cipher));
    const usage = await keyUsage(store.db);
    let retired: string[] = [];
    if (options.retire) {
      const source = resolveDataKeys(config).source;
      if (source.kind === "file") retired = retireKeysInFile(source.file, (id) => usage.has(id));
    }
    return {
      currentKey: cipher.current.id,
      addedKey,
      rewritten,
      usage,
      retired,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await store.close();
  }
}

export async function keysRotateCommand(args: string[]): Promise<number> {
  const batchArg = args.find((a) => a.startsWith("--batch="));
  const bars = new cliProgress.MultiBar(
    { format: " {field} [{bar}] {value}/{total}", hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
  const current = new Map<string, cliProgress.SingleBar>();
  try {
    const result = await rotateKeys(loadConfig(), {
      newKey: args.includes("--new-key"),
      retire: args.includes("--retire"),
      batch: batchArg ? Math.max(1, Number(batchArg.slice(8)) || 500) : undefined,
      progress: {
        start(field, total) {
          const name = `${field.table}.${field.column}`;
          current.set(name, bars.create(total, 0, { field: name.padEnd(28) }));
        },
        advance(field, done) {
          current.get(`${field.table}.${field.column}`)?.update(done);
        },
      },
    });
    bars.stop();
    if (result.addedKey) console.log(`Added key ${result.addedKey} to the key file.`);
    console.log(
      `Current key: ${result.currentKey}. Re-encrypted ${result.rewritten} values in ${result.ms} ms.`,
    );
    for (const [kid, n] of result.usage) console.log(`  ${kid}: ${n} values`);
    const old = [...result.usage.keys()].filter((k) => k !== result.currentKey);
    if (old.length) console.log(`Still under older keys: ${old.join(", ")} (run again to finish).`);
    else console.log("No value uses an older key: older keys can be removed from the configuration.");
    if (result.retired.length) console.log(`Removed from the key file: ${result.retired.join(", ")}`);
    return old.length ? 1 : 0;
  } catch (error) {
    bars.stop();
    throw error;
  }
}
