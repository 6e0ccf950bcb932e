import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";

export type InvalidationTopic = "sites" | "content" | "search" | "all" | "assistant";
export type InvalidationHandler = (topic: InvalidationTopic, key: string) => void;

/**
 * Tells every instance that something public changed so it drops what it cached. In one process it is
 * an in-memory emitter; with Redis it is a pub/sub channel every instance listens on.
 */
export interface InvalidationBus {
  publish(topic: InvalidationTopic, key: string): void;
  subscribe(handler: InvalidationHandler): void;
  close(): Promise<void>;
}

export class LocalInvalidationBus implements InvalidationBus {
  private readonly emitter = new EventEmitter();
  publish(topic: InvalidationTopic, key: string): void {
    this.emitter.emit("invalidate", topic, key);
  }
  subscribe(handler: InvalidationHandler): void {
    this.emitter.on("invalidate", handler);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const CHANNEL = "chuyun:invalidate";

export class RedisInvalidationBus implements InvalidationBus {
  private readonly local = new LocalInvalidationBus();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== CHANNEL) return;
      const [topic, ...rest] = message.split(":");
      this.local.publish(topic as InvalidationTopic, rest.join(":"));
    });
    // After Redis comes back, messages sent while it was away are lost: drop everything once.
    subscriber.on("ready", () => {
      void subscriber.subscribe(CHANNEL).catch(() => {});
      this.local.publish("all", "");
    });
  }

  publish(topic: InvalidationTopic, key: string): void {
    // This instance always hears its own change, even when Redis is down.
    this.local.publish(topic, key);
    this.publisher.publish(CHANNEL, `${topic}:${key}`).catch(() => {});
  }

  subscribe(handler: InvalidationHandler): void {
    this.local.subscribe((topic, key) => handler(topic, key));
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}
