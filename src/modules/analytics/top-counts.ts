/** A value (page path, search term…) and its count, on one day or summed over a range. */
export interface ValueCount {
  value: string;
  n: number;
}

export interface DayValueCount extends ValueCount {
  day: string;
}

/** Where the ranking reads from: each day's largest counts, some values' sums, and plain grouping. */
export interface RankedCounts {
  /** Each day's `k` largest positive counts (all of them when the day has fewer), in any order. */
  dayTops(days: readonly string[], k: number): Promise<DayValueCount[]>;
  /** The sums over the whole range of the given values (absent when a value has none). */
  sums(values: string[]): Promise<ValueCount[]>;
  /** The `limit` largest sums over the whole range, by grouping every row (exact, slow on long ranges). */
  grouped(limit: number): Promise<ValueCount[]>;
}

/** What is known of one value's sum over the range. */
interface Bounds {
  value: string;
  /** The counts seen in the days' top rows; the sum itself once `exact`. */
  n: number;
  /** The sum of the cut-off counts of the days whose top rows held the value. */
  cutOffSeen: number;
  /** Set from `sums`: the place of the value in SQL's order (sum descending, then value). */
  place?: number;
}

/** Above this many uncertain values, asking for their sums costs about as much as grouping. */
const MAX_REFINED = 400;

/**
 * The `limit` values with the largest positive sums over `days`, largest first, ties in SQL's order of
 * the values: the same answer as grouping every row of the range, read mostly from each day's `k`
 * largest counts (Fagin's threshold algorithm). Each value must have one row per day. On a day cut at
 * `k` rows, a value not among them counts at most the day's k-th count; from these bounds the values
 * that could be in the top are known, and their exact sums (and order) are asked for; when they prove
 * the top, no other row is read. Page views are skewed (a few pages take most views), so this almost
 * always holds; when it does not, plain grouping answers. Exact sums come from SQL only, so a negative
 * correction row or a collation that orders ties otherwise than JavaScript cannot skew the answer.
 */
export async function topCounts(
  days: readonly string[],
  limit: number,
  source: RankedCounts,
  k = Math.max(50, limit * 3),
): Promise<ValueCount[]> {
  const tops = new Map<string, ValueCount[]>();
  for (const row of days.length > 0 ? await source.dayTops(days, k) : []) {
    const { day, value } = row;
    const rows = tops.get(day) ?? [];
    rows.push({ value, n: Number(row.n) });
    tops.set(day, rows);
  }
  const values = new Map<string, Bounds>();
  // The most a value never seen in the days' top rows can sum to.
  let unseen = 0;
  for (const rows of tops.values()) {
    const cutOff = rows.length >= k ? Math.min(...rows.map((r) => r.n)) : 0;
    unseen += cutOff;
    for (const { value, n } of rows) {
      const bounds = values.get(value) ?? { value, n: 0, cutOffSeen: 0 };
      bounds.n += n;
      bounds.cutOffSeen += cutOff;
      values.set(value, bounds);
    }
  }
  const upper = (b: Bounds) => (b.place !== undefined ? b.n : b.n + unseen - b.cutOffSeen);
  let outcome = settle([...values.values()], limit, unseen, upper);
  if (outcome.uncertain.length > 0 && outcome.uncertain.length <= MAX_REFINED) {
    const sums = await source.sums(outcome.uncertain.map((b) => b.value));
    const exact = new Map(sums.map((s, place) => [s.value, { n: Number(s.n), place }]));
    // A value absent from the answer has no row in the range: it sorts after every one present.
    for (const b of outcome.uncertain) Object.assign(b, exact.get(b.value) ?? { n: 0, place: sums.length });
    outcome = settle([...values.values()], limit, unseen, upper);
  }
  if (outcome.top) return outcome.top;
  return source.grouped(limit);
}

/**
 * The top when the bounds prove it; otherwise the values whose exact sums could settle it (none when
 * nothing can: then only grouping answers).
 */
function settle(
  all: Bounds[],
  limit: number,
  unseen: number,
  upper: (b: Bounds) => number,
): { top?: ValueCount[]; uncertain: Bounds[] } {
  const ranked = all.sort(byCountThenPlace);
  const top = ranked.slice(0, limit);
  const last = top.at(-1);
  if (!last || top.length < limit) {
    // Fewer values than asked for: right only if no day was cut, so every value with a row was seen.
    if (unseen > 0) return { uncertain: [] };
    const uncertain = top.filter((b) => b.place === undefined);
    return uncertain.length > 0 ? { uncertain } : { top: plain(top.filter((b) => b.n > 0)), uncertain: [] };
  }
  if (unseen >= last.n) return { uncertain: [] };
  const beaten = (b: Bounds) =>
    upper(b) < last.n ||
    (b.place !== undefined && last.place !== undefined && b.n === last.n && b.place > last.place);
  const uncertain = [
    ...top.filter((b) => b.place === undefined),
    ...ranked.slice(limit).filter((b) => !beaten(b)),
  ];
  return uncertain.length > 0 ? { uncertain } : { top: plain(top), uncertain: [] };
}

function plain(bounds: Bounds[]): ValueCount[] {
  return bounds.map(({ value, n }) => ({ value, n }));
}

/** Largest first; equal sums in SQL's order when both are known from it, else by code unit. */
function byCountThenPlace(a: Bounds, b: Bounds): number {
  if (b.n !== a.n) return b.n - a.n;
  if (a.place !== undefined && b.place !== undefined) return a.place - b.place;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
