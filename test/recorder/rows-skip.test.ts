import { describe, expect, it } from 'vitest';
import { LEVELS } from '../../exporters/events/define.js';
import { EVENT_TYPES, type HftEvent } from '../../exporters/events/index.js';
import { DEFAULT_LEVELS, parseLevelPolicy } from '../../exporters/recorder/levels.js';
import { makesRows, ROW_EVENTS, rowsFor } from '../../exporters/recorder/rows.js';

/**
 * The audit and category tables each contract type's example goes to whatever its level (rows.ts
 * `ROW_MAKERS`; the tables are docs/tables.md's). Any other type makes a `logs` row only.
 */
const TABLES_OF: Readonly<Record<string, readonly string[]>> = {
  'feed.gap': ['audit_connectivity'],
  'gateway.connect': ['audit_connectivity'],
  'gateway.disconnect': ['audit_connectivity'],
  'gateway.reconnect': ['audit_connectivity'],
  'strategy.intent': ['audit_orders'],
  'order.acked': ['audit_orders'],
  'order.cancel_requested': ['audit_orders'],
  'order.canceled': ['audit_orders'],
  'order.expired': ['audit_orders'],
  'order.replaced': ['audit_orders'],
  'order.submitted': ['audit_orders'],
  'risk.decision': ['audit_risk_decisions'],
  'stormguard.transition': ['audit_guardrail_transitions'],
  'order.rejected': ['audit_orders',  'trade_executions'],
  'execution.fill': ['audit_orders',  'trade_executions'],
  'config.changed': ['audit_config_changes'],
  'service.failed': ['system_events'],
  'service.restarted': ['system_events'],
  'service.started': ['system_events'],
  'service.stopped': ['system_events'],
  'store.cleanup': ['system_events'],
  'clock.sync': ['system_events'],
  'perf.sample': ['performance_log'],
  'security.login': ['audit_security'],
  'security.logout': ['audit_security'],
  'security.mfa_failed': ['audit_security'],
  'security.mfa_success': ['audit_security'],
  'security.permission_denied': ['audit_security'],
  'security.session_expired': ['audit_security'],
  'anomaly.detected': ['anomaly_log'],
  'anomaly.resolved': ['anomaly_log'],
  'ai.decision': ['audit_ai_decisions'],
  'ai.outcome': ['audit_ai_decisions'],
};

describe('which lines make rows (the recorder passes the others by unparsed)', () => {
  it('ROW_EVENTS are exactly the contract types whose example makes a row outside logs, whatever its level, in the tables each goes to', () => {
    const none = parseLevelPolicy('fatal,market_data=fatal'); // logs takes none of the levels below
    const made: Record<string, string[]> = {};
    for (const t of EVENT_TYPES) {
      for (const level of ['debug', 'info', 'error']) {
        const tables = rowsFor({ ts: '2026-11-23T01:00:00.000000001Z', ...t.example, level } as unknown as HftEvent, none).map(([table]) => table);
        if (level === 'debug') {
          if (tables.length > 0) made[t.name] = tables;
        } else expect(tables, `${t.name} ${level}`).toEqual(made[t.name] ?? []);
      }
    }
    expect(made).toEqual(TABLES_OF);
    expect(new Set(ROW_EVENTS)).toEqual(new Set(Object.keys(TABLES_OF)));
  });

  it('makesRows is false exactly when rowsFor makes no row, for every event type, level and policy', () => {
    const names = [...new Set([...EVENT_TYPES.map((t) => t.name), ...ROW_EVENTS, 'custom.thing', 'checkout'])];
    const policies = [DEFAULT_LEVELS, parseLevelPolicy('debug'), parseLevelPolicy('error,market_data=debug,strategy_runner=fatal')];
    let none = 0;
    for (const policy of policies)
      for (const event of names)
        for (const component of ['market_data', 'strategy_runner', 'other_module'])
          for (const level of LEVELS) {
            const ev = { ts: '2026-11-23T01:00:00.000000001Z', event, component, level } as unknown as HftEvent;
            const rows = rowsFor(ev, policy);
            if (rows.length === 0) none++;
            expect(makesRows(policy, event, component, level), `${event} ${component} ${level}`).toBe(rows.length > 0);
          }
    expect(none).toBeGreaterThan(100);
  });
});
