const t0 = Date.now();
const { startPlatform } = await import("/work/main/test/engines.ts");
const t1 = Date.now();
const t = await startPlatform("sqlite");
const t2 = Date.now();
const u = await startPlatform("sqlite");
const t3 = Date.now();
console.log("import", t1 - t0, "first", t2 - t1, "second", t3 - t2);
await t.close(); await u.close();
