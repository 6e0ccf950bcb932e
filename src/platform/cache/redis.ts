import { Redis } from "ioredis";

/**
 * A Redis client that fails fast instead of hanging: short connect and command time-outs, no offline
 * queue, and endless background reconnects so the platform recovers by itself when Redis returns.
 */
export function connectRedis(url: string, name: string): Redis {
  const client = new Redis(url, {
    connectionName: `chuyun-${name}`,
    connectTimeout: 2000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Errors surface on the commands that fail; the client's own error events would otherwise crash.
  client.on("error", () => {});
  return client;
}

export async function redisHealthy(client: Redis): Promise<boolean> {
  try {
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  }
}
