/**
 * Host metrics, exported by the host exporter (`tickwatch host`, 127.0.0.1:9471).
 *
 * Every `node_*` name, label and unit here is node_exporter 1.5's, with its semantics (counters in
 * seconds and bytes, CPU time from USER_HZ = 100 ticks, disk sectors of 512 bytes, I/O time in
 * seconds), so rules and dashboards written for node_exporter work with either exporter. The
 * `tickwatch_host_process_*` metrics are ours: CPU, memory and storage IO of configured processes
 * (the trading engine, the recorder, the ClickHouse server).
 *
 * `/proc/meminfo` has one line per field and the set depends on the kernel, so node_exporter exports
 * each as `node_memory_<Field>_bytes` (or `node_memory_<Field>` for a count such as
 * `HugePages_Total`). The common fields are listed here; the host exporter serves every other field
 * of the running kernel under the same scheme through {@link meminfoFieldDef}. Rules and dashboards
 * may only reference the listed ones.
 */
import { counter, gauge, type GaugeDef, type LabelSpec } from './types.js';

const domain = 'host';
const exportedBy = ['host'] as const;
const compat = 'node_exporter' as const;

/** CPU modes node_exporter reads from `/proc/stat`. */
export const CPU_MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'] as const;
/** Guest CPU modes (time spent running guests, already included in `user` and `nice`). */
export const CPU_GUEST_MODES = ['nice', 'user'] as const;
/**
 * The host exporter's collectors, named as node_exporter names them (`process` is ours; `chrony`
 * reads chronyd's tracking report, as chrony_exporter does; their metrics are in clock.ts). The
 * values of `node_scrape_collector_success{collector}`.
 */
export const HOST_COLLECTORS = ['chrony', 'cpu', 'diskstats', 'filesystem', 'hwmon', 'loadavg', 'meminfo', 'netdev', 'process', 'stat', 'thermal_zone', 'timex'] as const;

// ---- cpu -------------------------------------------------------------------------------------

/** CPU time per core and mode. */
export const nodeCpuSecondsTotal = counter({
  name: 'node_cpu_seconds_total',
  help: 'Seconds the CPUs spent in each mode, from /proc/stat (USER_HZ ticks / 100).',
  unit: 'seconds',
  labels: { cpu: 'open', mode: CPU_MODES },
  maxSeries: 8 * 1024,
  domain,
  exportedBy,
  compat,
});

/** Guest CPU time per core. */
export const nodeCpuGuestSecondsTotal = counter({
  name: 'node_cpu_guest_seconds_total',
  help: 'Seconds the CPUs spent running guests (VMs) for each mode, from /proc/stat.',
  unit: 'seconds',
  labels: { cpu: 'open', mode: CPU_GUEST_MODES },
  maxSeries: 2 * 1024,
  domain,
  exportedBy,
  compat,
});

// ---- stat ------------------------------------------------------------------------------------

/** Boot time. */
export const nodeBootTimeSeconds = gauge({
  name: 'node_boot_time_seconds',
  help: 'Node boot time since the Unix epoch in seconds (btime of /proc/stat).',
  unit: 'timestamp_seconds',
  domain,
  exportedBy,
  compat,
});

/** Context switches. */
export const nodeContextSwitchesTotal = counter({
  name: 'node_context_switches_total',
  help: 'Total number of context switches since boot.',
  unit: 'count',
  domain,
  exportedBy,
  compat,
});

/** Forks. */
export const nodeForksTotal = counter({
  name: 'node_forks_total',
  help: 'Total number of forks since boot.',
  unit: 'count',
  domain,
  exportedBy,
  compat,
});

/** Interrupts. */
export const nodeIntrTotal = counter({
  name: 'node_intr_total',
  help: 'Total number of interrupts serviced since boot.',
  unit: 'count',
  domain,
  exportedBy,
  compat,
});

/** Runnable processes. */
export const nodeProcsRunning = gauge({
  name: 'node_procs_running',
  help: 'Number of processes in runnable state.',
  unit: 'count',
  domain,
  exportedBy,
  compat,
});

