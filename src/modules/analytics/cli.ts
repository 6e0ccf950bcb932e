/**
 * Operators' scripts read the same figures as the console and the API:
 *   npm run analytics -- [--site CODE] --from YYYY-MM-DD --to YYYY-MM-DD [--json]
 *   npm run analytics:key -- --name NAME      (creates an operator API key for GET /api/analytics/summary)
 * It reads the database the running server writes to (DATA_DIR / DATABASE_URL); the server adds page views
 * every two seconds, and visitors (new visitors, entry and exit pages) within about five seconds.
 */
import { loadConfig } from "../../config.ts";
import { readArgs } from "../../platform/cli/args.ts";
import type { Database } from "../../db/schema.ts";
import { openDatabase } from "../../platform/db/database.ts";
import { migrateToLatest } from "../../platform/db/migrate.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { AuditLog } from "../../platform/audit/audit-log.ts";
import { SitesService } from "../sites/index.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { hashApiKey, newApiKey } from "./access.ts";
import { AnalyticsService, type AnalyticsSummary } from "./service.ts";

const USAGE = "用法：npm run analytics -- [--site 网站代码] --from YYYY-MM-DD --to YYYY-MM-DD [--json]";
const KEY_USAGE = "用法：npm run analytics:key -- --name 密钥名称";

function printSummary(s: AnalyticsSummary): void {
  console.log(`${s.site ?? "全部网站"}  ${s.from} 至 ${s.to}`);
  console.log(`浏览量 ${s.pageviews}  访客数 ${s.visitors}  长辈版浏览 ${s.elderViews}`);
  console.log(`站内搜索 ${s.search.total} 次，无结果 ${s.search.zeroResult} 次`);
  console.log(
    `结果页浏览 ${s.search.resultViews}，换词再搜 ${s.search.refinements}，看完结果即离开 ${s.search.exits}`,
  );
  console.log("退出页面：");
  for (const p of s.exitPages) console.log(`  ${String(p.visitors).padStart(8)}  ${p.path}`);
  console.log("热门页面：");
  for (const p of s.topPages) console.log(`  ${String(p.views).padStart(8)}  ${p.path}`);
  console.log("热门搜索词（次数，平均结果数）：");
  for (const t of s.search.topTerms)
    console.log(`  ${String(t.count).padStart(8)}  ${String(t.results).padStart(6)}  ${t.term}`);
  console.log("无结果搜索词：");
  for (const t of s.search.zeroResultTerms) console.log(`  ${String(t.count).padStart(8)}  ${t.term}`);
}

export async function analyticsCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [command, ...rest] = argv[0] === "key" ? argv : ["summary", ...argv];
  let values;
  try {
    values = readArgs({
      args: rest,
      options: {
        site: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        json: { type: "boolean", default: false },
        name: { type: "string" },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${command === "key" ? KEY_USAGE : USAGE}`);
    return 2;
  }
  const store = openDatabase<Database>(loadConfig(env));
  try {
    await migrateToLatest(store);
    const analytics = new AnalyticsService(store);
    if (command === "key") {
      const name = values.name?.trim();
      if (!name) {
        console.error(KEY_USAGE);
        return 2;
      }
      const key = newApiKey();
      await analytics.addApiKey(hashApiKey(key), name);
      console.log(`已为「${name}」创建运维接口密钥（X-Api-Key），只显示这一次：`);
      console.log(key);
      return 0;
    }
    const today = chinaDate();
    const site = values.site?.trim() || null;
    if (site) {
      // As the API: a site code nobody has is an error, not a summary of zeros.
      const sites = new SitesService(store, new AuditLog(store.db), "");
      await sites.refresh();
      if (!sites.byCodeCached(site)) {
        console.error(`未找到该站点：${site}`);
        return 2;
      }
    }
    const summary = await analytics.summary(site, values.from ?? today, values.to ?? today);
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else printSummary(summary);
    return 0;
  } catch (error) {
    if (error instanceof Invalid) {
      console.error(`${error.message}：${Object.values(error.fields).join("；")}`);
      return 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await analyticsCommand(process.argv.slice(2));
}
