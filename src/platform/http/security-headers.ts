import helmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import Fastify from "fastify";

/** Headers every Fastify response carries anyway (not helmet's). */
const OWN = new Set(["content-type", "content-length", "date", "connection", "keep-alive"]);

/**
 * The security headers @fastify/helmet would set for these options, worked out once: the plugin
 * builds helmet's middleware anew on every request (parsing the CSP directives each time — several
 * per cent of a small API request's CPU in profiles), yet with one global configuration the headers
 * never change. A throwaway app with the plugin answers one request; its headers are the list.
 */
export async function securityHeaders(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, options);
  probe.get("/", async () => "");
  try {
    const response = await probe.inject({ method: "GET", url: "/" });
    return Object.entries(response.headers)
      .filter(([name]) => !OWN.has(name))
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : String(value)]);
  } finally {
    await probe.close();
  }
}