/** Processes blocked on I/O. */
export const nodeProcsBlocked = gauge({
  name: 'node_procs_blocked',
  help: 'Number of processes blocked waiting for I/O to complete.',
  unit: 'count',
  domain,
  exportedBy,
  compat,
});

// ---- loadavg ---------------------------------------------------------------------------------

/** 1-minute load average. */
export const nodeLoad1 = gauge({ name: 'node_load1', help: '1m load average (runnable plus uninterruptible tasks).', unit: 'count', domain, exportedBy, compat });
/** 5-minute load average. */
export const nodeLoad5 = gauge({ name: 'node_load5', help: '5m load average (runnable plus uninterruptible tasks).', unit: 'count', domain, exportedBy, compat });
/** 15-minute load average. */
export const nodeLoad15 = gauge({ name: 'node_load15', help: '15m load average (runnable plus uninterruptible tasks).', unit: 'count', domain, exportedBy, compat });

// ---- meminfo ---------------------------------------------------------------------------------

/**
 * The catalog definition of a `/proc/meminfo` field, named as node_exporter names it: `Active(anon)`
 * becomes `Active_anon`; a field given in kB becomes `node_memory_<Field>_bytes` (value × 1024), a
 * field without a unit (`HugePages_Total`) becomes `node_memory_<Field>` (a count). Returns the
 * listed definition when the field is one of the listed ones.
 * @param field - the field name as `/proc/meminfo` writes it, without the colon
 * @param inKiB - whether the line carries the `kB` unit
 */
export function meminfoFieldDef(field: string, inKiB: boolean): GaugeDef<string, LabelSpec> {
  const key = field.replace(/\((.*)\)/, '_$1');
  const name = `node_memory_${key}${inKiB ? '_bytes' : ''}`;
  const listed = MEMINFO_LISTED.get(name);
  if (listed) return listed;
  return gauge({ name, help: `Memory information field ${key}${inKiB ? '_bytes' : ''} from /proc/meminfo.`, unit: inKiB ? 'bytes' : 'count', domain, exportedBy, compat });
}

const mem = <const N extends string>(name: N, help: string, unit: 'bytes' | 'count' = 'bytes') => gauge({ name, help, unit, domain, exportedBy, compat });

