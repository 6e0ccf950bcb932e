/**
 * Search evaluation: graded queries ({"q", "kind", "judgments": {"docId": 0–3}}) scored by nDCG@10
 * and recall@10, overall and per kind of query.
 */

export interface GradedQuery {
  q: string;
  kind: string;
  judgments: Record<string, number>;
}

export interface KindFigures {
  kind: string;
  queries: number;
  ndcg: number;
  recall: number;
}

export function parseQueries(text: string): { queries: GradedQuery[]; errors: string[] } {
  const queries: GradedQuery[] = [];
  const errors: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const o = JSON.parse(line) as Partial<GradedQuery>;
      if (typeof o.q !== "string" || !o.q.trim() || typeof o.judgments !== "object" || !o.judgments)
        throw new Error("needs q and judgments");
      queries.push({ q: o.q, kind: typeof o.kind === "string" ? o.kind : "other", judgments: o.judgments });
    } catch (error) {
      errors.push(`line ${i + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return { queries, errors };
}

/** nDCG@k with gain 2^grade − 1 and log2 discount. */
export function ndcgAt(ranked: string[], judgments: Record<string, number>, k = 10): number {
  const gain = (g: number) => 2 ** g - 1;
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += gain(judgments[id] ?? 0) / Math.log2(i + 2);
  });
  const ideal = Object.values(judgments)
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => {
    idcg += gain(g) / Math.log2(i + 2);
  });
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Relevant documents (grade ≥ 1) in the first k, over min(k, relevant documents). */
export function recallAt(ranked: string[], judgments: Record<string, number>, k = 10): number {
  const relevant = Object.entries(judgments).filter(([, g]) => g > 0);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  const found = relevant.filter(([id]) => top.has(id)).length;
  return found / Math.min(k, relevant.length);
}

/** Figures per kind (sorted by name) and overall (kind "all"). */
export function figures(queries: GradedQuery[], rankings: string[][]): KindFigures[] {
  const byKind = new Map<string, { n: number; ndcg: number; recall: number }>();
  const add = (kind: string, ndcg: number, recall: number) => {
    const f = byKind.get(kind) ?? { n: 0, ndcg: 0, recall: 0 };
    f.n++;
    f.ndcg += ndcg;
    f.recall += recall;
    byKind.set(kind, f);
  };
  queries.forEach((q, i) => {
    const ndcg = ndcgAt(rankings[i], q.judgments);
    const recall = recallAt(rankings[i], q.judgments);
    add(q.kind, ndcg, recall);
    add("all", ndcg, recall);
  });
  return [...byKind]
    .map(([kind, f]) => ({ kind, queries: f.n, ndcg: f.ndcg / f.n, recall: f.recall / f.n }))
    .sort((a, b) => (a.kind === "all" ? -1 : b.kind === "all" ? 1 : a.kind.localeCompare(b.kind)));
}
