import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { Secret, TOTP } from "otpauth";

/**
 * A signed-in console user for tests: logs in through the real form (password, and TOTP for operators),
 * then carries the cookies and the CSRF token across requests made with Fastify inject.
 *
 *   const s = await StaffSession.login(t.app, "rst_editor");
 *   const res = await s.post("/admin/articles/new", { title: "…" });   // _csrf added for you
 */
export const DEMO_PASSWORD = "Chuyun@2026";

export type FormValue = string | number | (string | number)[] | undefined;

export interface UploadFile {
  field: string;
  fileName: string;
  bytes: Buffer;
  contentType?: string;
}

export class StaffSession {
  readonly cookies = new Map<string, string>();
  csrf = "";
  /** The TOTP secret an operator enrolled during login (to log in again later). */
  totpSecret: string | null = null;

  constructor(
    readonly app: FastifyInstance,
    readonly remoteAddress = "127.0.0.1",
  ) {}

  static async login(
    app: FastifyInstance,
    username: string,
    options: { password?: string; totpSecret?: string | null; remoteAddress?: string } = {},
  ): Promise<StaffSession> {
    const s = new StaffSession(app, options.remoteAddress);
    const res = await s.submitLogin(username, options.password ?? DEMO_PASSWORD);
    if (res.statusCode !== 303) throw new Error(`login of ${username} failed: ${res.statusCode}`);
    if (res.headers.location === "/admin/login/totp") {
      const page = await s.get("/admin/login/totp");
      const enrolled = /id="totp-secret">([A-Z2-7]+)</.exec(page.body)?.[1];
      const secret = options.totpSecret ?? enrolled;
      if (!secret) throw new Error(`${username} needs a TOTP secret`);
      s.totpSecret = secret;
      s.csrf = csrfOf(page.body) ?? "";
      let done = await s.post("/admin/login/totp", { code: totpCode(secret) });
      // Each code signs in once: when this step's code was used already, the next step's code
      // (accepted as clock drift) is the one an operator would wait for.
      if (done.statusCode === 401)
        done = await s.post("/admin/login/totp", { code: totpCode(secret, Date.now() + 30_000) });
      if (done.statusCode !== 303) throw new Error(`TOTP of ${username} failed: ${done.statusCode}`);
    }
    await s.refreshCsrf();
    return s;
  }

  /** GETs the login form (for its CSRF cookie) and posts the credentials; returns the POST answer. */
  async submitLogin(username: string, password: string, next?: string): Promise<LightMyRequestResponse> {
    const form = await this.get("/admin/login");
    this.csrf = csrfOf(form.body) ?? "";
    return this.post("/admin/login", { username, password, ...(next ? { next } : {}) });
  }

  async refreshCsrf(): Promise<void> {
    const page = await this.get("/admin");
    const token = csrfOf(page.body);
    if (!token) throw new Error("no CSRF token on /admin");
    this.csrf = token;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: LightMyRequestResponse): LightMyRequestResponse {
    const header = res.headers["set-cookie"];
    for (const line of Array.isArray(header) ? header : header ? [header] : []) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired =
        value === "" ||
        attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now());
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(
      await this.app.inject({
        method: "GET",
        url,
        remoteAddress: this.remoteAddress,
        headers: { cookie: this.cookieHeader(), ...headers },
      }),
    );
  }

  /** POSTs a urlencoded form; `_csrf` is added unless given (pass `_csrf: ""` to leave it out). */
  async post(url: string, form: Record<string, FormValue> = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    const all: Record<string, FormValue> = { _csrf: this.csrf, ...form };
    for (const [k, v] of Object.entries(all)) {
      if (v === undefined || v === "") continue;
      for (const item of Array.isArray(v) ? v : [v]) body.append(k, String(item));
    }
    return this.remember(
      await this.app.inject({
        method: "POST",
        url,
        remoteAddress: this.remoteAddress,
        headers: { cookie: this.cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
        payload: body.toString(),
      }),
    );
  }

  /** POSTs multipart/form-data with fields and files; `_csrf` is added. */
  async postMultipart(
    url: string,
    form: Record<string, FormValue>,
    files: UploadFile[] = [],
  ): Promise<LightMyRequestResponse> {
    const boundary = `----chuyun${Math.random().toString(16).slice(2)}`;
    const chunks: Buffer[] = [];
    const all: Record<string, FormValue> = { _csrf: this.csrf, ...form };
    for (const [k, v] of Object.entries(all)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) {
        chunks.push(
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${item}\r\n`),
        );
      }
    }
    for (const f of files) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.fileName}"\r\n` +
            `Content-Type: ${f.contentType ?? "application/octet-stream"}\r\n\r\n`,
        ),
        f.bytes,
        Buffer.from("\r\n"),
      );
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return this.remember(
      await this.app.inject({
        method: "POST",
        url,
        remoteAddress: this.remoteAddress,
        headers: {
          cookie: this.cookieHeader(),
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
        payload: Buffer.concat(chunks),
      }),
    );
  }
}

export function csrfOf(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

/** The current 6-digit code for a base32 TOTP secret. */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp });
}
