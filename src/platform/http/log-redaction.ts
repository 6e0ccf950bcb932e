import type { FastifyRequest } from "fastify";

/**
 * Query parameters whose values are secrets: an Open311 client's `api_key`, a letter's lookup `code`,
 * tokens in links. Their values never reach the logs.
 */
export const SECRET_QUERY_PARAMS = ["api_key", "apikey", "key", "code", "token", "access_token", "secret"];

const SECRET_PARAM = new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join("|")})=)[^&#]*`, "gi");

/** The address with the values of secret query parameters replaced by [REDACTED]. */
export function redactUrl(url: string): string {
  const query = url.indexOf("?");
  if (query < 0) return url;
  return url.slice(0, query) + url.slice(query).replace(SECRET_PARAM, "$1[REDACTED]");
}

/** Headers that carry credentials are named in the log but their values are not. */
const SECRET_HEADERS = ["authorization", "cookie", "x-api-key", "x-csrf-token"];

/**
 * Fastify's logger options: the request serializer logs the redacted address (the default one logs
 * the raw URL, query string and all), and a header holding a credential is censored if logged.
 */
export function loggerOptions(level: string, stream?: { write(line: string): void }) {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: SECRET_HEADERS.map((h) => `req.headers["${h}"]`),
      censor: "[REDACTED]",
    },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        };
      },
    },
  };
}
