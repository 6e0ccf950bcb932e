import { loadConfig } from "./config.ts";
import { migrateToLatest } from "./platform/db/migrate.ts";
import { openDatabase } from "./platform/db/database.ts";
import { startServer } from "./server.ts";

const HELP = `Usage: tsx src/main.ts <command>

Commands:
  start                      serve the platform (PORT, DATA_DIR, DATABASE_URL, REDIS_URL …)
  migrate                    bring the database schema up to date
  import FILE.jsonl --site CODE   load articles from JSON Lines into a site
  admin:create               create a platform operator (prompts, or ADMIN_USERNAME/ADMIN_PASSWORD)
  backup FILE                online backup (SQLite file copy via the backup API, or pg_dump custom format)
  restore FILE               restore a backup made by \`backup\` into the configured database
  keys:rotate [--new-key] [--retire]   re-encrypt personal data under the newest data key
  db:desensitise --out FILE | --target-url URL   a copy with every personal field faked
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return startServer();
    case "migrate": {
      const store = openDatabase(loadConfig());
      const ran = await migrateToLatest(store);
      console.log(ran.length ? `Applied: ${ran.join(", ")}` : "Schema is up to date.");
      await store.close();
      return;
    }
    case "import": {
      const { importCommand } = await import("./modules/content/import-cli.ts");
      process.exitCode = await importCommand(rest);
      return;
    }
    case "backup":
    case "restore": {
      const { backupCommand } = await import("./platform/ops/backup.ts");
      process.exitCode = await backupCommand(command, rest);
      return;
    }
    case "keys:rotate": {
      const { keysRotateCommand } = await import("./db/keys-rotate.ts");
      process.exitCode = await keysRotateCommand(rest);
      return;
    }
    case "db:desensitise": {
      const { desensitiseCommand } = await import("./db/desensitise.ts");
      process.exitCode = await desensitiseCommand(rest);
      return;
    }
    case "admin:create": {
      const { adminCreateCommand } = await import("./modules/staff/admin-create.ts");
      process.exitCode = await adminCreateCommand(rest);
      return;
    }
    default:
      console.log(HELP);
      process.exitCode = command ? 2 : 0;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
