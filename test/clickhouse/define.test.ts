/**
 * The instrumentation core's `CollectorSet.define` (added for the ClickHouse passthrough): names a
 * set returns that no family serves yet get a family from the next scrape on; sets without
 * `define` behave as before.
 */
import { describe, expect, it } from 'vitest';
import { gauge } from '../../exporters/catalog/types.js';
import { SeriesView, type CollectorSet } from '../../exporters/instrument/view.js';
import { parseExposition } from '../helpers/exposition.js';

const fixed = gauge({ name: 'ClickHouseMetrics_Query', help: 'Queries executing now (fixture).', unit: 'count', domain: 'clickhouse', exportedBy: ['clickhouse'], compat: 'clickhouse' });

describe('CollectorSet.define', () => {
  it('serves a run-time name from the scrape after it first appears, once; ignores names it does not define; reports one that throws', async () => {
    let rows: [string, number][] = [['ClickHouseMetrics_Query', 1]];
    const defined: string[] = [];
    const set: CollectorSet = {
      name: 'fixture',
      defs: [fixed],
      collect: () => new Map(rows.map(([n, v]) => [n, [[[], v]] as const])),
      define: (name) => {
        defined.push(name);
        if (name === 'ClickHouseMetrics_Bad') throw new Error('no help for it');
        if (name.startsWith('ignored_')) return undefined;
        return gauge({ name, help: `Run-time metric ${name} (fixture).`, unit: 'count', domain: 'clickhouse', exportedBy: ['clickhouse'], compat: 'clickhouse' });
      },
    };
    const view = new SeriesView();
    view.addCollectorSet(set);
    const names = async () => parseExposition((await view.render()).body).map((s) => `${s.name}=${s.value}`);
    expect(await names()).toEqual(['ClickHouseMetrics_Query=1']);
    rows = [['ClickHouseMetrics_Query', 2], ['ClickHouseMetrics_Merge', 5], ['ignored_x', 1], ['ClickHouseMetrics_Bad', 1]];
    expect(await names()).toEqual(['ClickHouseMetrics_Query=2']); // learned now, served next time
    expect(view.problems.splice(0)).toEqual(['collector fixture: no family for ClickHouseMetrics_Bad: no help for it']);
    rows = [['ClickHouseMetrics_Query', 3], ['ClickHouseMetrics_Merge', 6], ['ignored_x', 1]];
    expect(await names()).toEqual(['ClickHouseMetrics_Query=3', 'ClickHouseMetrics_Merge=6']);
    expect(defined.filter((n) => n === 'ClickHouseMetrics_Merge')).toHaveLength(1);
    const body = (await view.render()).body;
    expect(body).toContain('# TYPE ClickHouseMetrics_Merge gauge');
  });
});
