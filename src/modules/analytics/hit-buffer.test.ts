import { describe, it } from "node:test";
import { sql } from "kysely";
import assert from "node:assert/strict";
import { ENGINES, openEmptyDatabase } from "../../../test/engines.ts";
import { migrateToLatest } from "../../platform/db/migrate.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { HitBuffer, parseIpv4 } from "./hit-buffer.ts";
import { AnalyticsService } from "./service.ts";
import type { AnalyticsTables } from "./tables.ts";

describe("HitBuffer addresses", () => {
  it("reads a canonical dotted IPv4 address as its 32 bits, and nothing else", () => {
    assert.equal(parseIpv4("10.0.0.1"), 10 * 2 ** 24 + 1);
    assert.equal(parseIpv4("0.0.0.0"), 0);
    assert.equal(parseIpv4("255.255.255.255"), 2 ** 32 - 1);
    assert.equal(parseIpv4("192.168.100.27"), ((192 * 256 + 168) * 256 + 100) * 256 + 27);
    for (const text of [
      "010.0.0.1",
      "10.0.0.01",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "1.2.3.256",
      "1..2.3",
      ".1.2.3",
      "1.2.3.",
      " 1.2.3.4",
      "1.2.3.4 ",
      "::1",
      "::ffff:1.2.3.4",
      "2001:db8::1",
      "",
      "unknown",
    ])
      assert.equal(parseIpv4(text), -1, text);
  });

  it("gives back each address's own text, and one slot per address and user agent", () => {
    const buffer = new HitBuffer(4);
    const texts = ["10.0.0.1", "203.0.113.255", "0.0.0.0", "2001:db8::1", "010.0.0.1", "::ffff:10.0.0.1"];
    // A request whose connection was reset before its address was read has none.
    const none = buffer.addressNumber(undefined as unknown as string);
    assert.equal(buffer.addressText(none), "undefined");
    const numbers = texts.map((text) => buffer.addressNumber(text));
    assert.equal(new Set(numbers).size, texts.length, "every text its own number");
    assert.deepEqual(
      numbers.map((n) => buffer.addressText(n)),
      texts,
    );
    const [firefox, chrome] = [buffer.agentNumber("Firefox"), buffer.agentNumber("Chrome")];
    assert.equal(buffer.agentNumber("Firefox"), firefox);
    // Views past the columns' first size (4): a returning pair is its old slot.
    const views: [number, number][] = [];
    for (const address of numbers)
      for (const agent of [firefox, chrome, firefox]) views.push([address, agent]);
    for (const [address, agent] of views) buffer.push(0, 0, address, agent, 0, -1, -1, false);
    const slots = views.map((_v, i) => buffer.slotOf(i));
    assert.equal(buffer.slotCount, texts.length * 2);
    for (let a = 0; a < texts.length; a++) {
      const [first, second, again] = slots.slice(a * 3, a * 3 + 3);
      assert.notEqual(first, second);
      assert.equal(again, first);
      // The address is numbered by the slot of its first user agent, whichever slot asks.
      assert.equal(buffer.addressSlotOf(second), first);
      assert.equal(buffer.addressText(buffer.slotAddress[second]), texts[a]);
      assert.equal(buffer.agents.list[buffer.slotAgent[second]], "Chrome");
    }
  });
});

for (const engine of ENGINES) {
  describe(`AnalyticsService visitors by address (${engine})`, () => {
    it("counts a visitor per address and browser, whatever form the address takes", async () => {
      const { store, drop } = await openEmptyDatabase<AnalyticsTables>(engine);
      try {
        await migrateToLatest(store);
        const analytics = new AnalyticsService(store);
        const addresses = ["10.0.0.1", "010.0.0.1", "2001:db8::1", "::ffff:10.0.0.1", "10.0.0.2"];
        for (const ip of addresses)
          for (const userAgent of ["Firefox", "Chrome", "Firefox"])
            analytics.record({ siteCode: "www", path: "/sites/www/", ip, userAgent, elder: false });
        // The same person again, after a timer's flush (the epoch goes on, its slots kept): no new
        // visitor; then after the epoch ended (the day's counts kept): none either.
        await analytics.flush(false);
        analytics.record({
          siteCode: "www",
          path: "/sites/www/b",
          ip: "10.0.0.1",
          userAgent: "Firefox",
          elder: false,
        });
        await analytics.flush();
        analytics.record({
          siteCode: "www",
          path: "/sites/www/a",
          ip: "10.0.0.1",
          userAgent: "Chrome",
          elder: false,
        });
        await analytics.flush();
        const today = chinaDate();
        const summary = await analytics.summary("www", today, today);
        assert.equal(summary.pageviews, addresses.length * 3 + 2);
        assert.equal(summary.visitors, addresses.length * 2);
      } finally {
        await drop();
      }
    });
  });

  describe(`AnalyticsService exit pages (${engine})`, () => {
    it("never keeps the id of a page learned in a write that rolled back", async () => {
      const { store, drop } = await openEmptyDatabase<AnalyticsTables>(engine);
      try {
        await migrateToLatest(store);
        const analytics = new AnalyticsService(store);
        // The visitors' write fails after the new page was added to the dictionary, and rolls back.
        if (engine === "sqlite")
          await sql`CREATE TRIGGER refuse BEFORE INSERT ON analytics_visitor_daily
          BEGIN SELECT RAISE(ABORT, 'refused'); END`.execute(store.db);
        else {
          await sql`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql
          AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`.execute(store.db);
          await sql`CREATE TRIGGER refuse BEFORE INSERT ON analytics_visitor_daily
          FOR EACH ROW EXECUTE FUNCTION refuse()`.execute(store.db);
        }
        analytics.record({
          siteCode: "www",
          path: "/sites/www/new",
          ip: "10.0.0.9",
          userAgent: "A",
          elder: false,
        });
        await analytics.flush();
        if (engine === "sqlite") await sql`DROP TRIGGER refuse`.execute(store.db);
        else await sql`DROP TRIGGER refuse ON analytics_visitor_daily`.execute(store.db);
        // Another page takes the id the rolled-back insert had (on SQLite; PostgreSQL's sequence moves on).
        await sql`INSERT INTO analytics_path (path) VALUES ('/sites/www/other')`.execute(store.db);
        await analytics.flush();
        const { rows } = await sql<{ path: string }>`SELECT p.path FROM analytics_visitor_daily v
        JOIN analytics_path p ON p.id = v.exit_page`.execute(store.db);
        assert.deepEqual(
          rows.map((r) => r.path),
          ["/sites/www/new"],
        );
      } finally {
        await drop();
      }
    });
  });
}
