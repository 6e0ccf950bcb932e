import { Secret, TOTP } from "otpauth";

const ISSUER = "楚云政务平台";

function totpFor(username: string, secret: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: username,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
}

/** A fresh 160-bit TOTP secret in base32 (what authenticator apps accept). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app imports (also the content of a QR code). */
export function totpUri(username: string, secret: string): string {
  return totpFor(username, secret).toString();
}

/**
 * Checks a 6-digit code, allowing one 30-second step of clock drift either way. Returns the time
 * step (unix seconds / 30) the code belongs to, or null when it is wrong; the caller accepts each
 * step once (RFC 6238 §5.2), so a seen code cannot be replayed within its window.
 */
export function totpStep(username: string, secret: string, code: string, now = Date.now()): number | null {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpFor(username, secret).validate({ token, window: 1, timestamp: now });
  return delta === null ? null : Math.floor(now / 1000 / 30) + delta;
}
