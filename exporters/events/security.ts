/**
 * Security events (seed 000's `security_log`, seed 001): logins, MFA, sessions, refused access. The
 * user id and the source address are recorded (hash-chained, in audit_security) and never become
 * label values; the exporter counts by event and status only, and its detector keeps bounded
 * per-user and per-address windows.
 */
import { Type } from '@sinclair/typebox';
import { SECURITY_STATUSES } from '../catalog/enums.js';
import { defineEvent, oneOf } from './define.js';

const who = {
  user_id: Type.String({ minLength: 1, maxLength: 128, description: 'Who (never a label).' }),
  source_ip: Type.Optional(Type.String({ maxLength: 64, description: 'From where (never a label).' })),
  status: oneOf(SECURITY_STATUSES, 'SUCCESS or FAILURE.'),
  session_id: Type.Optional(Type.String({ maxLength: 128 })),
};

const example = { component: 'monitor', user_id: 'trader-jlin', source_ip: '10.20.30.40', session_id: 's-77a1' };

/** A login attempt. */
export const securityLogin = defineEvent('security.login', 'A login attempt (SUCCESS or FAILURE). Counts hft_security_events_total; recorded in audit_security.', who, { ...example, status: 'SUCCESS' });
/** A logout. */
export const securityLogout = defineEvent('security.logout', 'A logout. Counts hft_security_events_total; recorded in audit_security.', who, { ...example, status: 'SUCCESS' });
/** A second factor accepted. */
export const securityMfaSuccess = defineEvent('security.mfa_success', 'A second factor accepted. Counts hft_security_events_total; recorded in audit_security.', who, { ...example, status: 'SUCCESS' });
/** A second factor refused. */
export const securityMfaFailed = defineEvent('security.mfa_failed', 'A second factor refused. Counts hft_security_events_total; the detector watches repeats; recorded in audit_security.', who, {
  ...example,
  status: 'FAILURE',
  level: 'warn',
});
/** A session expired. */
export const securitySessionExpired = defineEvent('security.session_expired', 'A session expired. Counts hft_security_events_total; recorded in audit_security.', who, { ...example, status: 'SUCCESS' });
/** Access refused to an authenticated user. */
export const securityPermissionDenied = defineEvent(
  'security.permission_denied',
  'Access refused (a user without the right, or a request without valid credentials). Counts hft_security_events_total; recorded in audit_security.',
  { ...who, resource: Type.Optional(Type.String({ maxLength: 256, description: 'What was refused.' })) },
  { ...example, status: 'FAILURE', resource: 'risk.limits.write', level: 'warn' },
);
