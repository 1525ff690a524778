/**
 * One fastify server with the web configuration applied (`--web.config.file`, config.ts): TLS with
 * client certificates, HTTP basic authentication against bcrypt hashes, extra response headers.
 * Every HTTP server tickwatch runs is made here: each service's `/metrics` worker (worker.ts) and the
 * recorder's query API with Alertmanager's webhook. Without a web configuration it is a plain
 * fastify server, as before.
 *
 * What a client sees, as exporter-toolkit v0.8.2 (web/handler.go, web/tls_config.go) answers:
 * - no or wrong credentials: 401, `WWW-Authenticate: Basic`, body `Unauthorized\n`; an unknown user
 *   is checked against a fixed hash, so the time taken does not tell which users exist;
 * - the file became invalid while running: 500 `Internal Server Error\n` for every request, and TLS
 *   handshakes fail, until it is valid again (a server does not start on an invalid file);
 * - plain HTTP to a TLS port: `HTTP/1.0 400 Bad Request` with Go's text; a TLS version, cipher or
 *   client certificate the configuration refuses: the handshake fails;
 * - headers of `http_server_config.headers` on every response.
 *
 * Beyond exporter-toolkit: `healthOpen` lets `/-/healthy` and `/-/ready` answer without credentials
 * (TLS still applies), and wrong credentials are rate-limited per source address (default 10 per
 * 60 s, then 429 with `Retry-After` until the window ends, without running bcrypt). Correct
 * credentials are cached (100 entries) under an HMAC of user, hash and password with a key drawn
 * at start, so no password is kept in memory and a changed hash invalidates its entries.
 *
 * Every refusal is reported ({@link WebRefusal}) to the owner, which counts it
 * (`tickwatch_web_refusals_total{reason}`) and turns the ones worth auditing into security events
 * ({@link refusalEvent}).
 */
import bcrypt from 'bcryptjs';
import Fastify, { type FastifyHttpsOptions, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { createHmac, randomBytes } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import { resolve } from 'node:path';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { WEB_REFUSE_REASONS } from '../../catalog/enums.js';
import { webRefusalsTotal } from '../../catalog/security.js';
import type { Log } from '../../lib/log.js';
import type { MetricRegistry } from '../registry.js';
import { WebConfigWatcher, type WebTls } from './config.js';

/** Why a request or connection was refused (the `reason` label of `tickwatch_web_refusals_total`). */
export type WebRefuseReason = (typeof WEB_REFUSE_REASONS)[number];

/** How a service's HTTP servers apply a web configuration (`--web.config.file`, `--web.health-open`, ...). */
export interface WebAccess {
  /** The web configuration file, in exporter-toolkit's format (config.ts). */
  readonly configFile: string;
  /** `/-/healthy` and `/-/ready` answer without credentials (TLS still applies); default false. */
  readonly healthOpen?: boolean;
  /** Wrong credentials from one address within the window before it gets 429 (default {@link FAILURE_LIMIT}). */
  readonly failureLimit?: number;
  /** The window of `failureLimit`, seconds (default {@link FAILURE_WINDOW_SECONDS}). */
  readonly failureWindowSeconds?: number;
}

/**
 * Default wrong-credential attempts per source address per window: 10, PCI DSS 4.0 8.3.4's upper
 * bound for locking out after invalid attempts. A Prometheus with the right password never fails.
 */
export const FAILURE_LIMIT = 10;
/** Default window of {@link FAILURE_LIMIT}, seconds (a minute: a scrape interval's order of magnitude, so a fixed client is let in again quickly). */
export const FAILURE_WINDOW_SECONDS = 60;
/** Correct credentials remembered (exporter-toolkit's `cacheSize`: 100). */
export const AUTH_CACHE_SIZE = 100;
/** The paths `healthOpen` opens. */
export const HEALTH_PATHS: readonly string[] = ['/-/healthy', '/-/ready'];

/** exporter-toolkit's fixed bcrypt hash of "fakepassword", compared for unknown users (web/handler.go). */
const UNKNOWN_USER_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

/** One refused request or connection. */
export interface WebRefusal {
  readonly reason: WebRefuseReason;
  /** The service whose server refused it (`tickwatch-hft`, `tickwatch-recorder-api`, ...). */
  readonly service: string;
  /** The client's address (as the socket reports it; `unknown` when it hung up first). */
  readonly remote: string;
  /** The basic-auth user name sent, if any (at most 128 characters kept). */
  readonly user?: string;
  readonly method?: string;
  /** The path asked for, without the query string (at most 256 characters kept). */
  readonly path?: string;
  /** The TLS error, for handshake refusals. */
  readonly detail?: string;
  /**
   * Whether it is worth a security event: refused credentials and client certificates are, so a
   * flood cannot flood the audit trail, within bounds: wrong passwords stop at the rate limit (its
   * first 429 is audited, the later ones are not), requests without credentials and refused
   * client certificates are audited up to `failureLimit` per address per window; other TLS
   * failures (port scans, hang-ups) and plain HTTP are counted only.
   */
  readonly audit: boolean;
  /** When, ms since the epoch. */
  readonly at: number;
}

/** Options of {@link createWebApp}. */
export interface WebAppOptions {
  /** Name in refusals and problems. */
  readonly service: string;
  /** The web configuration; absent: a plain fastify server. */
  readonly web?: WebAccess;
  /** Told about every refusal; must not throw. */
  readonly onRefusal?: (r: WebRefusal) => void;
  /** Told when the file became invalid or valid again, and other problems; must not throw. */
  readonly onProblem?: (message: string) => void;
  /** More fastify options (`bodyLimit`, ...); `logger` is off, `https` comes from the web configuration. */
  readonly fastify?: Omit<FastifyServerOptions, 'logger'>;
}

const clip = (s: string | undefined, n: number): string | undefined => (s === undefined ? undefined : s.length > n ? s.slice(0, n) : s);

/**
 * Parses `Authorization: Basic base64(user:password)` as Go's `Request.BasicAuth` does (scheme
 * case-insensitive, standard base64, split at the first colon).
 * @returns the pair, `undefined` when there is no such header, `null` when it is malformed
 */
export function parseBasicAuth(header: string | undefined): { user: string; pass: string } | undefined | null {
  if (header === undefined) return undefined;
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const b64 = header.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { user: text.slice(0, i), pass: text.slice(i + 1) };
}

/** Correct credentials seen recently, keyed by an HMAC (a per-process random key) of user, hash and password. */
class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly seen = new Map<string, true>();

  private id(user: string, hash: string, pass: string): string {
    return createHmac('sha256', this.key).update(user).update('\0').update(hash).update('\0').update(pass).digest('base64');
  }

  has(user: string, hash: string, pass: string): boolean {
    return this.seen.has(this.id(user, hash, pass));
  }

  add(user: string, hash: string, pass: string): void {
    if (this.seen.size >= AUTH_CACHE_SIZE) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(this.id(user, hash, pass), true);
  }
}

