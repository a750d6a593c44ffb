import {
  RevocationList,
  type JwtClaims,
  type RevocationCheck,
  type RevocationRule,
  type RevocationState,
} from '@tollgate/core';
import { commands, errorText, isCluster, text, type Commands } from './client.js';
import { RedisUnavailableError } from './errors.js';
import { durationProblems, throwProblems } from './keys.js';
import {
  parseChange,
  RedisRevocations,
  revocationOptionProblems,
  type RedisRevocationsOptions,
  type RevocationChange,
} from './revocations.js';

export interface RevocationMirrorOptions extends RedisRevocationsOptions {
  /**
   * While current, how often the mirror compares its version with Redis (one small read); a
   * difference triggers a full resynchronisation. This is the safety net behind pub/sub, which
   * can lose a message during a reconnect: it bounds how long a missed change can go unseen.
   * Default `5000` ms (jittered ±20 %).
   */
  readonly checkIntervalMs?: number | undefined;
  /**
   * While degraded (Redis or the subscription away), how often the mirror tries again; it then
   * also picks up changes by polling. Default `1000` ms (jittered ±20 %).
   */
  readonly retryIntervalMs?: number | undefined;
  /** Most rules mirrored; a list in Redis beyond it makes the mirror degraded. Default `100_000`. */
  readonly maxRules?: number | undefined;
}

export const MIRROR_DEFAULTS = Object.freeze({ checkIntervalMs: 5000, retryIntervalMs: 1000, maxRules: 100_000 });

const NOT_SYNCED = 'not synchronised with Redis yet';

/**
 * A replica's local copy of the shared revocation list, kept current by pub/sub and checked on
 * the hot path without touching Redis: `revoked()` reads an in-memory {@link RevocationList}.
 *
 * It subscribes on its own `duplicate()` of your connection, reads the whole list once
 * subscribed, applies every published change in version order, and reads the list again after
 * a reconnect, on a version gap or epoch change, and whenever the periodic version check finds
 * it behind. While Redis or the subscription is away it keeps serving the last list it had, and
 * `state()` says `degraded` (since when, why) until it is current again.
 *
 * @example
 * const revocation = new RedisRevocationMirror({ client });
 * await revocation.ready();                      // optional: wait for the first synchronisation
 * const verifier = createVerifier({ ...options, revocation });
 * process.on('SIGTERM', () => revocation.close());
 */
export class RedisRevocationMirror implements RevocationCheck {
  /** The admin side on the same connection and prefix: `revoke`, `unrevoke`, `list` in Redis. */
  readonly revocations: RedisRevocations;
  private list: RevocationList;
  private epoch = '';
  private version = 0;
  private readonly client: Commands;
  private subscriber: Commands | undefined;
  private subscribed = false;
  private subscribing = false;
  private syncing: Promise<void> | undefined;
  private resyncAgain = false;
  /** Changes received while a snapshot is being read, replayed onto it. */
  private buffered: RevocationChange[] | undefined;
  private syncedAt: number | null = null;
  private degradedSince: number | null;
  /** The last full read found more rules than `maxRules`: degraded until a read that fits, whatever else recovers. */
  private overflowed = false;
  private lastError: string | undefined = NOT_SYNCED;
  private note: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the pending check runs (real time, for rescheduling); undefined while one runs. */
  private dueAt: number | undefined;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private readonly clock: () => number;
  private readonly checkIntervalMs: number;
  private readonly retryIntervalMs: number;
  private readonly maxRules: number;
  private readonly listener = (message: string) => this.onMessage(message);

  constructor(options: RevocationMirrorOptions) {
    throwProblems('RedisRevocationMirror options', [
      ...revocationOptionProblems(options),
      ...durationProblems(options?.checkIntervalMs, 'checkIntervalMs', { min: 100 }),
      ...durationProblems(options?.retryIntervalMs, 'retryIntervalMs', { min: 50 }),
      ...(options?.maxRules !== undefined && (!Number.isInteger(options.maxRules) || options.maxRules < 1)
        ? [['maxRules', 'maxRules must be a positive integer.'] as const]
        : []),
    ]);
    this.revocations = new RedisRevocations(options);
    this.client = commands(options.client);
    this.clock = options.clock ?? Date.now;
    this.checkIntervalMs = options.checkIntervalMs ?? MIRROR_DEFAULTS.checkIntervalMs;
    this.retryIntervalMs = options.retryIntervalMs ?? MIRROR_DEFAULTS.retryIntervalMs;
    this.maxRules = options.maxRules ?? MIRROR_DEFAULTS.maxRules;
    this.list = this.newList();
    this.degradedSince = this.clock();
    void this.subscribe();
    this.schedule(0);
  }

