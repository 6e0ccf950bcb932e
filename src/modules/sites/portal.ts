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
 * service hall and the mailbox, so this module does not depend on them.
 */
export interface PortalFigures {
  /** The most used service items (by applications filed), best first. */
  hotServices(limit: number): Promise<{ code: string; name: string; applications: number }[]>;
  /** Letters received and replied to this month (China time). */
  lettersThisMonth(): Promise<{ received: number; replied: number }>;
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