function text(reply: FastifyReply, code: number, body: string): FastifyReply {
  return reply.code(code).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(body);
}

/**
 * How many refusals without a password to try (no credentials, a refused client certificate) one
 * address may have audited per window: the same figures as the wrong-password limit. Past it they
 * are counted and logged at debug only, so a flood of bare requests or handshakes cannot flood
 * audit_security; the security detector has long seen the address by then (it needs 5 in 5 minutes).
 * The HFT exporter's TCP ingest audits its refused tokens through one of these too.
 * @returns whether a refusal from `remote` is still audited now (it spends one of the address's points)
 */
export function auditBudget(web: Pick<WebAccess, 'failureLimit' | 'failureWindowSeconds'> = {}): (remote: string) => Promise<boolean> {
  const budget = new RateLimiterMemory({ points: web.failureLimit ?? FAILURE_LIMIT, duration: web.failureWindowSeconds ?? FAILURE_WINDOW_SECONDS });
  return (remote) => budget.consume(remote).then(
    () => true,
    () => false,
  );
}

/** The onRequest hook: headers, then basic authentication (when the file lists users). */
function guard(watcher: WebConfigWatcher, o: WebAppOptions, web: WebAccess, audit: (remote: string) => Promise<boolean>) {
  const cache = new CredentialCache();
  const limit = web.failureLimit ?? FAILURE_LIMIT;
  const limiter = new RateLimiterMemory({ points: limit, duration: web.failureWindowSeconds ?? FAILURE_WINDOW_SECONDS });
  const open = new Set(web.healthOpen ? HEALTH_PATHS : []);
  let broken = false;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const state = watcher.current();
    if (!state.ok) {
      if (!broken) o.onProblem?.(`${state.error.message}; every request gets 500 until it is fixed`);
      broken = true;
      return text(reply, 500, 'Internal Server Error\n');
    }
    if (broken) o.onProblem?.(`web config ${watcher.path} is valid again`);
    broken = false;
    const { config } = state;
    for (const [k, v] of Object.entries(config.headers)) reply.header(k, v);
    if (config.users.size === 0) return undefined;
    const path = req.url.split('?', 1)[0]!;
    if (open.has(path)) return undefined;
    const remote = req.socket.remoteAddress ?? 'unknown';
    const refuse = (reason: WebRefuseReason, user: string | undefined, audit: boolean): void =>
      o.onRefusal?.({ reason, service: o.service, remote, user: clip(user, 128), method: req.method, path: clip(path, 256), audit, at: Date.now() });
    const creds = parseBasicAuth(req.headers.authorization);
    if (creds === undefined) {
      refuse('missing_credentials', undefined, await audit(remote));
      return text(reply.header('www-authenticate', 'Basic'), 401, 'Unauthorized\n');
    }
    const used = await limiter.get(remote);
    if (used && used.consumedPoints >= limit) {
      // The first 429 of a window is a security event; later ones only count (penalty marks it told).
      const first = used.consumedPoints === limit;
      if (first) await limiter.penalty(remote, 1);
      refuse('rate_limited', creds?.user, first);
      return text(reply.header('retry-after', String(Math.max(1, Math.ceil(used.msBeforeNext / 1000)))), 429, 'Too Many Requests\n');
    }
    if (creds !== null) {
      const known = config.users.get(creds.user);
      const hash = known ?? UNKNOWN_USER_HASH;
      if (known !== undefined && cache.has(creds.user, hash, creds.pass)) return undefined;
      // bcrypt compares in constant time for a given hash; unknown users cost the same (fixed hash).
      const ok = (await bcrypt.compare(creds.pass, hash)) && known !== undefined;
      if (ok) {
        cache.add(creds.user, hash, creds.pass);
        return undefined;
      }
    }
    await limiter.consume(remote).catch(() => undefined);
    refuse('bad_credentials', creds?.user, true);
    return text(reply.header('www-authenticate', 'Basic'), 401, 'Unauthorized\n');
  };
}

