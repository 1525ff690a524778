/**
 * System events (seed 000's `system_event_log`): a service of the engine, or of tickwatch itself,
 * started, stopped, restarted or failed.
 */
import { Type } from '@sinclair/typebox';
import { defineEvent, Name } from './define.js';

const service = {
  service: Name('The service (a process or module: strategy_runner, tickwatch-recorder).'),
  status: Type.Optional(Type.String({ maxLength: 64, description: 'Its state after the event (running, stopped, crashed).' })),
  instance_id: Type.Optional(Type.String({ maxLength: 128, description: 'Which instance of the service (host, pid).' })),
};

/** A service started. */
export const serviceStarted = defineEvent(
  'service.started',
  'A service started. Counts hft_service_events_total{event="started"}; recorded in system_events.',
  { ...service, version: Type.Optional(Type.String({ maxLength: 64 })) },
  { component: 'monitor', service: 'strategy_runner', status: 'running', instance_id: 'engine-1:4242', version: '3.8.1', message: 'strategy runner up' },
);

/** A service stopped on purpose. */
export const serviceStopped = defineEvent(
  'service.stopped',
  'A service stopped on purpose. Counts hft_service_events_total{event="stopped"}; recorded in system_events.',
  { ...service, reason: Type.Optional(Type.String({ maxLength: 256 })) },
  { component: 'monitor', service: 'strategy_runner', status: 'stopped', reason: 'end of session' },
);

/** A service was restarted (by a supervisor or an operator). */
export const serviceRestarted = defineEvent(
  'service.restarted',
  'A service was restarted. Counts hft_service_events_total{event="restarted"} (ServiceRestartLoop watches the rate); recorded in system_events.',
  { ...service, attempt: Type.Optional(Type.Integer({ minimum: 1 })), reason: Type.Optional(Type.String({ maxLength: 256 })) },
  { component: 'monitor', service: 'strategy_runner', status: 'running', attempt: 2, reason: 'watchdog restart', level: 'warn' },
);

/** A service failed: crashed or cannot run. */
export const serviceFailed = defineEvent(
  'service.failed',
  'A service failed (crashed, or cannot start). Counts hft_service_events_total{event="failed"} (ServiceFailed pages); recorded in system_events.',
  { ...service, reason: Type.Optional(Type.String({ maxLength: 1024 })), exit_code: Type.Optional(Type.Integer()) },
  { component: 'monitor', service: 'risk_engine', status: 'crashed', reason: 'SIGSEGV in limits table', exit_code: 139, level: 'error' },
);
