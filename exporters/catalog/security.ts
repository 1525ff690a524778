/**
 * Security events (seed 000's `security_log`, seed 001): logins, MFA, sessions, refused access, and
 * what the HFT exporter's detector (`exporters/hft/security.ts`) finds suspicious in them. A user id
 * or a source address is never a label: the events are counted by kind and status only, and the
 * detector keeps its per-user and per-address windows in bounded maps.
 *
 * The detector's defaults are here (like the engine's silence limits) so that the exporter, the
 * alert texts and the simulator's `login-attack` fault name one figure; the exporter's options
 * override them.
 */
import { SECURITY_EVENT_KINDS, SECURITY_STATUSES, SUSPICIOUS_REASONS, WEB_REFUSE_REASONS } from './enums.js';
import { counter } from './types.js';

const domain = 'security';

/**
 * Default window of the detector, in seconds (seed 001: "repeated failures within 5 minutes"):
 * failures older than this no longer count, and an MFA failure older than this no longer makes a
 * login from a new address suspicious.
 */
export const SECURITY_WINDOW_SECONDS = 300;

/**
 * Default number of failures (failed logins and refused second factors together) of one user, or
 * from one source address, within {@link SECURITY_WINDOW_SECONDS} that counts as
 * `repeated_failures`; the same number of refused accesses counts as `refused_credentials`. Five is
 * the lockout figure of common password policies (e.g. Active Directory's lockout threshold as
 * often configured, PCI DSS 8.3.4 allows up to 10): a user who mistypes twice is normal, five
 * times in five minutes is a guess.
 */
export const SECURITY_FAILURES_LIMIT = 5;

/**
 * Default bound on the detector's per-user map and on its per-address map, entries each: when one
 * is full the least recently seen entry is evicted, so a million distinct users or addresses cost
 * at most this many entries (an evicted user's window starts afresh).
 */
export const SECURITY_TRACKED_KEYS = 10_000;

/** Security events by kind (`security.<kind>`) and status. */
export const securityEventsTotal = counter({
  name: 'hft_security_events_total',
  help: 'Security events (logins, logouts, second factors, expired sessions, refused access) by kind and status.',
  unit: 'events',
  labels: { event: SECURITY_EVENT_KINDS, status: SECURITY_STATUSES },
  domain,
});

/**
 * Suspicious activity the exporter's detector found, by reason (never by user or address):
 * - `repeated_failures`: the failures of one user, or from one address, reached
 *   {@link SECURITY_FAILURES_LIMIT} within {@link SECURITY_WINDOW_SECONDS} (counted once per user or
 *   address until its window empties);
 * - `new_ip_after_mfa_failure`: a successful login from an address never seen for that user, within
 *   the window after a refused second factor of that user;
 * - `refused_credentials`: {@link SECURITY_FAILURES_LIMIT} refused accesses (`security.permission_denied`)
 *   of one user or from one address within the window.
 *
 * Every reason exists from the exporter's start at 0, so the first detection is an increase.
 */
export const securitySuspiciousTotal = counter({
  name: 'hft_security_suspicious_total',
  help: 'Suspicious security activity found by the exporter (repeated failures, a new address after a refused second factor, repeated refused access), by reason.',
  unit: 'events',
  labels: { reason: SUSPICIOUS_REASONS },
  domain,
});

/**
 * Requests and connections one of tickwatch's HTTP servers refused under `--web.config.file`
 * (exporters/instrument/web/), by reason. Every tickwatch service serves it: the `/metrics` worker
 * counts its own refusals, the recorder also those of its query API and alert webhook. Refused
 * credentials and client certificates are also security events (`security.permission_denied`,
 * audit_security); the other reasons are counted only. Each reason exists from the start at 0.
 */
export const webRefusalsTotal = counter({
  name: 'tickwatch_web_refusals_total',
  help: "Requests and connections refused by the service's HTTP servers under its web configuration (credentials, rate limit, client certificate, TLS), by reason.",
  unit: 'count',
  labels: { reason: WEB_REFUSE_REASONS },
  domain,
  exportedBy: ['instrument'],
});