/** MemTotal. */
export const nodeMemoryMemTotalBytes = mem('node_memory_MemTotal_bytes', 'Usable RAM in bytes (MemTotal of /proc/meminfo).');
/** MemFree. */
export const nodeMemoryMemFreeBytes = mem('node_memory_MemFree_bytes', 'Unused RAM in bytes (MemFree of /proc/meminfo).');
/** MemAvailable: the kernel's estimate of memory available without swapping. */
export const nodeMemoryMemAvailableBytes = mem('node_memory_MemAvailable_bytes', 'Memory available for new work without swapping, in bytes (MemAvailable of /proc/meminfo).');
/** Buffers. */
export const nodeMemoryBuffersBytes = mem('node_memory_Buffers_bytes', 'Block-device buffers in bytes (Buffers of /proc/meminfo).');
/** Cached. */
export const nodeMemoryCachedBytes = mem('node_memory_Cached_bytes', 'Page cache in bytes (Cached of /proc/meminfo).');
/** SwapCached. */
export const nodeMemorySwapCachedBytes = mem('node_memory_SwapCached_bytes', 'Swapped-out memory also still in RAM, in bytes (SwapCached of /proc/meminfo).');
/** SwapTotal. */
export const nodeMemorySwapTotalBytes = mem('node_memory_SwapTotal_bytes', 'Total swap space in bytes (SwapTotal of /proc/meminfo).');
/** SwapFree. */
export const nodeMemorySwapFreeBytes = mem('node_memory_SwapFree_bytes', 'Unused swap space in bytes (SwapFree of /proc/meminfo).');
/** Active. */
export const nodeMemoryActiveBytes = mem('node_memory_Active_bytes', 'Recently used memory in bytes (Active of /proc/meminfo).');
/** Inactive. */
export const nodeMemoryInactiveBytes = mem('node_memory_Inactive_bytes', 'Less recently used memory in bytes (Inactive of /proc/meminfo).');
/** Dirty. */
export const nodeMemoryDirtyBytes = mem('node_memory_Dirty_bytes', 'Memory waiting to be written back to disk, in bytes (Dirty of /proc/meminfo).');
/** Writeback. */
export const nodeMemoryWritebackBytes = mem('node_memory_Writeback_bytes', 'Memory being written back to disk, in bytes (Writeback of /proc/meminfo).');
/** Shmem. */
export const nodeMemoryShmemBytes = mem('node_memory_Shmem_bytes', 'Shared memory and tmpfs in bytes (Shmem of /proc/meminfo).');
/** Slab. */
export const nodeMemorySlabBytes = mem('node_memory_Slab_bytes', 'Kernel slab allocations in bytes (Slab of /proc/meminfo).');
/** SReclaimable. */
export const nodeMemorySReclaimableBytes = mem('node_memory_SReclaimable_bytes', 'Reclaimable slab in bytes (SReclaimable of /proc/meminfo).');
/** SUnreclaim. */
export const nodeMemorySUnreclaimBytes = mem('node_memory_SUnreclaim_bytes', 'Unreclaimable slab in bytes (SUnreclaim of /proc/meminfo).');
/** Mapped. */
export const nodeMemoryMappedBytes = mem('node_memory_Mapped_bytes', 'Files mapped into memory in bytes (Mapped of /proc/meminfo).');
/** AnonPages. */
export const nodeMemoryAnonPagesBytes = mem('node_memory_AnonPages_bytes', 'Anonymous pages mapped into user page tables, in bytes (AnonPages of /proc/meminfo).');
/** Committed_AS. */
export const nodeMemoryCommittedASBytes = mem('node_memory_Committed_AS_bytes', 'Memory committed to processes in bytes (Committed_AS of /proc/meminfo).');
/** CommitLimit. */
export const nodeMemoryCommitLimitBytes = mem('node_memory_CommitLimit_bytes', 'Commit limit in bytes (CommitLimit of /proc/meminfo).');
/** HugePages_Total: a count of huge pages, not bytes. */
export const nodeMemoryHugePagesTotal = mem('node_memory_HugePages_Total', 'Size of the huge page pool, in pages (HugePages_Total of /proc/meminfo).', 'count');
/** HugePages_Free. */
export const nodeMemoryHugePagesFree = mem('node_memory_HugePages_Free', 'Huge pages not yet allocated, in pages (HugePages_Free of /proc/meminfo).', 'count');
/** Hugepagesize. */
export const nodeMemoryHugepagesizeBytes = mem('node_memory_Hugepagesize_bytes', 'Huge page size in bytes (Hugepagesize of /proc/meminfo).');

const MEMINFO_LISTED: ReadonlyMap<string, GaugeDef<string, LabelSpec>> = new Map(
  [
    nodeMemoryMemTotalBytes,
    nodeMemoryMemFreeBytes,
    nodeMemoryMemAvailableBytes,
    nodeMemoryBuffersBytes,
    nodeMemoryCachedBytes,
    nodeMemorySwapCachedBytes,
    nodeMemorySwapTotalBytes,
    nodeMemorySwapFreeBytes,
    nodeMemoryActiveBytes,
    nodeMemoryInactiveBytes,
    nodeMemoryDirtyBytes,
    nodeMemoryWritebackBytes,
    nodeMemoryShmemBytes,
    nodeMemorySlabBytes,
    nodeMemorySReclaimableBytes,
    nodeMemorySUnreclaimBytes,
    nodeMemoryMappedBytes,
    nodeMemoryAnonPagesBytes,
    nodeMemoryCommittedASBytes,
    nodeMemoryCommitLimitBytes,
    nodeMemoryHugePagesTotal,
    nodeMemoryHugePagesFree,
    nodeMemoryHugepagesizeBytes,
  ].map((d) => [d.name, d as GaugeDef<string, LabelSpec>]),
);

