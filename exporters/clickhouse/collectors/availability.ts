/**
 * `availability`: `tickwatch_clickhouse_up`, the server's version and uptime, from the round's
 * availability query (`SELECT version(), uptime()` under the availability timeout). Always serves
 * `tickwatch_clickhouse_up`: 1 when the query answered in time, 0 otherwise (and the failure counts
 * as a scrape error of this collector).
 */
import { clickhouseBuildInfo, clickhouseUp, clickhouseUptimeSeconds } from '../../catalog/clickhouse.js';
import { Samples } from '../../instrument/collector.js';
import { type ClickHouseCollector } from '../collector.js';

/** The `availability` collector. */
export function createAvailabilityCollector(): ClickHouseCollector {
  return {
    name: 'availability',
    defs: [clickhouseUp, clickhouseBuildInfo, clickhouseUptimeSeconds],
    async collect(round) {
      const ping = await round.ping;
      const s = new Samples();
      s.add(clickhouseUp, [], ping.ok ? 1 : 0);
      if (ping.ok) {
        if (ping.version) s.add(clickhouseBuildInfo, [ping.version], 1);
        if (ping.uptime !== undefined && Number.isFinite(ping.uptime)) s.add(clickhouseUptimeSeconds, [], ping.uptime);
      }
      if (!ping.ok) s.error = ping.error;
      return s;
    },
  };
}
