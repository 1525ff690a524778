/**
 * Security (seed 000's security_log, seed 001): the HFT exporter's detector (exporters/hft/security.ts)
 * counts suspicious activity in `hft_security_suspicious_total{reason}`: repeated failed logins or
 * second factors of one user or from one address, a login from a new address right after a refused
 * second factor, repeated refused access. Any of it pages; who and from where is in the audit
 * trail (audit_security), never in a label.
 */
import * as C from '../exporters/catalog/index.js';
import { count, dur } from '../query/format.js';
import { PANELS } from '../query/panels.js';
import { increase, sel, sum } from '../query/promql.js';
import { alert, input, TEST_TARGET, type RuleGroup, type Thresholds } from './model.js';
import { hold } from './testing.js';
import * as T from './thresholds.js';

const detector = `${count(C.SECURITY_FAILURES_LIMIT)} failures within ${dur(C.SECURITY_WINDOW_SECONDS)}`;

/** Anything the detector found suspicious in the last 5 minutes pages. */
export const suspiciousLoginActivity = alert({
  name: 'SuspiciousLoginActivity',
  family: 'security',
  severity: 'critical',
  expr: sum(['job', 'instance', 'reason'], increase(sel(C.securitySuspiciousTotal), '5m')).gt(0),
  for: '0s',
  summary: 'Suspicious login activity',
  description: `{{ $value | humanize }} suspicious security events ({{ $labels.reason }}) seen by {{ $labels.instance }} in the last 5 minutes (the detector counts ${detector} of one user or one address, and a login from a new address after a refused second factor). Find who and from where: tickwatch logs search --event 'security.*' --status FAILURE --since 15m.`,
  panel: PANELS.suspiciousLogins,
  tests: {
    firing: [
      {
        name: 'a password being guessed',
        series: [input(C.securitySuspiciousTotal, { reason: 'repeated_failures' }, '0x60 1 1x200'), input(C.securitySuspiciousTotal, { reason: 'new_ip_after_mfa_failure' }, hold(0, 260))],
        at: '200s',
        alerts: [
          {
            labels: { ...TEST_TARGET, reason: 'repeated_failures' },
            description: `1 suspicious security events (repeated_failures) seen by ${TEST_TARGET.instance} in the last 5 minutes (the detector counts ${detector} of one user or one address, and a login from a new address after a refused second factor). Find who and from where: tickwatch logs search --event 'security.*' --status FAILURE --since 15m.`,
          },
        ],
      },
    ],
    silent: [
      { name: 'nothing suspicious', series: [input(C.securitySuspiciousTotal, { reason: 'repeated_failures' }, hold(0, 400))], at: '350s' },
      { name: 'suspicious activity over 5 minutes old', series: [input(C.securitySuspiciousTotal, { reason: 'repeated_failures' }, '0 1 1x400')], at: '380s' },
    ],
  },
});

/** Security rules (no threshold of thresholds.ts: any detection pages; `t` keeps the families' shape). */
export const securityRules = (_t: Thresholds): RuleGroup => ({ name: 'security', interval: '5s', rules: [suspiciousLoginActivity] });

/** Security rules. */
export const securityGroup: RuleGroup = securityRules(T);
