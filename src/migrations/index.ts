import type { Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { foundation } from "./0001_foundation.ts";
import { search } from "./0002_search.ts";
import { services } from "./0004_services.ts";

/** One ordered timeline: names sort in the order they run. Each runs on SQLite and PostgreSQL. */
export const migrations: Record<string, (dialect: Dialect) => Migration> = {
  "0001_foundation": foundation,
  "0002_search": search,
  "0004_services": services,
};
