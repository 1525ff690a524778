/**
 * `netdev`: per-interface counters `node_network_{receive,transmit}_<field>_total{device}`.
 *
 * node_exporter 1.5 reads the kernel's `rtnl_link_stats64` over netlink and folds the detailed
 * error counters into the /proc/net/dev column names (its "legacy" names): `receive_drop` is
 * `rx_dropped + rx_missed_errors`, `receive_frame` sums the length, overrun, CRC and frame errors,
 * `transmit_carrier` sums the carrier, aborted, heartbeat and window errors. /proc/net/dev prints
 * exactly those sums (net/core/net-procfs.c), so one read of it gives the same values; the only
 * netlink-only field, `receive_nohandler`, is read from
 * `/sys/class/net/<device>/statistics/rx_nohandler`. Netlink itself would need a native addon.
 *
 * Devices matching the exclude pattern (default `^lo$`, node_exporter's) are skipped.
 */
import {
  nodeNetworkReceiveBytesTotal,
  nodeNetworkReceiveCompressedTotal,
  nodeNetworkReceiveDropTotal,
  nodeNetworkReceiveErrsTotal,
  nodeNetworkReceiveFifoTotal,
  nodeNetworkReceiveFrameTotal,
  nodeNetworkReceiveMulticastTotal,
  nodeNetworkReceiveNohandlerTotal,
  nodeNetworkReceivePacketsTotal,
  nodeNetworkTransmitBytesTotal,
  nodeNetworkTransmitCarrierTotal,
  nodeNetworkTransmitCollsTotal,
  nodeNetworkTransmitCompressedTotal,
  nodeNetworkTransmitDropTotal,
  nodeNetworkTransmitErrsTotal,
  nodeNetworkTransmitFifoTotal,
  nodeNetworkTransmitPacketsTotal,
} from '../../catalog/host.js';
import type { MetricDef } from '../../catalog/types.js';
import { Samples } from '../../instrument/collector.js';
import { readText, tryReadText, type HostCollector, type HostPaths } from '../collector.js';

/** node_exporter's default `--collector.netdev.device-exclude` on these machines. */
export const DEFAULT_NETDEV_EXCLUDE = '^lo$';

const BY_FIELD: Readonly<Record<string, MetricDef>> = {
  receive_bytes: nodeNetworkReceiveBytesTotal,
  receive_packets: nodeNetworkReceivePacketsTotal,
  receive_errs: nodeNetworkReceiveErrsTotal,
  receive_drop: nodeNetworkReceiveDropTotal,
  receive_fifo: nodeNetworkReceiveFifoTotal,
  receive_frame: nodeNetworkReceiveFrameTotal,
  receive_compressed: nodeNetworkReceiveCompressedTotal,
  receive_multicast: nodeNetworkReceiveMulticastTotal,
  transmit_bytes: nodeNetworkTransmitBytesTotal,
  transmit_packets: nodeNetworkTransmitPacketsTotal,
  transmit_errs: nodeNetworkTransmitErrsTotal,
  transmit_drop: nodeNetworkTransmitDropTotal,
  transmit_fifo: nodeNetworkTransmitFifoTotal,
  transmit_colls: nodeNetworkTransmitCollsTotal,
  transmit_carrier: nodeNetworkTransmitCarrierTotal,
  transmit_compressed: nodeNetworkTransmitCompressedTotal,
};

/**
 * Parses /proc/net/dev: device to `receive_<col>`/`transmit_<col>` values, the column names taken
 * from its second header line.
 * @throws Error when the header is not the kernel's two-part header
 */
export function parseNetDev(text: string): Map<string, Map<string, number>> {
  const lines = text.split('\n');
  const header = lines[1]?.split('|');
  if (!header || header.length !== 3) throw new Error(`/proc/net/dev: unexpected header '${lines[1] ?? ''}'`);
  const rx = header[1]!.trim().split(/\s+/);
  const tx = header[2]!.trim().split(/\s+/);
  const out = new Map<string, Map<string, number>>();
  for (const line of lines.slice(2)) {
    const colon = line.lastIndexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const values = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const fields = new Map<string, number>();
    rx.forEach((c, i) => fields.set(`receive_${c}`, values[i]!));
    tx.forEach((c, i) => fields.set(`transmit_${c}`, values[rx.length + i]!));
    out.set(device, fields);
  }
  return out;
}

/** The `netdev` collector. */
export function createNetdevCollector(paths: HostPaths, exclude: string = DEFAULT_NETDEV_EXCLUDE): HostCollector {
  const skip = exclude ? new RegExp(exclude) : undefined;
  return {
    name: 'netdev',
    defs: [...Object.values(BY_FIELD), nodeNetworkReceiveNohandlerTotal],
    collect() {
      const s = new Samples();
      for (const [device, fields] of parseNetDev(readText(`${paths.proc}/net/dev`))) {
        if (skip?.test(device)) continue;
        for (const [field, v] of fields) {
          const def = BY_FIELD[field];
          if (def && Number.isFinite(v)) s.add(def, [device], v);
        }
        const nohandler = tryReadText(`${paths.sys}/class/net/${device}/statistics/rx_nohandler`);
        if (nohandler !== undefined && /^\d+\s*$/.test(nohandler)) s.add(nodeNetworkReceiveNohandlerTotal, [device], Number(nohandler));
      }
      return s;
    },
  };
}
