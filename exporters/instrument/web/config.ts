/**
 * The web configuration file in exporter-toolkit's format (`--web.config.file`, the YAML that
 * node_exporter and Prometheus take; prometheus/exporter-toolkit docs/web-configuration.md and
 * web/tls_config.go at v0.8.2, the version Debian's node_exporter 1.5 is built with):
 *
 * ```yaml
 * tls_server_config:
 *   cert_file: server.crt            # relative paths are relative to the file's folder
 *   key_file: server.key
 *   client_auth_type: RequireAndVerifyClientCert   # NoClientCert (default), RequestClientCert,
 *                                                  # RequireAnyClientCert, VerifyClientCertIfGiven
 *   client_ca_file: clients-ca.crt
 *   min_version: TLS12                # TLS10 | TLS11 | TLS12 (default) | TLS13
 *   max_version: TLS13                # default TLS13
 *   cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]   # Go's names; TLS 1.2 and below only
 *   curve_preferences: [X25519, CurveP256]
 *   prefer_server_cipher_suites: true
 * http_server_config:
 *   http2: true                       # accepted; tickwatch serves HTTP/1.1
 *   headers: { X-Frame-Options: deny } # Strict-Transport-Security, X-Content-Type-Options (nosniff),
 *                                      # X-Frame-Options (deny|sameorigin), X-XSS-Protection,
 *                                      # Content-Security-Policy
 * basic_auth_users:
 *   prometheus: $2y$10$...            # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':\n')
 * ```
 *
 * As in exporter-toolkit: an unknown key is an error (its `yaml.UnmarshalStrict`); a file without
 * `cert_file`, `key_file`, `client_auth_type` and `client_ca_file` serves plain HTTP; `client_ca_file`
 * without a client auth type is an error; whether a server speaks TLS is decided when it starts
 * (switching needs a restart); everything else is re-read while it runs ({@link WebConfigWatcher}).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { parse as parseYaml } from 'yaml';

/** exporter-toolkit's TLS versions (its `tlsVersions` map) and Node's names for them. */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/** exporter-toolkit's `client_auth_type` values (Go's `tls.ClientAuthType`; `RequireClientCert` is its old spelling of `RequireAnyClientCert`). */
export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'RequireClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;

/**
 * Go's `tls.CipherSuites()` names (the ones exporter-toolkit accepts; Go 1.19/1.20) and OpenSSL's
 * names for the same suites (RFC 8446 / RFC 5288 / RFC 5289 / RFC 7905 code points). The TLS 1.3
 * suites map to null: Go does not let them be configured and ignores them, so does tickwatch.
 */
export const GO_CIPHER_SUITES: Readonly<Record<string, string | null>> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/** exporter-toolkit's curve names (its `curves` map) and OpenSSL's. */
export const GO_CURVES: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/**
 * Headers `http_server_config.headers` may set, with the values allowed where the set is closed
 * (exporter-toolkit's `extraHTTPHeaders`; an empty list: any value).
 */
export const EXTRA_HTTP_HEADERS: Readonly<Record<string, readonly string[]>> = {
  'Strict-Transport-Security': [],
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': [],
  'Content-Security-Policy': [],
};

/**
 * A bcrypt hash as Go's `bcrypt.Cost` accepts it: `$2$`, `$2a$`, `$2b$`, `$2x$` or `$2y$`, a cost
 * of 4 to 31, 53 characters of salt and hash.
 */
export const BCRYPT_HASH_RE = /^\$2[abxy]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

const str = Type.String();

/**
 * The file's schema (typebox; additional keys are refused, as exporter-toolkit's strict YAML does).
 * An empty section (`tls_server_config:` alone, YAML null) is taken as absent before the check.
 */