// ---- netdev ----------------------------------------------------------------------------------

const dev = { device: 'open' } as const;
const netHelp = (field: string, what: string) => `Network device statistic ${field}: ${what} (/proc/net/dev; node_exporter semantics).`;
const net = <const N extends string>(name: N, help: string, unit: 'bytes' | 'count' = 'count') => counter({ name, help, unit, labels: dev, maxSeries: 2000, domain, exportedBy, compat });

/** Bytes received per interface. */
export const nodeNetworkReceiveBytesTotal = net('node_network_receive_bytes_total', netHelp('receive_bytes', 'bytes received'), 'bytes');
/** Packets received. */
export const nodeNetworkReceivePacketsTotal = net('node_network_receive_packets_total', netHelp('receive_packets', 'packets received'));
/** Receive errors. */
export const nodeNetworkReceiveErrsTotal = net('node_network_receive_errs_total', netHelp('receive_errs', 'bad packets received'));
/** Received packets dropped (rx_dropped + rx_missed_errors, as /proc/net/dev and node_exporter sum them). */
export const nodeNetworkReceiveDropTotal = net('node_network_receive_drop_total', netHelp('receive_drop', 'received packets dropped, including missed ones'));
/** Receive FIFO overruns. */
export const nodeNetworkReceiveFifoTotal = net('node_network_receive_fifo_total', netHelp('receive_fifo', 'receive FIFO overrun errors'));
/** Receive framing errors (length + over + CRC + frame errors). */
export const nodeNetworkReceiveFrameTotal = net('node_network_receive_frame_total', netHelp('receive_frame', 'length, overrun, CRC and frame errors'));
/** Compressed packets received. */
export const nodeNetworkReceiveCompressedTotal = net('node_network_receive_compressed_total', netHelp('receive_compressed', 'compressed packets received'));
/** Multicast packets received. */
export const nodeNetworkReceiveMulticastTotal = net('node_network_receive_multicast_total', netHelp('receive_multicast', 'multicast packets received'));
/** Packets received with no protocol handler (from /sys/class/net/<dev>/statistics/rx_nohandler). */
export const nodeNetworkReceiveNohandlerTotal = net('node_network_receive_nohandler_total', netHelp('receive_nohandler', 'packets dropped for lack of a protocol handler'));
/** Bytes transmitted. */
export const nodeNetworkTransmitBytesTotal = net('node_network_transmit_bytes_total', netHelp('transmit_bytes', 'bytes transmitted'), 'bytes');
/** Packets transmitted. */
export const nodeNetworkTransmitPacketsTotal = net('node_network_transmit_packets_total', netHelp('transmit_packets', 'packets transmitted'));
/** Transmit errors. */
export const nodeNetworkTransmitErrsTotal = net('node_network_transmit_errs_total', netHelp('transmit_errs', 'transmit errors'));
/** Transmitted packets dropped. */
export const nodeNetworkTransmitDropTotal = net('node_network_transmit_drop_total', netHelp('transmit_drop', 'packets dropped on transmit'));
/** Transmit FIFO errors. */
export const nodeNetworkTransmitFifoTotal = net('node_network_transmit_fifo_total', netHelp('transmit_fifo', 'transmit FIFO errors'));
/** Collisions. */
export const nodeNetworkTransmitCollsTotal = net('node_network_transmit_colls_total', netHelp('transmit_colls', 'collisions'));
/** Carrier errors (carrier + aborted + heartbeat + window errors). */
export const nodeNetworkTransmitCarrierTotal = net('node_network_transmit_carrier_total', netHelp('transmit_carrier', 'carrier, aborted, heartbeat and window errors'));
/** Compressed packets transmitted. */
export const nodeNetworkTransmitCompressedTotal = net('node_network_transmit_compressed_total', netHelp('transmit_compressed', 'compressed packets transmitted'));

// ---- diskstats -------------------------------------------------------------------------------

