import type { Config } from "../../config.ts";
import type { SitesService } from "../sites/index.ts";
import type { FederationService } from "./service.ts";

/**
 * Demo data: a platform with its own FEDERATION_ID offers one person's item (个体工商户登记 of the
 * market regulator) to its peers as 跨省通办. Peers come from FEDERATION_PEERS (imported by the worker).
 */
export async function seedFederation(deps: {
  config: Config;
  federation: FederationService;
  sites: SitesService;
}): Promise<void> {
  if (deps.config.federation.id === "chuyun") return;
  if ((await deps.federation.offerCodes()).length > 0) return;
  await deps.sites.refresh();
  const site = deps.sites.byCodeCached("scjg");
  if (!site) return;
  await deps.federation.offer(`${site.siteCode}-XK-0002`, "system:seed").catch(() => {});
  await deps.federation.key();
}
