import type { AnyView } from "../../platform/db/database.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";

/** A leader shown in 领导之窗: name, title and the duties they are responsible for (分工). */
export interface Leader {
  name: string;
  title: string;
  duties: string;
}

/** A 专题专栏 entry: a topic with a short description and where it leads (a path on the platform). */
export interface Topic {
  title: string;
  summary: string;
  href: string;
}

/** What a site's home page shows beside its channels; maintained per site (seeded for the demo). */
export interface PortalExtras {
  leaders: Leader[];
  topics: Topic[];
}

/**
 * Live figures the home page shows from other contexts. The container implements it with the
 * service hall and the mailbox, so this module does not depend on them. `siteId` is the site whose
 * home it is; null stands for the whole province (the portal).
 */
export interface PortalFigures {
  /**
   * The most used service items (by applications filed) the site itself offers, best first: a
   * department's hall shows only its own items, so no other's may be linked under its address.
   */
  hotServices(
    siteId: number | null,
    limit: number,
  ): Promise<{ code: string; name: string; applications: number }[]>;
  /**
   * The site's letters received this month (China time) and how many of them have been replied to,
   * counted as the site's 办理统计 and monthly assessment count its letters.
   */
  lettersThisMonth(siteId: number | null): Promise<{ received: number; replied: number }>;
}

type Keys = Record<`extras:${string}`, PortalExtras>;

/** Leaders and topics of each site, stored in the kv table under the "portal" owner. */
export class PortalContent {
  private readonly kv: KvScope<Keys>;

  constructor(db: AnyView) {
    this.kv = new KvStore(db).scope<Keys>("portal");
  }

  async extras(siteCode: string): Promise<PortalExtras> {
    return (await this.kv.get(`extras:${siteCode}`)) ?? { leaders: [], topics: [] };
  }

  async setExtras(siteCode: string, extras: PortalExtras): Promise<void> {
    await this.kv.set(`extras:${siteCode}`, extras);
  }
}
