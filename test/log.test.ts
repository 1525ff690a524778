import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogging, parseLogLevels, redact } from '../exporters/lib/log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, destination };
}

describe('structured logs', () => {
  it('writes timestamp, level, service, component, event, message and correlation id', () => {
    const { lines, destination } = capture();
    const log = createLogging({ service: 'tickwatch-test', destination }).logger('ingest');
    log.info('ingest.started', 'Tailing the event file.', { correlation_id: 'c-1', path: '/tmp/x' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'tickwatch-test',
      component: 'ingest',
      event: 'ingest.started',
      message: 'Tailing the event file.',
      correlation_id: 'c-1',
      path: '/tmp/x',
    });
    expect(new Date(lines[0]!.timestamp as string).toISOString()).toBe(lines[0]!.timestamp);
  });

  it('redacts secrets by key at any depth and leaves the caller object untouched', () => {
    const { lines, destination } = capture();
    const log = createLogging({ service: 's', destination }).logger('alerting');
    const cfg = { receivers: [{ name: 'pager', pagerduty: { routing_key: 'R0UT1NG', url: 'http://127.0.0.1' } }], smtp: { auth_password: 'hunter2' }, apiKey: 'k', Authorization: 'Bearer x' };
    log.warn('config.loaded', 'Loaded.', { cfg });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['R0UT1NG', 'hunter2', '"k"', 'Bearer x']) expect(text).not.toContain(secret);
    expect(text).toContain('http://127.0.0.1');
    expect(cfg.smtp.auth_password).toBe('hunter2');
    expect(redact({ a: { b: { token: 't' } } })).toEqual({ a: { b: { token: '[REDACTED]' } } });
  });

  it('applies per-component levels', () => {
    const { lines, destination } = capture();
    const logging = createLogging({ service: 's', destination, levels: parseLogLevels('warn,ingest=debug') });
    logging.logger('ingest').debug('ingest.line', 'A line.');
    logging.logger('recorder').info('recorder.batch', 'A batch.');
    logging.logger('recorder').error('recorder.failed', 'It failed.');
    expect(lines.map((l) => l.event)).toEqual(['ingest.line', 'recorder.failed']);
    expect(() => parseLogLevels('loud')).toThrow(/log level 'loud'/);
  });

  it('keeps a line with a malformed event name, flagged, instead of dropping it', () => {
    const { lines, destination } = capture();
    createLogging({ service: 's', destination }).logger('x').info('Not An Event', 'Still logged.');
    expect(lines[0]).toMatchObject({ event: 'log.malformed_event', event_given: 'Not An Event', message: 'Still logged.' });
  });
});