const disk = <const N extends string>(name: N, help: string, unit: 'bytes' | 'seconds' | 'count') => counter({ name, help, unit, labels: dev, maxSeries: 2000, domain, exportedBy, compat });

/** Reads completed. */
export const nodeDiskReadsCompletedTotal = disk('node_disk_reads_completed_total', 'The total number of reads completed successfully (/proc/diskstats).', 'count');
/** Reads merged. */
export const nodeDiskReadsMergedTotal = disk('node_disk_reads_merged_total', 'The total number of adjacent reads merged (/proc/diskstats).', 'count');
/** Bytes read: sectors × 512 (the kernel's diskstats sector is always 512 bytes). */
export const nodeDiskReadBytesTotal = disk('node_disk_read_bytes_total', 'The total number of bytes read successfully (sectors of 512 bytes).', 'bytes');
/** Time spent reading. */
export const nodeDiskReadTimeSecondsTotal = disk('node_disk_read_time_seconds_total', 'The total number of seconds spent by all reads.', 'seconds');
/** Writes completed. */
export const nodeDiskWritesCompletedTotal = disk('node_disk_writes_completed_total', 'The total number of writes completed successfully (/proc/diskstats).', 'count');
/** Writes merged. */
export const nodeDiskWritesMergedTotal = disk('node_disk_writes_merged_total', 'The number of adjacent writes merged (/proc/diskstats).', 'count');
/** Bytes written: sectors × 512. */
export const nodeDiskWrittenBytesTotal = disk('node_disk_written_bytes_total', 'The total number of bytes written successfully (sectors of 512 bytes).', 'bytes');
/** Time spent writing. */
export const nodeDiskWriteTimeSecondsTotal = disk('node_disk_write_time_seconds_total', 'The total number of seconds spent by all writes.', 'seconds');
/** Time the device had I/O in flight (its utilisation is the rate of this). */
export const nodeDiskIoTimeSecondsTotal = disk('node_disk_io_time_seconds_total', 'Total seconds the device spent doing I/Os (busy time).', 'seconds');
/** Weighted I/O time (queue length integrated over time). */
export const nodeDiskIoTimeWeightedSecondsTotal = disk('node_disk_io_time_weighted_seconds_total', 'The weighted number of seconds spent doing I/Os.', 'seconds');
/** Discards completed. */
export const nodeDiskDiscardsCompletedTotal = disk('node_disk_discards_completed_total', 'The total number of discards completed successfully.', 'count');
/** Discards merged. */
export const nodeDiskDiscardsMergedTotal = disk('node_disk_discards_merged_total', 'The total number of discards merged.', 'count');
/** Sectors discarded (node_exporter keeps sectors here, not bytes). */
export const nodeDiskDiscardedSectorsTotal = disk('node_disk_discarded_sectors_total', 'The total number of sectors discarded successfully.', 'count');
/** Time spent discarding. */
export const nodeDiskDiscardTimeSecondsTotal = disk('node_disk_discard_time_seconds_total', 'The total number of seconds spent by all discards.', 'seconds');
/** Flush requests completed. */
export const nodeDiskFlushRequestsTotal = disk('node_disk_flush_requests_total', 'The total number of flush requests completed successfully.', 'count');
/** Time spent flushing. */
export const nodeDiskFlushRequestsTimeSecondsTotal = disk('node_disk_flush_requests_time_seconds_total', 'The total number of seconds spent by all flush requests.', 'seconds');

/** I/Os in flight. */
export const nodeDiskIoNow = gauge({
  name: 'node_disk_io_now',
  help: 'The number of I/Os currently in progress.',
  unit: 'count',
  labels: dev,
  maxSeries: 2000,
  domain,
  exportedBy,
  compat,
});

/** Block device identity; udev's properties when /run/udev/data has them, empty otherwise. */
export const nodeDiskInfo = gauge({
  name: 'node_disk_info',
  help: 'Info of /sys/block/<block_device>: major and minor numbers and udev identity; always 1.',
  unit: 'info',
  labels: { device: 'open', major: 'open', minor: 'open', path: 'open', wwn: 'open', model: 'open', serial: 'open', revision: 'open' },
  maxSeries: 2000,
  domain,
  exportedBy,
  compat,
});

