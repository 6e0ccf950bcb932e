import { loadConfig } from "./config.ts";
import { buildApp, createServices } from "./app.ts";
import { migrateToLatest } from "./platform/db/migrate.ts";
import { openDatabase } from "./platform/db/database.ts";

const HELP = `Usage: tsx src/main.ts <command>

Commands:
  start                      serve the platform (PORT, DATA_DIR, DATABASE_URL, REDIS_URL …)
  migrate                    bring the database schema up to date
  import FILE.jsonl --site CODE   load articles from JSON Lines into a site
  admin:create               create a platform operator (prompts, or ADMIN_USERNAME/ADMIN_PASSWORD)
`;

async function start(): Promise<void> {
  const config = loadConfig();
  const services = await createServices(config);
  const app = await buildApp(services);
  const jobs = config.runJobs
    ? setInterval(() => {
        services.content
          .publishDue()
          .catch((error: unknown) => app.log.error(error, "scheduled publishing failed"));
      }, 30_000)
    : null;
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: shutting down`);
    if (jobs) clearInterval(jobs);
    await app.close();
    await services.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  await app.listen({ port: config.port, host: config.host });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return start();
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
    case "admin:create": {
      const { adminCreateCommand } = await import("./platform/auth/admin-create.ts");
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
