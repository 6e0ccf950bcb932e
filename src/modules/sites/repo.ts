import type { Kysely, Selectable } from "kysely";

import type { ChannelRow, SiteRow, SitesTables } from "./tables.ts";

export type Site = Selectable<SiteRow>;
export type Channel = Selectable<ChannelRow>;

export class SitesRepo {
  constructor(private readonly db: Kysely<SitesTables>) {}

  listSites(): Promise<Site[]> {
    return this.db.selectFrom("sites").selectAll().orderBy("sort").orderBy("id").execute();
  }

  siteById(id: number): Promise<Site | undefined> {
    return this.db.selectFrom("sites").selectAll().where("id", "=", id).executeTakeFirst();
  }

  siteByCode(code: string): Promise<Site | undefined> {
    return this.db.selectFrom("sites").selectAll().where("code", "=", code).executeTakeFirst();
  }

  channelsOfSite(siteId: number): Promise<Channel[]> {
    return this.db
      .selectFrom("channels")
      .selectAll()
      .where("siteId", "=", siteId)
      .orderBy("sort")
      .orderBy("id")
      .execute();
  }

  channelsByIds(ids: number[]): Promise<Channel[]> {
    return this.db.selectFrom("channels").selectAll().where("id", "in", ids).orderBy("id").execute();
  }

  channelById(id: number): Promise<Channel | undefined> {
    return this.db.selectFrom("channels").selectAll().where("id", "=", id).executeTakeFirst();
  }

  channelByPath(siteId: number, path: string): Promise<Channel | undefined> {
    return this.db
      .selectFrom("channels")
      .selectAll()
      .where("siteId", "=", siteId)
      .where("path", "=", path)
      .executeTakeFirst();
  }

  channelByName(siteId: number, name: string): Promise<Channel | undefined> {
    return this.db
      .selectFrom("channels")
      .selectAll()
      .where("siteId", "=", siteId)
      .where("name", "=", name)
      .orderBy("id")
      .executeTakeFirst();
  }

  redirectFor(path: string) {
    return this.db.selectFrom("redirects").selectAll().where("fromPath", "=", path).executeTakeFirst();
  }
}
