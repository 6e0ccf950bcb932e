/**
 * What each document kind in the search index is called on a page ("service" → 办事服务). Modules
 * that index documents contribute their kinds when they are built, so the search pages and the
 * `kind` filter know every kind without reaching into other modules.
 */
export class SearchKinds {
  private readonly labels = new Map<string, string>();

  /** Adds kinds and their Chinese labels; a kind registered twice must keep its label. */
  register(kinds: Record<string, string>): void {
    for (const [kind, label] of Object.entries(kinds)) {
      const known = this.labels.get(kind);
      if (known !== undefined && known !== label)
        throw new Error(`search kind "${kind}" is already registered as "${known}"`);
      this.labels.set(kind, label);
    }
  }

  has(kind: string): boolean {
    return this.labels.has(kind);
  }

  /** The label of a kind, or the kind itself when nobody registered it. */
  label(kind: string): string {
    return this.labels.get(kind) ?? kind;
  }

  /** Every registered kind in registration order. */
  all(): { kind: string; label: string }[] {
    return [...this.labels].map(([kind, label]) => ({ kind, label }));
  }
}
