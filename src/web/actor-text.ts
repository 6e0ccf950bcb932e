/**
 * How an actor recorded with an action (audit log, review trail, history) reads to people: the
 * system, a citizen's account, a member system of the exchange, or a staff member's name when
 * `staffNames` knows their login or `staff:ID` (else the login as recorded).
 */
export function actorText(actor: string, staffNames: ReadonlyMap<string, string> = new Map()): string {
  if (actor === "system" || actor.startsWith("system:")) return "系统";
  const known = staffNames.get(actor);
  if (known) return known;
  if (actor.startsWith("account:")) return `公众账户（${actor.slice("account:".length)}号）`;
  if (actor.startsWith("member:")) return `共享平台成员 ${actor.slice("member:".length)}`;
  if (actor.startsWith("staff:")) return `工作人员（${actor.slice("staff:".length)}号）`;
  return actor;
}
