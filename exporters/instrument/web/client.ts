/**
 * The client side of the web configuration, for tickwatch's commands that call a running service:
 * `logs search`, `logs trade`, `logs exec-time`, `alerts history` and `audit verify` ask the
 * recorder's query API, which `--web.config.file` may put behind TLS, client certificates and basic
 * auth (exporters/instrument/web/config.ts). They take `--http.config.file`, as amtool and promtool
 * do, with prometheus/common's HTTP client configuration (config/http_config.go `HTTPClientConfig`,
 * the `http_config` of Prometheus' scrape jobs and Alertmanager's receivers):
 *
 * ```yaml
 * basic_auth:
 *   username: ops
 *   password_file: ops.password        # or password: ...; the file's content, trimmed
 * tls_config:
 *   ca_file: ca.crt                    # the CA that signed the server's certificate
 *   cert_file: client.crt              # a client certificate, when the server asks for one
 *   key_file: client.key
 *   server_name: localhost             # the name the certificate must carry (default: the URL's host)
 *   insecure_skip_verify: false
 *   min_version: TLS12                 # TLS10 | TLS11 | TLS12 | TLS13
 * ```
 *
 * As in prometheus/common: relative paths are relative to the file's folder (its `SetDirectory`),
 * `password` and `password_file` exclude each other, and so do `cert` and `cert_file` (PEM inline or
 * a file; the same for `ca` and `key`). Keys of `HTTPClientConfig` that tickwatch's servers have no
 * use for (`authorization`, `oauth2`, `bearer_token`, proxies, `http_headers`, ...) are refused by
 * name rather than ignored, and so is any unknown key: a credential that would silently not be sent
 * is a 401 to puzzle over.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { TLS_VERSIONS } from './config.js';

const str = Type.String();
const versions = Type.Union(Object.keys(TLS_VERSIONS).map((v) => Type.Literal(v)));

/** The subset of prometheus/common's `HTTPClientConfig` tickwatch's servers can use (typebox; other keys refused). */
export const HttpClientConfigSchema = Type.Object(
  {
    basic_auth: Type.Optional(
      Type.Object(
        { username: Type.Optional(str), username_file: Type.Optional(str), password: Type.Optional(str), password_file: Type.Optional(str) },
        { additionalProperties: false },
      ),
    ),
    tls_config: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(str),
          ca_file: Type.Optional(str),
          cert: Type.Optional(str),
          cert_file: Type.Optional(str),
          key: Type.Optional(str),
          key_file: Type.Optional(str),
          server_name: Type.Optional(str),
          insecure_skip_verify: Type.Optional(Type.Boolean()),
          min_version: Type.Optional(versions),
          max_version: Type.Optional(versions),
        },
        { additionalProperties: false },
      ),
    ),
    follow_redirects: Type.Optional(Type.Boolean()),
    enable_http2: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** The file as written. */
export type HttpClientConfigFile = Static<typeof HttpClientConfigSchema>;

/** Keys of prometheus/common's `HTTPClientConfig` that are valid there and refused here, with why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  authorization: "tickwatch's servers take basic auth (basic_auth), not an Authorization scheme",
  bearer_token: "tickwatch's servers take basic auth (basic_auth), not bearer tokens",
  bearer_token_file: "tickwatch's servers take basic auth (basic_auth), not bearer tokens",
  oauth2: "tickwatch's servers take basic auth (basic_auth), not OAuth 2.0",
  proxy_url: 'tickwatch calls its services directly, not through a proxy',
  no_proxy: 'tickwatch calls its services directly, not through a proxy',
  proxy_from_environment: 'tickwatch calls its services directly, not through a proxy',
  proxy_connect_header: 'tickwatch calls its services directly, not through a proxy',
  http_headers: 'not supported by tickwatch',
};

/** A loaded client configuration: what each request carries. */
export interface HttpClient {
  /** The file it was read from (absolute). */
  readonly path: string;
  /** `Basic <base64>`, when `basic_auth` is set. */
  readonly authorization?: string;
  /** TLS options for `https.request` (PEMs read); absent: Node's defaults (the system's CAs). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly servername?: string; readonly rejectUnauthorized: boolean; readonly minVersion?: SecureVersion; readonly maxVersion?: SecureVersion };
  /** Whether redirects are followed (prometheus/common's default: true). */
  readonly followRedirects: boolean;
}

/**
 * Reads and checks a client configuration file.
 * @throws Error naming the file and the key: unreadable file, YAML errors, an unknown or unsupported
 *   key, a wrong type, `password` with `password_file` (or `cert` with `cert_file`, ...), a
 *   certificate without its key, a credential file that cannot be read or is empty
 */
