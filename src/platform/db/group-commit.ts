/**
 * Group commit: many writers' items go to the database in one transaction (one fsync), and each
 * writer's promise settles only after the batch holding its item has committed. The queue is
 * bounded: when it is full, `submit` refuses at once (QueueFull) instead of letting work pile up, so
 * the caller can answer 503 with Retry-After — nothing accepted is ever dropped silently.
 */

export class QueueFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("write queue full");
    this.name = "QueueFull";
  }
}

export interface GroupCommitOptions<T, R> {
  /** Writes one batch in one transaction and returns one result per item, in order. */
  flush: (items: T[]) => Promise<R[]>;
  /** Items waiting (not yet in a batch) before submit refuses. */
  capacity: number;
  /** Largest batch. */
  maxBatch: number;
  /** Batches in flight at the same time (a writer may group or pipeline them; see RecordWriter). */
  concurrency: number;
  /**
   * Start a batch as soon as this many items wait, instead of on the next turn of the event loop:
   * for a writer on another thread, which can write the first items while this one reads the rest.
   */
  handOffAt?: number;
}

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitQueue<T, R> {
  private readonly waiting: Pending<T, R>[] = [];
  private running = 0;
  private scheduled = false;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Figures for monitoring and the bench: batches written, items written, largest batch. */
  readonly stats = { batches: 0, items: 0, largest: 0, refused: 0 };

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  get depth(): number {
    return this.waiting.length;
  }

  /** Queues an item; resolves once its batch is committed, rejects with the batch's error or QueueFull. */
  submit(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new QueueFull(5));
    if (this.waiting.length >= this.options.capacity) {
      this.stats.refused++;
      return Promise.reject(new QueueFull(1));
    }
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      const handOffAt = this.options.handOffAt;
      if (handOffAt !== undefined && this.waiting.length >= handOffAt) this.drain();
      else this.pump();
    });
  }

  /**
   * Starts batches on the next turn of the event loop (setImmediate), not at once: every request
   * that arrived in this turn joins the batch (unless `handOffAt` hands smaller batches off sooner).
   */
  private pump(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running++;
      void this.write(batch);
    }
    if (this.running === 0 && this.waiting.length === 0) for (const done of this.idle.splice(0)) done();
  }

  private async write(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.options.flush(batch.map((p) => p.item));
      this.stats.batches++;
      this.stats.items += batch.length;
      this.stats.largest = Math.max(this.stats.largest, batch.length);
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.running--;
      // Requests that arrived while this batch was written form the next batch (the group).
      this.pump();
    }
  }

  /** Refuses new items and waits until every queued item is written. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running === 0 && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