// ---- filesystem ------------------------------------------------------------------------------

const fsLabels = { device: 'open', fstype: 'open', mountpoint: 'open' } as const;
const fsGauge = <const N extends string>(name: N, help: string, unit: 'bytes' | 'count' | 'boolean') => gauge({ name, help, unit, labels: fsLabels, maxSeries: 2000, domain, exportedBy, compat });

/** Filesystem size. */
export const nodeFilesystemSizeBytes = fsGauge('node_filesystem_size_bytes', 'Filesystem size in bytes (statfs blocks × block size).', 'bytes');
/** Free space, including the part reserved for root. */
export const nodeFilesystemFreeBytes = fsGauge('node_filesystem_free_bytes', 'Filesystem free space in bytes, including space reserved for root.', 'bytes');
/** Space available to unprivileged users. */
export const nodeFilesystemAvailBytes = fsGauge('node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.', 'bytes');
/** Inodes. */
export const nodeFilesystemFiles = fsGauge('node_filesystem_files', 'Filesystem total file nodes (inodes).', 'count');
/** Free inodes. */
export const nodeFilesystemFilesFree = fsGauge('node_filesystem_files_free', 'Filesystem total free file nodes (inodes).', 'count');
/** Read-only mount. */
export const nodeFilesystemReadonly = fsGauge('node_filesystem_readonly', 'Filesystem read-only status: 1 when mounted ro.', 'boolean');
/** statfs failed or timed out (a stuck network mount). */
export const nodeFilesystemDeviceError = fsGauge('node_filesystem_device_error', 'Whether an error occurred while getting statistics for the given device (1) or not (0).', 'boolean');

// ---- hwmon and thermal zones -----------------------------------------------------------------

const sensor = { chip: 'open', sensor: 'open' } as const;

/** Temperature sensors under /sys/class/hwmon. */
export const nodeHwmonTempCelsius = gauge({ name: 'node_hwmon_temp_celsius', help: 'Hardware monitor for temperature (input) in degrees Celsius.', unit: 'celsius', labels: sensor, maxSeries: 500, domain, exportedBy, compat });
/** Their maximum (warning) thresholds. */
export const nodeHwmonTempMaxCelsius = gauge({ name: 'node_hwmon_temp_max_celsius', help: 'Hardware monitor for temperature (max) in degrees Celsius.', unit: 'celsius', labels: sensor, maxSeries: 500, domain, exportedBy, compat });
/** Their critical thresholds. */
export const nodeHwmonTempCritCelsius = gauge({ name: 'node_hwmon_temp_crit_celsius', help: 'Hardware monitor for temperature (crit) in degrees Celsius.', unit: 'celsius', labels: sensor, maxSeries: 500, domain, exportedBy, compat });
/** Human-readable chip names. */
export const nodeHwmonChipNames = gauge({ name: 'node_hwmon_chip_names', help: 'Annotation metric for human-readable chip names; always 1.', unit: 'count', labels: { chip: 'open', chip_name: 'open' }, maxSeries: 100, domain, exportedBy, compat });
/** Sensor labels. */
export const nodeHwmonSensorLabel = gauge({ name: 'node_hwmon_sensor_label', help: 'Label for the given chip and sensor; always 1.', unit: 'count', labels: { chip: 'open', label: 'open', sensor: 'open' }, maxSeries: 500, domain, exportedBy, compat });
/** Thermal zones under /sys/class/thermal (node_exporter's name has no unit suffix: a compat name). */
export const nodeThermalZoneTemp = gauge({ name: 'node_thermal_zone_temp', help: 'Zone temperature in degrees Celsius.', unit: 'celsius', labels: { type: 'open', zone: 'open' }, maxSeries: 200, domain, exportedBy, compat });

// ---- exporter self-report --------------------------------------------------------------------

