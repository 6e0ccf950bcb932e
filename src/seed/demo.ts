import type { AppDeps } from "../deps.ts";
import { hashPassword } from "../platform/auth/passwords.ts";
import { chinaDate, nowIso } from "../platform/time/china-time.ts";
import { DEFAULT_INDEX_FORMAT } from "../modules/content/policy-numbers.ts";
import type { Actor } from "../modules/content/service.ts";
import { DEMO_PASSWORD } from "./demo-password.ts";
import { DEMO_ARTICLES } from "./demo-articles.ts";
import { DEMO_SITES } from "./demo-sites.ts";
import { demoPortalArticles, demoPortalExtras } from "./demo-portal.ts";
import { minimalPdf } from "./sample-files.ts";
import { textToHtml } from "../platform/html/sanitize.ts";
import { seedAssistant } from "../modules/assistant/seed.ts";
import { seedInteraction } from "../modules/mailbox/seed.ts";
import { seedConsultationsAndSurveys } from "../modules/participation/index.ts";
import { seedServiceHall } from "../modules/onestop/seed.ts";
import { KvStore } from "../platform/kv/kv-store.ts";
import type { StaffRole } from "../modules/staff/index.ts";

/** Channel path that each article kind goes to in the standard channel tree. */
export const CHANNEL_FOR_KIND: Record<string, string> = {
  policy: "zwgk/zcwj",
  interpretation: "zwgk/zcjd",
  notice: "tzgg",
  news: "gzdt",
  report: "zwgk/zfgzbg",
  budget: "zwgk/czyjs",
};

export const DEMO_STAFF: {
  username: string;
  displayName: string;
  operator?: boolean;
  roles: [string, StaffRole][];
}[] = [
  { username: "admin", displayName: "平台运维管理员", operator: true, roles: [] },
  { username: "rst_admin", displayName: "人社厅网站管理员", roles: [["rst", "site_admin"]] },
  { username: "rst_editor", displayName: "人社厅编辑", roles: [["rst", "editor"]] },
  { username: "rst_reviewer", displayName: "人社厅审核员", roles: [["rst", "reviewer"]] },
  {
    username: "www_editor",
    displayName: "省政府门户编辑",
    roles: [
      ["www", "editor"],
      ["www", "reviewer"],
    ],
  },
];

/** Seeds the demo cluster into an empty database, once (several instances may start together). */
export async function seedDemo(deps: AppDeps, log: (line: string) => void = () => {}): Promise<boolean> {
  const { store } = deps;
  const existing = await store.db.selectFrom("sites").select("id").limit(1).executeTakeFirst();
  if (existing) return false;
  const claimed = await new KvStore(store.db).scope<{ claim: string }>("seed").setIfAbsent("claim", nowIso());
  if (!claimed) return false;
  log("Seeding the demo cluster…");
  const actor: Actor = { id: null, name: "system:seed" };

  for (const [i, demo] of DEMO_SITES.entries()) {
    const { issuer: _i, docPrefix: _d, creditCode: _c, topics: _t, ...input } = demo;
    const site = await deps.sites.createSite(input, actor.name);
    await store.db.updateTable("sites").set({ sort: i }).where("id", "=", site.id).execute();
    await store.db
      .insertInto("issuers")
      .values({
        name: demo.issuer,
        code: demo.creditCode,
        docPrefix: demo.docPrefix,
        indexFormat: DEFAULT_INDEX_FORMAT,
        siteId: site.id,
      })
      .execute();
  }
  await deps.sites.refresh();

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const staff of DEMO_STAFF)
    await deps.staff.ensureSeedUser({
      username: staff.username,
      displayName: staff.displayName,
      passwordHash,
      isOperator: staff.operator,
      roles: staff.roles.map(([code, role]) => ({ siteId: deps.sites.byCodeCached(code)!.id, role })),
    });

  await seedInteraction(deps, passwordHash);
  await seedConsultationsAndSurveys(deps);

  const idsByTitle = new Map<string, number>();
  const cityCodes = DEMO_SITES.filter((s) => s.kind === "city" || s.kind === "county").map((s) => s.code);
  const articles = [...DEMO_ARTICLES, ...demoPortalArticles()];
  for (const demo of articles) {
    const owner = deps.sites.byCodeCached(demo.site)!;
    const siteCodes = [demo.site, ...(demo.alsoOn === "cities" ? cityCodes : (demo.alsoOn ?? []))];
    const channelIds: number[] = [];
    for (const code of siteCodes) {
      const site = deps.sites.byCodeCached(code)!;
      const channel = await deps.sites.repo.channelByPath(site.id, CHANNEL_FOR_KIND[demo.kind]);
      if (channel) channelIds.push(channel.id);
    }
    const demoSite = DEMO_SITES.find((s) => s.code === demo.site)!;
    const article = await deps.content.create(
      {
        kind: demo.kind,
        title: demo.title,
        ...(demo.image
          ? { bodyHtml: `${imageHtml(demo.image)}${textToHtml(demo.body)}` }
          : { bodyText: demo.body }),
        ownerSiteId: owner.id,
        channelIds,
        docNumber: demo.docNumber ?? null,
        issuer: demo.kind === "policy" ? demoSite.issuer : null,
        source: demoSite.issuer,
        writtenAt:
          demo.kind === "policy" ? chinaDate(new Date(Date.now() - (demo.daysAgo + 3) * 86400000)) : null,
        theme: demo.theme ?? null,
        validity: demo.kind === "policy" ? "有效" : null,
        policyId: demo.interprets ? (idsByTitle.get(demo.interprets) ?? null) : null,
        table: demo.table ?? null,
        publishedAt: new Date(Date.now() - demo.daysAgo * 86400000).toISOString(),
      },
      actor,
    );
    idsByTitle.set(demo.title, article.id);
    await deps.content.submit(article.id, actor);
    await deps.content.publish(article.id, actor);
    if (demo.validity && demo.validity !== "有效") {
      await deps.content.setValidity(article.id, demo.validity, demo.validityNote ?? "", actor);
    }
    if (demo.kind === "policy" && demo.docNumber) {
      await deps.content.addAttachment(article.id, `${demo.title}.pdf`, minimalPdf(demo.title), actor);
    }
  }
  for (const [code, extras] of demoPortalExtras()) await deps.sites.portalContent.setExtras(code, extras);
  await seedAssistant(deps, log);
  await seedServiceHall(deps);
  log(`Seeded ${DEMO_SITES.length} sites, ${articles.length} articles, ${DEMO_STAFF.length} staff accounts.`);
  return true;
}

function imageHtml(image: { src: string; alt: string }): string {
  const attr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<p><img src="${attr(image.src)}" alt="${attr(image.alt)}" width="640" height="360"></p>`;
}