/** Go's answer to plain HTTP on a TLS port (net/http server.go). */
const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/** Applies a reloaded TLS configuration to new connections, and the client-certificate policies Node does not apply itself. */
function watchTls(server: TlsServer, watcher: WebConfigWatcher, first: WebTls, o: WebAppOptions, audit: (remote: string) => Promise<boolean>): void {
  let applied = first;
  let told: string | undefined; // the last problem reported: each is reported once, not per connection
  const policy = new WeakMap<Socket, WebTls['clientAuth']>();
  // The client's address, kept from the TCP connection: a socket destroyed by a failed verification has lost it.
  const remotes = new WeakMap<Socket, string | undefined>();
  const refuse = (reason: WebRefuseReason, remote: string | undefined, detail: string, audit: boolean): void =>
    o.onRefusal?.({ reason, service: o.service, remote: remote ?? 'unknown', detail: clip(detail, 256), audit, at: Date.now() });
  // Before tls.Server wraps the socket (prepended): the context the handshake will use.
  server.prependListener('connection', (socket: Socket) => {
    remotes.set(socket, socket.remoteAddress);
    const state = watcher.current();
    if (!state.ok || !state.config.tls) {
      // exporter-toolkit's GetConfigForClient fails: so does this handshake.
      const problem = state.ok ? `web config ${watcher.path} no longer has TLS; restart to serve plain HTTP` : state.error.message;
      if (problem !== told) o.onProblem?.(`${problem}; TLS handshakes fail until it is fixed`);
      told = problem;
      socket.destroy();
      return;
    }
    const tls = state.config.tls;
    if (told !== undefined) o.onProblem?.(`web config ${watcher.path} is valid again`);
    told = undefined;
    if (tls !== applied) {
      server.setSecureContext(tls.options);
      // tls.Server reads these per connection; setSecureContext leaves them.
      Object.assign(server, { requestCert: tls.options.requestCert, rejectUnauthorized: tls.options.rejectUnauthorized });
      applied = tls;
    }
    policy.set(socket, tls.clientAuth);
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
    const remote = socket.remoteAddress ?? (raw && (raw.remoteAddress ?? remotes.get(raw)));
    if (err.code === 'ERR_SSL_HTTP_REQUEST') {
      // The TCP handle is still open under the failed TLS socket: answer as Go does.
      raw?.end(PLAIN_HTTP_ANSWER);
      refuse('plaintext_on_tls', remote, err.code, false);
      return;
    }
    // Node checks a client certificate's chain after the handshake and destroys the socket without
    // an alert: its verification error is on the socket (then the error is the hang-up that follows).
    const verify = socket.authorizationError ? String(socket.authorizationError) : undefined;
    const cert = verify !== undefined || /CERTIFICATE|PEER_DID_NOT_RETURN/i.test(err.code ?? err.message);
    const detail = verify ?? err.code ?? err.message;
    if (!cert) refuse('tls_handshake', remote, detail, false);
    else void audit(remote ?? 'unknown').then((audited) => refuse('client_certificate', remote, detail, audited));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
    const auth = (raw && policy.get(raw)) ?? applied.clientAuth;
    if (auth !== 'require-any' && auth !== 'verify-if-given') return;
    const cert = socket.getPeerCertificate();
    const has = !!cert && Object.keys(cert).length > 0;
    if ((auth === 'require-any' && !has) || (auth === 'verify-if-given' && has && !socket.authorized)) {
      const remote = socket.remoteAddress ?? 'unknown';
      socket.destroy();
      void audit(remote).then((audited) => refuse('client_certificate', remote, has ? String(socket.authorizationError) : 'no client certificate', audited));
    }
  });
}

