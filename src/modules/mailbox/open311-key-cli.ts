/**
 * Creates an Open311 API key for a partner and prints it (last line of output; shown only once, only
 * its hash is stored):
 *   npm run open311:key -- --site CODE --name NAME
 * Requests filed with the key go to the site's leader mailbox (see open311.ts).
 */
import { resolve } from "node:path";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import { DomainError } from "../../platform/http/errors.ts";

const USAGE = "usage: npm run open311:key -- --site CODE --name NAME";

export async function open311KeyCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let site = "";
  let name = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--site") site = argv[++i] ?? "";
    else if (argv[i] === "--name") name = argv[++i] ?? "";
    else {
      console.error(`unknown argument ${argv[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (!site.trim() || !name.trim()) {
    console.error(USAGE);
    return 2;
  }
  const deps = await createAppDeps(loadConfig(env));
  try {
    const target = deps.sites.byCodeCached(site.trim());
    if (!target) {
      console.error(`未找到站点 ${site}（请使用站点代码，如 www）`);
      return 1;
    }
    const key = await deps.mailbox.open311.issue(name, target.id, "system:open311-key");
    console.log(`已为「${name.trim()}」创建 Open311 接口密钥，来件进入 ${target.name}（${target.code}）。`);
    console.log("密钥只显示这一次，请妥善转交合作方：");
    console.log(key);
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      console.error(`未创建密钥：${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await deps.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  open311KeyCommand(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
