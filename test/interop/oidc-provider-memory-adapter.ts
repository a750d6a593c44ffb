// oidc-provider's storage interface, in memory, for the interop tests. (oidc-provider's own in-memory
// adapter prints a warning at start-up.) One store per test file: vitest runs each file in its own process.
export class MemoryAdapter {
  private static readonly store = new Map<string, Record<string, unknown>>();
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  upsert(id: string, payload: Record<string, unknown>): Promise<void> {
    MemoryAdapter.store.set(this.key(id), payload);
    return Promise.resolve();
  }
  find(id: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve(MemoryAdapter.store.get(this.key(id)));
  }
  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  consume(id: string): Promise<void> {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}