/**
 * A fastify server that applies the web configuration (or a plain one without it).
 * @throws WebConfigError when the file is not valid (the message names the file and the field)
 */
export function createWebApp(o: WebAppOptions): FastifyInstance {
  if (!o.web) return Fastify({ ...o.fastify, logger: false });
  const web = o.web;
  const watcher = new WebConfigWatcher(resolve(web.configFile));
  const first = watcher.current();
  const tls = first.ok ? first.config.tls : undefined;
  const app = tls ? (Fastify({ ...o.fastify, logger: false, https: tls.options } as FastifyHttpsOptions<HttpsServer>) as unknown as FastifyInstance) : Fastify({ ...o.fastify, logger: false });
  const audit = auditBudget(web);
  if (tls) watchTls(app.server as unknown as TlsServer, watcher, tls, o, audit);
  app.addHook('onRequest', guard(watcher, o, web, audit));
  return app;
}

/**
 * Counts refusals in `tickwatch_web_refusals_total{reason}` of a registry (every reason from 0).
 * @returns the counting function, for {@link WebAppOptions.onRefusal}
 */
export function refusalCounter(reg: MetricRegistry): (r: WebRefusal) => void {
  const family = reg.counter(webRefusalsTotal);
  const byReason = new Map(webRefusalsTotal.labels.reason.map((reason) => [reason, family.labels(reason)] as const));
  return (r) => byReason.get(r.reason)?.inc();
}

/**
 * The security event a refusal is recorded as (the contract's `security.permission_denied`,
 * exporters/events/security.ts; audit_security): component `monitor`, the user name sent (or
 * `anonymous`), the client's address, status FAILURE, the resource `<service> <method> <path>`.
 * The HFT exporter's detector counts repeated ones from one user or address as
 * `refused_credentials` (SuspiciousLoginActivity).
 */
export function refusalEvent(r: WebRefusal): Record<string, unknown> & { event: 'security.permission_denied' } {
  const resource = [r.service, r.method, r.path].filter(Boolean).join(' ');
  return {
    ts: new Date(r.at).toISOString(),
    level: 'warn',
    component: 'monitor',
    event: 'security.permission_denied',
    user_id: r.user || 'anonymous',
    ...(r.remote !== 'unknown' ? { source_ip: r.remote.slice(0, 64) } : {}),
    status: 'FAILURE',
    resource: resource.slice(0, 256),
    message: `${r.service} refused ${r.path ? `${r.method} ${r.path}` : 'a TLS connection'}: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`,
  };
}

/**
 * Logs a refusal: audited ones at warn (`web.refused`, with the security event's fields), the rest
 * (TLS hang-ups, plain HTTP, repeated 429s) at debug, so a port scan does not flood the log.
 */
export function logRefusal(log: Log | undefined, r: WebRefusal): void {
  if (!log) return;
  const fields = { reason: r.reason, server: r.service, source_ip: r.remote, user_id: r.user, method: r.method, path: r.path, detail: r.detail };
  if (r.audit) log.warn('web.refused', `${r.service} refused ${r.path ? `${r.method} ${r.path}` : 'a TLS connection'} from ${r.remote}: ${r.reason}`, fields);
  else log.debug('web.refused', `${r.service} refused a request from ${r.remote}: ${r.reason}`, fields);
}