  /** The hot-path check: a few local map lookups on the mirrored list; never waits on Redis. */
  revoked(claims: JwtClaims, nowMs: number): RevocationRule | undefined {
    return this.list.revoked(claims, nowMs);
  }

  /** `ok` when subscribed and current; `degraded` (since when, why) while serving the last known list. */
  state(): RevocationState {
    return {
      status: this.degradedSince === null ? 'ok' : 'degraded',
      rules: this.list.size,
      syncedAt: this.syncedAt,
      degradedSince: this.degradedSince,
      lastError: this.degradedSince === null ? this.note : this.lastError,
    };
  }

  /** The mirrored rules in force. */
  rules(): RevocationRule[] {
    return this.list.list();
  }

  /**
   * Resolves once the mirror is subscribed and has read the whole list. Rejects with
   * `RedisUnavailableError` after `timeoutMs` (default 5000); the mirror keeps trying.
   */
  ready(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.degradedSince === null) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(
          new RedisUnavailableError(
            'revocation sync',
            'timeout',
            `The revocation mirror was not synchronised with Redis within ${timeoutMs} ms (${this.lastError ?? 'no error'}); it keeps trying.`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Stops the checks and closes the mirror's own subscriber connection; your client stays open. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearTimeout(this.timer);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) {
      subscriber.off('ready', this.onReady);
      destroyQuietly(subscriber);
    }
    return Promise.resolve();
  }

  private newList(): RevocationList {
    return new RevocationList({ clock: this.clock, maxRules: this.maxRules });
  }

  private readonly onReady = () => {
    // node-redis resubscribes before it reports `ready` again, so a snapshot read now cannot
    // miss a change published after it.
    if (this.subscribing || this.closed) return;
    this.subscribed = true;
    void this.resync();
  };

  private readonly onLost = (reason: string) => () => {
    if (this.closed) return;
    this.subscribed = false;
    this.degrade(`pub/sub connection to Redis ${reason}`);
  };

  private readonly onError = (error: unknown) => {
    if (!this.closed) this.degrade(`Redis error on the pub/sub connection: ${errorText(error)}`);
  };

  private async subscribe(): Promise<void> {
    if (this.closed || this.subscribing || this.subscriber !== undefined) return;
    this.subscribing = true;
    const subscriber = this.client.duplicate(isCluster(this.client) ? { minimizeConnections: true } : undefined);
    this.subscriber = subscriber;
    subscriber.on('error', this.onError);
    subscriber.on('ready', this.onReady);
    subscriber.on('reconnecting', this.onLost('lost; reconnecting'));
    subscriber.on('end', this.onLost('closed'));
    try {
      await subscriber.connect();
      await subscriber.subscribe(this.revocations.keys.channel, this.listener);
      this.subscribing = false;
      if (this.closed) return;
      this.subscribed = true;
      await this.resync();
    } catch (error) {
      this.subscribing = false;
      if (this.closed) return;
      // A first connection that failed for good: drop this duplicate; the next check makes another.
      this.subscriber = undefined;
      subscriber.off('ready', this.onReady);
      destroyQuietly(subscriber);
      this.degrade(`could not subscribe to Redis: ${errorText(error)}`);
    }
  }

  private onMessage(message: string): void {
    const change = parseChange(text(message) ?? '');
    if (change === undefined) return;
    this.buffered?.push(change);
    this.apply(change);
  }