export const WebConfigSchema = Type.Object(
    {
      tls_server_config: Type.Optional(
          Type.Object(
            {
              cert_file: Type.Optional(str),
              key_file: Type.Optional(str),
              client_auth_type: Type.Optional(Type.Union([...CLIENT_AUTH_TYPES.map((t) => Type.Literal(t)), Type.Literal('')])),
              client_ca_file: Type.Optional(str),
              cipher_suites: Type.Optional(Type.Array(Type.Union(Object.keys(GO_CIPHER_SUITES).map((c) => Type.Literal(c))))),
              curve_preferences: Type.Optional(Type.Array(Type.Union(Object.keys(GO_CURVES).map((c) => Type.Literal(c))))),
              min_version: Type.Optional(Type.Union(Object.keys(TLS_VERSIONS).map((v) => Type.Literal(v)))),
              max_version: Type.Optional(Type.Union(Object.keys(TLS_VERSIONS).map((v) => Type.Literal(v)))),
              prefer_server_cipher_suites: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
      ),
      http_server_config: Type.Optional(Type.Object({ http2: Type.Optional(Type.Boolean()), headers: Type.Optional(Type.Record(str, str)) }, { additionalProperties: false })),
      basic_auth_users: Type.Optional(Type.Record(str, str)),
    },
    { additionalProperties: false },
);

/** The file as written. */
export type WebConfigFile = Static<typeof WebConfigSchema>;

/** The client certificate policy, as Node's TLS server applies it (see web/tls.ts). */
export type ClientAuth = 'none' | 'request' | 'require-any' | 'verify-if-given' | 'require-and-verify';

/** The TLS part of a loaded file: Node's options, and the policy checks Node does not make itself. */
export interface WebTls {
  /** Options for `tls.createServer` / `setSecureContext` (PEMs read, versions, ciphers, curves). */
  readonly options: SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };
  readonly clientAuth: ClientAuth;
  /** The files it was read from (their changes reload it). */
  readonly files: readonly string[];
}

/** A loaded, checked web configuration. */
export interface WebConfig {
  /** The file it was read from (absolute). */
  readonly path: string;
  /** TLS, or undefined for plain HTTP. */
  readonly tls: WebTls | undefined;
  /** User name → bcrypt hash; empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
  /** Headers added to every response. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A web configuration file that cannot be used: the message names the file and the field. */
export class WebConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`web config ${path}: ${message}`);
    this.name = 'WebConfigError';
  }
}

const CLIENT_AUTH: Readonly<Record<(typeof CLIENT_AUTH_TYPES)[number] | '', ClientAuth>> = {
  '': 'none',
  NoClientCert: 'none',
  RequestClientCert: 'request',
  RequireAnyClientCert: 'require-any',
  RequireClientCert: 'require-any',
  VerifyClientCertIfGiven: 'verify-if-given',
  RequireAndVerifyClientCert: 'require-and-verify',
};

/** The document with YAML's empty sections (null) taken as absent, as Go's YAML decoder takes them. */
function withoutNulls(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (v !== null) out[k] = k === 'tls_server_config' || k === 'http_server_config' ? withoutNulls(v) : v;
  return out;
}

