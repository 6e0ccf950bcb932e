/** Whether an outside address answers: its HTTP status, or why it could not be reached. */
export type LinkStatus = { status: number } | { error: string };

const REMEMBER_MS = 10 * 60_000;
const MAX_REMEMBERED = 2_000;
const remembered = new Map<string, { at: number; result: LinkStatus }>();

/**
 * Asks an outside http(s) address for its status, HEAD first and GET where HEAD is refused (many
 * servers answer 405 or 501 to HEAD), following redirects, within `timeoutMs`. Answers are kept for
 * ten minutes, so a page that checks its links on every view asks each address at most that often.
 */
export async function linkStatus(url: string, timeoutMs = 5_000): Promise<LinkStatus> {
  const kept = remembered.get(url);
  if (kept && Date.now() - kept.at < REMEMBER_MS) return kept.result;
  const result = await ask(url, timeoutMs);
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(url, { at: Date.now(), result });
  return result;
}

async function ask(url: string, timeoutMs: number): Promise<LinkStatus> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: "地址格式有误" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return { error: "不是网页地址" };
  try {
    for (const method of ["HEAD", "GET"]) {
      const res = await fetch(parsed, {
        method,
        redirect: "follow",
        signal: AbortSignal.timeout(timeoutMs),
        headers: { "user-agent": "Chuyun-LinkCheck/1.0", accept: "text/html,*/*;q=0.5" },
      });
      await res.body?.cancel().catch(() => {});
      if (method === "HEAD" && (res.status === 405 || res.status === 501)) continue;
      return { status: res.status };
    }
    return { error: "无法访问" };
  } catch (error) {
    const e = error as Error;
    if (e.name === "TimeoutError" || e.name === "AbortError")
      return { error: `${timeoutMs / 1000}秒内无响应` };
    return { error: "无法连接" };
  }
}
