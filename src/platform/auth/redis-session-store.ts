import type { Redis } from "ioredis";
import { ServiceUnavailable } from "../ops/unavailable.ts";
import { newToken, tokenId, type Session, type SessionStore, type SessionKind } from "./session-store.ts";

const PREFIX = "chuyun:session:";

/**
 * Sessions in Redis, shared by every instance. When Redis is unreachable a lookup finds no session
 * (the visitor is asked to sign in again) and creating one fails with a clear 503: never someone
 * else's session.
 */
export class RedisSessionStore implements SessionStore {
  constructor(private readonly redis: Redis) {}

  async create(userId: number, kind: SessionKind, ttlSeconds: number, data: Record<string, unknown> = {}) {
    const token = newToken();
    const session: Session = {
      id: tokenId(token),
      userId,
      kind,
      csrf: newToken(),
      data,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    };
    try {
      await this.redis.set(PREFIX + session.id, JSON.stringify(session), "EX", ttlSeconds);
      await this.redis.sadd(`${PREFIX}user:${kind}:${userId}`, session.id);
      await this.redis.expire(`${PREFIX}user:${kind}:${userId}`, ttlSeconds);
    } catch {
      throw new ServiceUnavailable("登录服务暂时不可用，请稍后再试");
    }
    return { token, session };
  }

  async get(token: string): Promise<Session | null> {
    if (!token || token.length > 100) return null;
    try {
      const raw = await this.redis.get(PREFIX + tokenId(token));
      if (!raw) return null;
      const session = JSON.parse(raw) as Session;
      return session.id === tokenId(token) && session.expiresAt > new Date().toISOString() ? session : null;
    } catch {
      return null;
    }
  }

  async destroy(token: string): Promise<void> {
    await this.redis.del(PREFIX + tokenId(token)).catch(() => 0);
  }

  async destroyAllFor(userId: number, kind: SessionKind): Promise<void> {
    const key = `${PREFIX}user:${kind}:${userId}`;
    const ids = await this.redis.smembers(key).catch(() => [] as string[]);
    if (ids.length > 0) await this.redis.del(...ids.map((id) => PREFIX + id)).catch(() => 0);
    await this.redis.del(key).catch(() => 0);
  }
}
