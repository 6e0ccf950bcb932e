import { hash, verify } from "@node-rs/argon2";

// argon2id with OWASP's recommended minimum (19 MiB, 2 passes).
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/**
 * An argon2id hash, with the same parameters as hashPassword, of a random password nobody knows
 * (thrown away when it was made). Checking a password against it costs what a real check costs.
 */
const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$M+uTiuFnDtA1TXJlR0da7w$lF+KGVDLSApU451Yg8a2zBiB0w8kBz08UwfQlS+f9gE";

/** How many checks ran against the dummy hash (the sign-in tests read it; never reset in production). */
export const dummyChecks = { count: 0 };

/**
 * Checks a password against an account's hash, or, when there is no account (null), against a dummy
 * hash of the same cost, so the time taken does not tell whether the account exists. A dummy check
 * is always false.
 */
export async function verifyPasswordOrDummy(stored: string | null, password: string): Promise<boolean> {
  if (stored) return verifyPassword(stored, password);
  dummyChecks.count++;
  await verifyPassword(DUMMY_HASH, password);
  return false;
}

/** A Chinese reason why a new password is too weak, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return "密码至少10位";
  if (password.length > 128) return "密码不能超过128位";
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (kinds < 3) return "密码须包含大写字母、小写字母、数字、符号中的至少三种";
  return null;
}
