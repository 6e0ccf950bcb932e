import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import { ExpiringCache } from "../cache/expiring-cache.ts";

/** Whether an outside address answers: its HTTP status, or why it could not be reached. */
export type LinkStatus = { status: number } | { error: string };

export interface LinkStatusOptions {
  /** Per request (HEAD, GET, each redirect); default 3 s. */
  timeoutMs?: number;
  /** Ask addresses of this machine and private networks too (tests); never in the server. */
  allowPrivate?: boolean;
  /** Sent with every request (the site inspection names its own robot). */
  userAgent?: string;
}

const MAX_REDIRECTS = 5;
const MAX_URL_LENGTH = 2_000;
const INTERNAL = "指向内部网络地址，公众无法访问";

/** Loopback, private, link-local, shared (CGNAT), multicast and reserved networks. */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  NOT_PUBLIC.addSubnet(net, bits, "ipv4");
// IPv6 forms that carry an IPv4 address (IPv4-compatible, NAT64, Teredo, 6to4) are refused whole:
// through a translator they could reach any private IPv4 address.
for (const [net, bits] of [
  ["::", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  NOT_PUBLIC.addSubnet(net, bits, "ipv6");

function isPublic(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return !NOT_PUBLIC.check(mapped, "ipv4");
  const family = isIP(address);
  return family !== 0 && !NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

class InternalAddress extends Error {}
class TooManyRequests extends Error {}

/**
 * Resolves a host name for a connection and refuses it when any of its addresses is not public:
 * the address checked is the one connected to (no second resolution a rebinding DNS could change).
 */
const publicLookup: NonNullable<http.RequestOptions["lookup"]> = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, family: options.family }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    if (addresses.length === 0 || !addresses.every((a) => isPublic(a.address)))
      return callback(new InternalAddress(hostname), "", 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

/** One request: its status and where it redirects, within the time given. */
function ask(
  url: URL,
  method: "HEAD" | "GET",
  o: Required<LinkStatusOptions>,
): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!o.allowPrivate && isIP(host) !== 0 && !isPublic(host)) return reject(new InternalAddress(host));
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method,
        agent: false,
        lookup: o.allowPrivate ? undefined : publicLookup,
        headers: { "user-agent": o.userAgent, accept: "text/html,*/*;q=0.5" },
      },
      (res) => {
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        res.destroy();
      },
    );
    const timer = setTimeout(() => request.destroy(new Error("timeout")), o.timeoutMs);
    request.on("close", () => clearTimeout(timer));
    request.on("error", reject);
    request.end();
  });
}

/**
 * Requests of one link at most, redirects and GET-after-HEAD included (each within the timeout): every
 * redirect, and a GET for two of them.
 */
const MAX_REQUESTS = MAX_REDIRECTS + 3;

async function probe(
  address: string,
  o: Required<LinkStatusOptions>,
  beforeRequest?: (url: URL) => Promise<void>,
): Promise<LinkStatus> {
  if (address.length > MAX_URL_LENGTH) return { error: "地址过长" };
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { error: "地址格式有误" };
  }
  let requests = 0;
  // Every request waits its turn (a crawl's politeness per host), and one link never takes more than
  // MAX_REQUESTS of them, however its redirects run.
  const request = async (method: "HEAD" | "GET") => {
    if (++requests > MAX_REQUESTS) throw new TooManyRequests();
    await beforeRequest?.(url);
    return ask(url, method, o);
  };
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (url.protocol !== "http:" && url.protocol !== "https:") return { error: "不是网页地址" };
      // Many servers refuse HEAD (405, 501, or a 403/404 meant for robots) but serve the page.
      let answer = await request("HEAD");
      if (answer.status >= 400) answer = await request("GET");
      if (answer.status < 300 || answer.status >= 400 || !answer.location) return { status: answer.status };
      url = new URL(answer.location, url);
    }
    return { error: `重定向超过${MAX_REDIRECTS}次` };
  } catch (error) {
    if (error instanceof InternalAddress) return { error: INTERNAL };
    if (error instanceof TooManyRequests)
      return { error: `${MAX_REQUESTS}次请求后仍未得到页面（重定向过多）` };
    if ((error as Error).message === "timeout") return { error: `${o.timeoutMs / 1000}秒内无响应` };
    return { error: "无法连接" };
  }
}

/**
 * Asks outside http(s) addresses whether they answer, for people checking links (the content
 * check): HEAD first and GET where HEAD is refused, following at most five redirects by hand, each
 * request within the timeout. Addresses of this machine and of private networks are never asked
 * (a staff member's link must not reach the platform's own network), whatever a name resolves to
 * or a redirect points at. Answers, and questions under way, are shared for ten minutes.
 */
export class LinkChecker {
  private readonly answers = new ExpiringCache<string, Promise<LinkStatus>>({
    ttlMs: 10 * 60_000,
    maxWeight: 2_000,
    weigh: () => 1,
  });
  private readonly options: Required<LinkStatusOptions>;

  constructor(options: LinkStatusOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 3_000,
      allowPrivate: options.allowPrivate ?? false,
      userAgent: options.userAgent ?? "Chuyun-LinkCheck/1.0",
    };
  }

  /**
   * Whether `url` answers; `beforeRequest` is awaited before each request of a new check (a crawl's
   * politeness per host).
   */
  status(url: string, beforeRequest?: (url: URL) => Promise<void>): Promise<LinkStatus> {
    let answer = this.answers.get(url);
    if (!answer) {
      answer = probe(url, this.options, beforeRequest);
      this.answers.set(url, answer);
    }
    return answer;
  }
}
