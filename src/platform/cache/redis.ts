import { Redis } from "ioredis";

/**
 * A Redis client that fails fast instead of hanging: short connect and command time-outs, no offline
 * queue, and endless background reconnects so the platform recovers by itself when Redis returns.
 */
export function connectRedis(url: string, name: string): Redis {
  const client = new Redis(url, {
    // ioredis re-subscribes on reconnect without catching the result, so a reconnect racing a
    // shutdown became an unhandled rejection; the invalidation bus re-subscribes itself, with a catch.
    autoResubscribe: false,
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

/** Closes a client after its pending commands are answered, and never throws. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  } catch {
    // Already closed or unreachable: nothing is pending any more.
  }
  client.disconnect();
}
