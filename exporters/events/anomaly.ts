/**
 * Anomalies (seed 000's `anomaly_log`; seeds 001 and 003): trade outliers, unusual activity, high
 * slippage, large position changes, volatility spikes, whether the engine detects them or
 * tickwatch's own detectors do (they write the same rows, `detected_by: tickwatch`).
 */
import { Type } from '@sinclair/typebox';
import { ANOMALY_SEVERITIES, ANOMALY_STATUSES, ANOMALY_TYPES } from '../catalog/enums.js';
import { defineEvent, Name, oneOf } from './define.js';

const anomaly = {
  anomaly_id: Type.String({ minLength: 1, maxLength: 128, description: 'Ties the detection to its resolution.' }),
  detected_by: Type.String({ minLength: 1, maxLength: 64, description: 'The detector (a module of the engine, or tickwatch).' }),
  anomaly_type: oneOf(ANOMALY_TYPES, 'What kind.'),
  severity: oneOf(ANOMALY_SEVERITIES, 'How bad.'),
  status: oneOf(ANOMALY_STATUSES, 'OPEN while it lasts, CLOSED once resolved.'),
  strategy: Type.Optional(Name('Strategy concerned.')),
  symbol: Type.Optional(Type.String({ maxLength: 32, description: 'Instrument concerned (never a label).' })),
  value: Type.Optional(Type.Number({ description: 'The observed value.' })),
  expected: Type.Optional(Type.Number({ description: 'What was expected (the reference).' })),
};

/** An anomaly was detected. */
export const anomalyDetected = defineEvent(
  'anomaly.detected',
  'An anomaly was detected. Counts hft_anomalies_total and raises hft_anomalies_open; recorded in anomaly_log.',
  anomaly,
  { component: 'risk_engine', anomaly_id: 'an-9f1', detected_by: 'risk_engine', anomaly_type: 'volatility_spike', severity: 'high', status: 'OPEN', symbol: '2330', value: 0.041, expected: 0.012, message: 'realized volatility 3.4x its 30-day mean', level: 'warn' },
);

/** An anomaly was resolved. */
export const anomalyResolved = defineEvent(
  'anomaly.resolved',
  'An anomaly was resolved. Lowers hft_anomalies_open; recorded in anomaly_log.',
  anomaly,
  { component: 'risk_engine', anomaly_id: 'an-9f1', detected_by: 'risk_engine', anomaly_type: 'volatility_spike', severity: 'high', status: 'CLOSED', symbol: '2330', message: 'volatility back within bounds' },
);