/** Whether each collector succeeded on this scrape. */
export const nodeScrapeCollectorSuccess = gauge({
  name: 'node_scrape_collector_success',
  help: 'Whether a collector succeeded on this scrape (1) or failed or found no data (0).',
  unit: 'boolean',
  labels: { collector: HOST_COLLECTORS },
  domain,
  exportedBy,
  compat,
});

/** How long each collector took on this scrape. */
export const nodeScrapeCollectorDurationSeconds = gauge({
  name: 'node_scrape_collector_duration_seconds',
  help: 'Duration of a collector on this scrape, in seconds.',
  unit: 'seconds',
  labels: { collector: HOST_COLLECTORS },
  domain,
  exportedBy,
  compat,
});

// ---- configured processes (ours) -------------------------------------------------------------

const proc = { name: 'open' } as const;

/** CPU time of the processes matching a configured name (monotonic across their restarts). */
export const hostProcessCpuSecondsTotal = counter({
  name: 'tickwatch_host_process_cpu_seconds_total',
  help: 'User plus system CPU seconds of the processes matching a configured name, summed over their lifetimes (restarts included).',
  unit: 'seconds',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});

/** Resident memory of the matching processes. */
export const hostProcessResidentMemoryBytes = gauge({
  name: 'tickwatch_host_process_resident_memory_bytes',
  help: 'Resident set size of the processes matching a configured name, summed, in bytes (VmRSS).',
  unit: 'bytes',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});

/** How many processes match a configured name (0: the engine is not running). */
export const hostProcesses = gauge({
  name: 'tickwatch_host_processes',
  help: 'Number of running processes matching a configured name.',
  unit: 'count',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});

/** Start time of the oldest matching process. */
export const hostProcessStartTimeSeconds = gauge({
  name: 'tickwatch_host_process_start_time_seconds',
  help: 'Start time of the oldest process matching a configured name, since the Unix epoch in seconds.',
  unit: 'timestamp_seconds',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});

/**
 * Bytes the matching processes caused to be read from the storage layer (`read_bytes` of
 * /proc/<pid>/io: block devices, not the page cache; all threads, exited ones included), summed
 * over their lifetimes like {@link hostProcessCpuSecondsTotal}. Reading another user's io file
 * needs the same user or CAP_SYS_PTRACE: processes whose file cannot be read are left out and
 * counted in {@link hostProcessIoUnreadable}.
 */
export const hostProcessReadBytesTotal = counter({
  name: 'tickwatch_host_process_read_bytes_total',
  help: 'Bytes the processes matching a configured name caused to be read from the storage layer (read_bytes of /proc/<pid>/io, page-cache hits excluded), summed over their lifetimes.',
  unit: 'bytes',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});

/**
 * Bytes the matching processes caused to be sent to the storage layer (`write_bytes` of
 * /proc/<pid>/io, counted when the page is dirtied, so a write the kernel flushes later counts now;
 * bytes of dirty pages later truncated away, `cancelled_write_bytes`, are not subtracted), summed
 * over their lifetimes. Same permission rule as {@link hostProcessReadBytesTotal}.
 */
export const hostProcessWrittenBytesTotal = counter({
  name: 'tickwatch_host_process_written_bytes_total',
  help: 'Bytes the processes matching a configured name caused to be written to the storage layer (write_bytes of /proc/<pid>/io), summed over their lifetimes.',
  unit: 'bytes',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});

/**
 * Matching processes whose /proc/<pid>/io the host exporter could not read on this scrape (another
 * user's process, without CAP_SYS_PTRACE): their IO is missing from the byte counters. Run the
 * exporter as the same user, or grant it CAP_SYS_PTRACE.
 */
export const hostProcessIoUnreadable = gauge({
  name: 'tickwatch_host_process_io_unreadable',
  help: 'Processes matching a configured name whose /proc/<pid>/io could not be read on this scrape (another user without CAP_SYS_PTRACE); their IO is missing from the byte counters.',
  unit: 'count',
  labels: proc,
  maxSeries: 100,
  domain,
  exportedBy,
});