export function loadHttpClientConfig(file: string): HttpClient {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`http config ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new Error(`http config ${path}: not YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`http config ${path}: expected a mapping of keys (basic_auth, tls_config)`);
  for (const k of Object.keys(doc)) if (UNSUPPORTED[k]) throw new Error(`http config ${path}: ${k}: ${UNSUPPORTED[k]}`);
  // An empty section (`tls_config:` alone) is absent, as in prometheus/common.
  const cfg = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== null)) as Record<string, unknown>;
  const problem = Value.Errors(HttpClientConfigSchema, cfg).First();
  if (problem) throw new Error(`http config ${path}: ${problem.path || '/'}: ${problem.message}${problem.schema && 'additionalProperties' in problem.schema ? ` (keys: ${Object.keys(problem.value as object).join(', ')})` : ''}`);
  const c = cfg as HttpClientConfigFile;
  const dir = dirname(path);
  const at = (f: string): string => (isAbsolute(f) ? f : join(dir, f));
  const read = (key: string, f: string): string => {
    let v: string;
    try {
      v = readFileSync(at(f), 'utf8');
    } catch (err) {
      throw new Error(`http config ${path}: ${key} ${f}: ${(err as Error).message}`);
    }
    return v;
  };
  const either = (section: string, key: string, inline: string | undefined, file: string | undefined, trim: boolean): string | undefined => {
    if (inline !== undefined && file !== undefined) throw new Error(`http config ${path}: ${section}: at most one of ${key} and ${key}_file may be set`);
    if (file === undefined) return inline;
    const v = read(`${section}.${key}_file`, file);
    const out = trim ? v.trim() : v;
    if (out === '') throw new Error(`http config ${path}: ${section}.${key}_file ${file} is empty`);
    return out;
  };

  let authorization: string | undefined;
  if (c.basic_auth) {
    const b = c.basic_auth;
    const user = either('basic_auth', 'username', b.username, b.username_file, true);
    if (!user) throw new Error(`http config ${path}: basic_auth: username (or username_file) is required`);
    const password = either('basic_auth', 'password', b.password, b.password_file, true) ?? '';
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  let tls: HttpClient['tls'];
  if (c.tls_config) {
    const t = c.tls_config;
    const ca = either('tls_config', 'ca', t.ca, t.ca_file, false);
    const cert = either('tls_config', 'cert', t.cert, t.cert_file, false);
    const key = either('tls_config', 'key', t.key, t.key_file, false);
    if ((cert === undefined) !== (key === undefined)) throw new Error(`http config ${path}: tls_config: a client certificate needs both cert (or cert_file) and key (or key_file)`);
    tls = {
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert, key } : {}),
      ...(t.server_name ? { servername: t.server_name } : {}),
      rejectUnauthorized: t.insecure_skip_verify !== true,
      ...(t.min_version ? { minVersion: TLS_VERSIONS[t.min_version as keyof typeof TLS_VERSIONS] } : {}),
      ...(t.max_version ? { maxVersion: TLS_VERSIONS[t.max_version as keyof typeof TLS_VERSIONS] } : {}),
    };
  }
  return { path, ...(authorization ? { authorization } : {}), ...(tls ? { tls } : {}), followRedirects: c.follow_redirects !== false };
}

/** What a GET got back. */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  /** The body as text (UTF-8). */
  readonly body: string;
}

/** Redirects followed at most (Go's net/http client stops after 10). */
const MAX_REDIRECTS = 10;

/**
 * One GET with the client's credentials and TLS settings (node:http or node:https by the URL's
 * scheme; the TLS settings apply to `https:` URLs only, credentials to both, as Prometheus sends them).
 * @param timeoutMs - for the whole request, ms (default 30 s)
 * @throws the request's error as Node reports it, with its `code` (`ECONNREFUSED` when nothing
 *   listens; `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, ... for TLS), or an
 *   Error with code `ETIMEDOUT` after `timeoutMs`
 */
export function httpGet(url: string | URL, client?: HttpClient, timeoutMs = 30_000, redirects = 0): Promise<HttpAnswer> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new Error(`${u.href}: only http: and https: URLs`));
  return new Promise<HttpAnswer>((done, fail) => {
    const headers = { accept: 'application/json', ...(client?.authorization ? { authorization: client.authorization } : {}) };
    const onAnswer = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const to = res.headers.location;
        if (status >= 300 && status < 400 && to && client?.followRedirects !== false) {
          if (redirects >= MAX_REDIRECTS) return fail(new Error(`${u.href}: stopped after ${MAX_REDIRECTS} redirects`));
          return void httpGet(new URL(to, u), client, timeoutMs, redirects + 1).then(done, fail);
        }
        done({ status, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') });
      });
    };
    const req = u.protocol === 'https:' ? httpsRequest(u, { method: 'GET', headers, ...(client?.tls ?? {}) }, onAnswer) : httpRequest(u, { method: 'GET', headers }, onAnswer);
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`${u.href}: no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.end();
  });
}
