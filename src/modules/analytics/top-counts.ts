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
  /** The counts seen so far: the sum itself once `exact`. */
  n: number;
  /** The sum of the cut-off counts of the days whose top rows held the value. */
  cutOffSeen: number;
  exact: boolean;
}

/** Above this many uncertain values, asking for their sums costs about as much as grouping. */
const MAX_REFINED = 400;

/**
 * The `limit` values with the largest sums over `days`, largest first, ties by value: the same answer as
 * grouping every row of the range, read mostly from each day's `k` largest counts (Fagin's threshold
 * algorithm). On a day cut at `k` rows, a value not among them counts at most the day's k-th count;
 * from these bounds the values that could still be in the top are known, their exact sums are asked
 * for, and when the top and its sums are proven no other row is read. Page views are skewed (a few
 * pages take most views), so this almost always holds; when it does not, plain grouping answers.
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
      const bounds = values.get(value) ?? { value, n: 0, cutOffSeen: 0, exact: false };
      bounds.n += n;
      bounds.cutOffSeen += cutOff;
      values.set(value, bounds);
    }
  }
  const upper = (b: Bounds) => (b.exact ? b.n : b.n + unseen - b.cutOffSeen);
  for (const b of values.values()) b.exact = upper(b) === b.n;
  let outcome = settle([...values.values()], limit, unseen, upper);
  if (outcome.uncertain.length > 0 && outcome.uncertain.length <= MAX_REFINED && unseen < outcome.threshold) {
    const sums = new Map(
      (await source.sums(outcome.uncertain.map((b) => b.value))).map((s) => [s.value, s.n]),
    );
    for (const b of outcome.uncertain) Object.assign(b, { n: Number(sums.get(b.value) ?? 0), exact: true });
    outcome = settle([...values.values()], limit, unseen, upper);
  }
  if (outcome.top) return outcome.top;
  return source.grouped(limit);
}

/**
 * The top when the bounds prove it; otherwise the values whose sums would settle it (the top's inexact
 * ones and every other that could reach the last of the top) and the count they must reach.
 */
function settle(
  all: Bounds[],
  limit: number,
  unseen: number,
  upper: (b: Bounds) => number,
): { top?: ValueCount[]; uncertain: Bounds[]; threshold: number } {
  const ranked = all.sort(byCountThenValue);
  const top = ranked.slice(0, limit);
  const last = top.at(-1);
  if (!last || top.length < limit)
    return unseen === 0 && top.every((b) => b.exact)
      ? { top: plain(top), uncertain: [], threshold: 0 }
      : none();
  const beaten = (b: Bounds) => upper(b) < last.n || (b.exact && byCountThenValue(last, b) < 0);
  const uncertain = [...top.filter((b) => !b.exact), ...ranked.slice(limit).filter((b) => !beaten(b))];
  if (uncertain.length === 0 && unseen < last.n) return { top: plain(top), uncertain, threshold: last.n };
  return { uncertain, threshold: last.n };
}

function none() {
  return { uncertain: [], threshold: 0 };
}

function plain(bounds: Bounds[]): ValueCount[] {
  return bounds.map(({ value, n }) => ({ value, n }));
}

function byCountThenValue(a: ValueCount, b: ValueCount): number {
  return b.n - a.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}