/** The first problem of a document that fails the schema, as `where: what (got ...)`. */
function firstSchemaError(doc: unknown): string {
  if (typeof doc !== 'object' || Array.isArray(doc)) return 'the top level must be a mapping (tls_server_config, http_server_config, basic_auth_users)';
  const e = Value.Errors(WebConfigSchema, doc).First();
  if (!e) return 'not a web configuration';
  const parts = e.path.split('/').filter(Boolean);
  const where = parts.join('.') || '(top level)';
  if (/unexpected property/i.test(e.message)) return `${where}: unknown key (not in exporter-toolkit's format)`;
  const choices = (e.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (choices?.length && choices.every((c) => 'const' in c)) return `${where}: must be one of ${choices.map((c) => String(c.const)).filter(Boolean).join(', ')} (got ${JSON.stringify(e.value)})`;
  return `${where}: ${e.message}${e.value === undefined ? '' : ` (got ${JSON.stringify(e.value)})`}`;
}

const at = (dir: string, p: string | undefined): string | undefined => (p ? (isAbsolute(p) ? p : join(dir, p)) : undefined);

function readPem(path: string, file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new WebConfigError(path, `${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function tlsOf(path: string, t: NonNullable<WebConfigFile['tls_server_config']>): WebTls | undefined {
  const dir = dirname(path);
  if (!t.cert_file && !t.key_file && !t.client_auth_type && !t.client_ca_file) return undefined; // exporter-toolkit's errNoTLSConfig: plain HTTP
  if (!t.cert_file) throw new WebConfigError(path, 'tls_server_config: missing cert_file');
  if (!t.key_file) throw new WebConfigError(path, 'tls_server_config: missing key_file');
  const certFile = at(dir, t.cert_file)!;
  const keyFile = at(dir, t.key_file)!;
  const caFile = at(dir, t.client_ca_file);
  const clientAuth = CLIENT_AUTH[t.client_auth_type ?? ''];
  if (caFile && clientAuth === 'none') throw new WebConfigError(path, "tls_server_config: client_ca_file is set without a client_auth_type (exporter-toolkit: \"Client CA's have been configured without a Client Auth Policy\")");
  const min = TLS_VERSIONS[(t.min_version ?? 'TLS12') as keyof typeof TLS_VERSIONS];
  const max = TLS_VERSIONS[(t.max_version ?? 'TLS13') as keyof typeof TLS_VERSIONS];
  const legacy = min === 'TLSv1' || min === 'TLSv1.1';
  const suites = (t.cipher_suites ?? []).map((c) => GO_CIPHER_SUITES[c]).filter((c): c is string => !!c);
  // OpenSSL 3 refuses TLS 1.0 and 1.1 at its default security level: a file that asks for them gets them (Go serves them).
  const ciphers = suites.length ? `${suites.join(':')}${legacy ? ':@SECLEVEL=0' : ''}` : legacy ? 'DEFAULT:@SECLEVEL=0' : undefined;
  const options: WebTls['options'] = {
    cert: readPem(path, certFile, 'cert_file'),
    key: readPem(path, keyFile, 'key_file'),
    ...(caFile ? { ca: readPem(path, caFile, 'client_ca_file') } : {}),
    minVersion: min,
    maxVersion: max,
    ...(ciphers ? { ciphers } : {}),
    ...(t.curve_preferences?.length ? { ecdhCurve: t.curve_preferences.map((c) => GO_CURVES[c]).join(':') } : {}),
    honorCipherOrder: t.prefer_server_cipher_suites ?? true,
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'require-and-verify',
  };
  try {
    createSecureContext(options); // the certificate, the key and the CA load, and belong together
  } catch (err) {
    throw new WebConfigError(path, `tls_server_config: ${certFile} / ${keyFile}: ${(err as Error).message}`);
  }
  return { options, clientAuth, files: [certFile, keyFile, ...(caFile ? [caFile] : [])] };
}

/**
 * Reads and checks a web configuration file.
 * @param path - the file (`--web.config.file`); relative paths inside it are taken from its folder
 * @throws WebConfigError when the file cannot be read, is not YAML, has a key or value outside
 *   exporter-toolkit's format, a user whose hash is not bcrypt, a header outside the allowed set, or
 *   TLS files that are missing or do not load (a certificate and a key that do not belong together)
 */
export function loadWebConfig(path: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WebConfigError(path, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new WebConfigError(path, `not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  doc = withoutNulls(doc ?? {});
  if (!Value.Check(WebConfigSchema, doc)) throw new WebConfigError(path, firstSchemaError(doc));
  const file = doc as WebConfigFile;
  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(file.basic_auth_users ?? {})) {
    if (!BCRYPT_HASH_RE.test(hash)) throw new WebConfigError(path, `basic_auth_users.${user}: not a bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\\n' makes one)`);
    users.set(user, hash);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.http_server_config?.headers ?? {})) {
    const allowed = EXTRA_HTTP_HEADERS[k];
    if (!allowed) throw new WebConfigError(path, `http_server_config.headers: HTTP header ${JSON.stringify(k)} can not be configured (one of ${Object.keys(EXTRA_HTTP_HEADERS).join(', ')})`);
    if (allowed.length && !allowed.includes(v)) throw new WebConfigError(path, `http_server_config.headers: invalid value for ${k}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    if (v !== '') headers[k] = v;
  }
  return { path, tls: file.tls_server_config ? tlsOf(path, file.tls_server_config) : undefined, users, headers };
}

/** What a {@link WebConfigWatcher} holds now: the configuration, or why the file cannot be used. */
export type WebConfigState = { readonly ok: true; readonly config: WebConfig } | { readonly ok: false; readonly error: WebConfigError };

function stamp(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const s = statSync(f, { bigint: true });
        return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/**
 * The configuration as the file says now. exporter-toolkit reads the file on every request and
 * its certificate on every handshake; this reads it again only when `stat` of the file or of a
 * file it names (certificate, key, client CA) changed (inode, size, modification or change time in
 * ns): a few microseconds per request. A file that became invalid is reported (requests get 500,
 * handshakes fail, as in exporter-toolkit) until it is valid again.
 */
export class WebConfigWatcher {
  private state: WebConfigState;
  private seen: string;
  private files: readonly string[];

  /**
   * @param path - the configuration file (made absolute by the caller)
   * @throws WebConfigError when the file is not valid at start (a server does not start on it)
   */
  constructor(readonly path: string) {
    const config = loadWebConfig(path);
    this.files = [path, ...(config.tls?.files ?? [])];
    this.seen = stamp(this.files);
    this.state = { ok: true, config };
  }

  /** Called with each new state after a reload (valid or not). */
  onReload: ((s: WebConfigState) => void) | undefined;

  /** The current state, re-read first when a file changed. */
  current(): WebConfigState {
    const now = stamp(this.files);
    if (now === this.seen) return this.state;
    try {
      const config = loadWebConfig(this.path);
      this.files = [this.path, ...(config.tls?.files ?? [])];
      this.state = { ok: true, config };
    } catch (err) {
      this.state = { ok: false, error: err instanceof WebConfigError ? err : new WebConfigError(this.path, (err as Error).message) };
    }
    this.seen = stamp(this.files);
    this.onReload?.(this.state);
    return this.state;
  }
}