  /** Applies a change in version order; a gap or a new epoch means changes were missed: resynchronise. */
  private apply(change: RevocationChange): void {
    if (change.epoch === this.epoch && change.version <= this.version) return;
    const missed = change.epoch !== this.epoch || change.version !== this.version + 1;
    try {
      if (change.op === 'revoke') this.list.add(change.rule);
      else this.list.unrevoke(change.selector);
    } catch (error) {
      this.degrade(`a revocation could not be mirrored: ${errorText(error)}`);
    }
    this.epoch = change.epoch;
    this.version = change.version;
    if (missed) void this.resync();
  }

  /**
   * Reads the whole list and swaps it in at once, then replays changes that arrived meanwhile.
   * Asked while a read is in flight, it reads once more afterwards: that read may have started
   * before the event that asked (a resubscription), and would not cover what came before it.
   */
  private resync(): Promise<void> {
    if (this.syncing !== undefined) {
      this.resyncAgain = true;
      return this.syncing;
    }
    this.buffered = [];
    this.syncing = (async () => {
      try {
        const snapshot = await this.revocations.snapshot('revocation sync');
        const list = this.newList();
        let overflow = false;
        for (const rule of snapshot.rules) {
          try {
            list.add(rule);
          } catch {
            overflow = true;
          }
        }
        const arrived = this.buffered ?? [];
        this.buffered = undefined;
        this.list = list;
        this.epoch = snapshot.epoch;
        this.version = snapshot.version;
        this.syncedAt = this.clock();
        this.note =
          snapshot.skipped > 0
            ? `${snapshot.skipped} entries in Redis are not revocation rules and were skipped`
            : undefined;
        for (const change of arrived) this.apply(change);
        this.overflowed = overflow;
        if (overflow) this.degrade(this.overflowReason());
        else this.current();
      } catch (error) {
        const arrived = this.buffered ?? [];
        this.buffered = undefined;
        for (const change of arrived) this.apply(change);
        this.degrade(errorText(error));
      } finally {
        this.syncing = undefined;
        if (this.resyncAgain && !this.closed) {
          this.resyncAgain = false;
          void this.resync();
        }
      }
    })();
    return this.syncing;
  }

  /** One periodic step: (re)subscribe if needed, compare versions, resynchronise when behind. */
  private async check(): Promise<void> {
    if (this.subscriber === undefined) void this.subscribe();
    try {
      const remote = await this.revocations.version('revocation sync');
      if (remote.epoch !== this.epoch || remote.version !== this.version || this.syncedAt === null) await this.resync();
      else this.current();
    } catch (error) {
      this.degrade(errorText(error));
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.dueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.dueAt = undefined;
      void this.check().finally(() => {
        const base = this.degradedSince === null ? this.checkIntervalMs : this.retryIntervalMs;
        this.schedule(base * (0.8 + Math.random() * 0.4));
      });
    }, delayMs);
    this.timer.unref();
  }

  private current(): void {
    if (!this.subscribed || this.syncedAt === null) {
      if (!this.subscribed) this.degrade(this.subscribing ? 'subscribing to Redis' : 'not subscribed to Redis');
      return;
    }
    // A check that finds the versions unchanged, or a resubscription, must not report a mirror
    // that holds only part of the list as ok.
    if (this.overflowed) this.degrade(this.overflowReason());
    else if (this.degradedSince !== null) {
      this.degradedSince = null;
      this.lastError = undefined;
    }
    for (const waiter of [...this.waiters]) waiter();
  }

  private overflowReason(): string {
    return `Redis holds more revocation rules than maxRules (${this.maxRules}); the mirror holds the first ${this.maxRules}`;
  }

  private degrade(reason: string): void {
    this.lastError = reason;
    if (this.degradedSince !== null) return;
    this.degradedSince = this.clock();
    // Retry at the degraded pace now, not when the next routine check falls due. `dueAt` is
    // undefined while a check runs; that check schedules the next one itself.
    if (this.dueAt !== undefined && this.dueAt - Date.now() > this.retryIntervalMs)
      this.schedule(this.retryIntervalMs * (0.8 + Math.random() * 0.4));
  }
}

/** Closes a connection that may already be closed (node-redis throws then). */
function destroyQuietly(connection: Commands): void {
  try {
    connection.destroy();
  } catch {
    // already closed
  }
}
