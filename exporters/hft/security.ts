/**
 * The security detector of the HFT exporter: watches `security.*` events (seed 000's security_log,
 * seed 001) for activity a person should look at, and says why, never who. The reasons are the
 * catalog's closed set (`SUSPICIOUS_REASONS`):
 *
 * - `repeated_failures`: failed logins and refused second factors of one user, or from one source
 *   address, reach the limit (default 5) within the window (default 5 minutes). A user or address
 *   counts once until it has been quiet for a whole window (a steady attack is one detection, not
 *   one per attempt); a failure that completes both its user's and its address's count is one
 *   detection.
 * - `new_ip_after_mfa_failure`: a successful login from an address never seen for that user (in any
 *   of its security events) within the window after a refused second factor of that user: the
 *   password is known, the second factor was not, and now someone logs in from elsewhere.
 * - `refused_credentials`: refused accesses (`security.permission_denied`) of one user, or from one
 *   address, reach the limit within the window; counted like `repeated_failures`.
 *
 * Memory is bounded whatever the input: the per-user map and the per-address map each hold at most
 * `trackedKeys` entries (default 10,000), least recently seen evicted first; a user keeps at most
 * {@link ADDRESSES_PER_USER} addresses and a window at most `limit` timestamps. Addresses get an entry
 * only when something fails from them. An evicted user or address starts afresh (its next failures
 * count from zero; every address is new to an evicted user).
 */
import { SECURITY_FAILURES_LIMIT, SECURITY_TRACKED_KEYS, SECURITY_WINDOW_SECONDS } from '../catalog/security.js';
import type { SUSPICIOUS_REASONS } from '../catalog/enums.js';
import type { HftEvent } from '../events/index.js';
import { LruMap } from './bounded.js';

/** Why activity is suspicious (the `reason` label of `hft_security_suspicious_total`). */
export type SuspiciousReason = (typeof SUSPICIOUS_REASONS)[number];

/** A `security.*` event of the contract. */
export type SecurityEvent = Extract<HftEvent, { event: `security.${string}` }>;

/** Addresses remembered per user (the most recently seen; an older one is new again when it returns). */
export const ADDRESSES_PER_USER = 8;

/** Options of a {@link SecurityDetector}; every field defaults to the catalog's figure. */
export interface SecurityDetectorOptions {
  /** Seconds a failure, a refusal or an MFA failure counts for (default `SECURITY_WINDOW_SECONDS`, 300). */
  readonly windowSeconds?: number;
  /** Failures (or refusals) within the window that are suspicious (default `SECURITY_FAILURES_LIMIT`, 5). */
  readonly limit?: number;
  /** Bound of the per-user map and of the per-address map, entries each (default `SECURITY_TRACKED_KEYS`, 10,000). */
  readonly trackedKeys?: number;
}

/**
 * The last `limit` timestamps of one kind of failure of one key, and whether the key has been
 * counted since it was last quiet for a whole window.
 */
class FailureWindow {
  /** A plain array: a typed array per key costs an ArrayBuffer each, which V8 allocates and collects far more slowly. */
  private readonly times: number[];
  private next = 0;
  private last = Number.NEGATIVE_INFINITY;
  private flagged = false;

  constructor(limit: number) {
    this.times = new Array<number>(limit).fill(Number.NEGATIVE_INFINITY);
  }

  /**
   * Notes a failure at `t` (Unix seconds).
   * @returns true when this failure makes `limit` within the window and the key was not counted yet
   */
  add(t: number, window: number): boolean {
    if (!(t - this.last < window)) this.flagged = false; // quiet for a whole window: a new episode
    if (t > this.last) this.last = t;
    this.times[this.next] = t;
    this.next = (this.next + 1) % this.times.length;
    if (this.flagged) return false;
    for (const x of this.times) if (!(t - x < window)) return false; // `limit` failures, all within the window
    this.flagged = true;
    return true;
  }
}

interface UserState {
  /** Addresses seen for the user, oldest first, at most {@link ADDRESSES_PER_USER}. */
  readonly addresses: string[];
  failures: FailureWindow | undefined;
  refusals: FailureWindow | undefined;
  lastMfaFailure: number;
}

interface AddressState {
  failures: FailureWindow | undefined;
  refusals: FailureWindow | undefined;
}

/**
 * Finds suspicious activity in security events. One per exporter; `observe` runs on the ingest path
 * (a few map operations per event).
 */
export class SecurityDetector {
  readonly windowSeconds: number;
  readonly limit: number;
  private readonly users: LruMap<string, UserState>;
  private readonly addresses: LruMap<string, AddressState>;

  /** @throws RangeError when the window is not a positive number of seconds, or the limit or the bound not a positive integer */
  constructor(o: SecurityDetectorOptions = {}) {
    this.windowSeconds = o.windowSeconds ?? SECURITY_WINDOW_SECONDS;
    this.limit = o.limit ?? SECURITY_FAILURES_LIMIT;
    if (!(this.windowSeconds > 0)) throw new RangeError('the security window is a positive number of seconds');
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError('the security failure limit is a positive integer');
    const keys = o.trackedKeys ?? SECURITY_TRACKED_KEYS;
    this.users = new LruMap(keys);
    this.addresses = new LruMap(keys);
  }

  /** Users tracked now (at most the bound). */
  get trackedUsers(): number {
    return this.users.size;
  }

  /** Source addresses tracked now (at most the bound). */
  get trackedAddresses(): number {
    return this.addresses.size;
  }

  /**
   * Looks at one security event at its time `t` (Unix seconds).
   * @returns the reasons it completes, each at most once (usually none)
   */
  observe(ev: SecurityEvent, t: number): SuspiciousReason[] {
    const w = this.windowSeconds;
    const ip = ev.source_ip || undefined;
    let user = this.users.get(ev.user_id);
    if (user === undefined) this.users.set(ev.user_id, (user = { addresses: [], failures: undefined, refusals: undefined, lastMfaFailure: Number.NEGATIVE_INFINITY }));
    const out: SuspiciousReason[] = [];
    const failed = (ev.event === 'security.login' && ev.status === 'FAILURE') || ev.event === 'security.mfa_failed';
    if (ev.event === 'security.login' && ev.status === 'SUCCESS' && ip !== undefined && t - user.lastMfaFailure < w && !user.addresses.includes(ip)) {
      out.push('new_ip_after_mfa_failure');
    }
    if (failed) {
      if (ev.event === 'security.mfa_failed' && t > user.lastMfaFailure) user.lastMfaFailure = t;
      const byUser = (user.failures ??= new FailureWindow(this.limit)).add(t, w);
      const byAddress = ip !== undefined && (this.address(ip).failures ??= new FailureWindow(this.limit)).add(t, w);
      if (byUser || byAddress) out.push('repeated_failures');
    } else if (ev.event === 'security.permission_denied') {
      const byUser = (user.refusals ??= new FailureWindow(this.limit)).add(t, w);
      const byAddress = ip !== undefined && (this.address(ip).refusals ??= new FailureWindow(this.limit)).add(t, w);
      if (byUser || byAddress) out.push('refused_credentials');
    }
    if (ip !== undefined) {
      const seen = user.addresses;
      const i = seen.indexOf(ip);
      if (i >= 0) seen.splice(i, 1);
      else if (seen.length >= ADDRESSES_PER_USER) seen.shift();
      seen.push(ip);
    }
    return out;
  }

  private address(ip: string): AddressState {
    let a = this.addresses.get(ip);
    if (a === undefined) this.addresses.set(ip, (a = { failures: undefined, refusals: undefined }));
    return a;
  }
}
