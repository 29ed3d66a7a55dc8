// Authenticated organization tokens (SCIM and JIT), by hash, so that an IdP's request does not
// read its credential from the database every time. The cache is trusted only while the
// database's change notifications arrive (src/storage/credential-changes.ts): a revocation, by
// any process or by SQL, reaches every server at once. Admin tokens (any credential bound to a
// member) are never cached: they act only while their member is active, with its current role,
// and changes to members are not announced.
import type { CredentialChangeHandlers } from '../../storage/credential-changes.js';
import type { Principal } from './credentials.js';

export class CredentialCache implements CredentialChangeHandlers {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();
  private listening = false;
  /** Moves on at every change, so that a read that overlapped a change is not cached. */
  private generation = 0;

  constructor(private readonly ttlMs = 60_000, private readonly maxEntries = 10_000) {}

  /** Whether revocation notices arrive (for /metrics: nothing is cached while they do not). */
  get isListening(): boolean {
    return this.listening;
  }

  get size(): number {
    return this.entries.size;
  }

  get(tokenHash: string): Principal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.principal;
    this.entries.delete(tokenHash);
    return undefined;
  }

  /** Taken before reading a credential from the database, and given back to `set`. */
  mark(): number {
    return this.generation;
  }

  set(tokenHash: string, principal: Principal, mark: number): void {
    if (!this.listening || mark !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(tokenHash, { principal, until: Date.now() + this.ttlMs });
  }

  onListening(): void {
    this.forgetAll();
    this.listening = true;
  }

  onChange(tokenHash: string): void {
    this.generation += 1;
    this.entries.delete(tokenHash);
  }

  onLost(): void {
    this.listening = false;
    this.forgetAll();
  }

  private forgetAll(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
