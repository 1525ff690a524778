/**
 * The host collectors against fixture /proc and /sys trees: parsing, unit conversions (ticks,
 * sectors, milliseconds, kB, millidegrees), node_exporter's naming, monotonic counters, and the
 * scrape self-report.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hostProcessIoUnreadable,
  hostProcessReadBytesTotal,
  hostProcessWrittenBytesTotal,
  meminfoFieldDef,
  nodeHwmonTempCelsius,
  nodeLoad1,
  nodeMemoryMemAvailableBytes,
  validateDefinition,
} from '../../exporters/catalog/index.js';
import type { HostCollector, HostPaths } from '../../exporters/host/collector.js';
import { NoDataError, type Samples } from '../../exporters/instrument/collector.js';
import { createCpuCollector } from '../../exporters/host/collectors/cpu.js';
import { createDiskstatsCollector } from '../../exporters/host/collectors/diskstats.js';
import { createFilesystemCollector } from '../../exporters/host/collectors/filesystem.js';
import { createHwmonCollector } from '../../exporters/host/collectors/hwmon.js';
import { createHostCollectors, toCollectorSets } from '../../exporters/host/collectors/index.js';
import { createLoadavgCollector } from '../../exporters/host/collectors/loadavg.js';
import { createMeminfoCollector } from '../../exporters/host/collectors/meminfo.js';
import { createNetdevCollector } from '../../exporters/host/collectors/netdev.js';
import { CLICKHOUSE_SERVER_PROCESS, createProcessCollector, parseProcessSpec } from '../../exporters/host/collectors/process.js';
import { createStatCollector } from '../../exporters/host/collectors/stat.js';
import { createThermalZoneCollector } from '../../exporters/host/collectors/thermal.js';
import { SeriesView } from '../../exporters/instrument/view.js';
import { tempDir } from '../helpers/env.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';

function put(root: string, rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
}

function tree(): HostPaths & { root: string } {
  const root = tempDir('tickwatch-host-');
  const paths = { root, proc: join(root, 'proc'), sys: join(root, 'sys'), udevData: join(root, 'udev') };
  mkdirSync(paths.proc, { recursive: true });
  mkdirSync(paths.sys, { recursive: true });
  return paths;
}

async function run(c: HostCollector): Promise<Samples> {
  return c.collect();
}

function values(s: Samples, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [labels, v] of (s.map.get(name) ?? []) as Iterable<readonly [readonly string[], number]>) out.set(labels.join('|'), v);
  return out;
}

const STAT = (cpu0: string, cpu1: string) => `cpu  0 0 0 0 0 0 0 0 0 0
cpu0 ${cpu0}
cpu1 ${cpu1}
intr 2172121 0 0 5
ctxt 5311819
btime 1795305090
processes 19546
procs_running 6
procs_blocked 1
`;

describe('host collectors on fixture trees', () => {
  it('cpu: USER_HZ ticks to seconds, every mode, guest modes, and counters that never step back', async () => {
    const p = tree();
    put(p.proc, 'stat', STAT('46570 10 8967 683362 2974 1 199 811 7 3', '50117 0 11844 668276 10229 0 543 974 0 0'));
    const cpu = createCpuCollector(p);
    let s = await run(cpu);
    let v = values(s, 'node_cpu_seconds_total');
    expect(v.size).toBe(16);
    expect(v.get('0|user')).toBeCloseTo(465.7, 9);
    expect(v.get('0|nice')).toBeCloseTo(0.1, 9);
    expect(v.get('0|system')).toBeCloseTo(89.67, 9);
    expect(v.get('0|idle')).toBeCloseTo(6833.62, 9);
    expect(v.get('0|iowait')).toBeCloseTo(29.74, 9);
    expect(v.get('0|irq')).toBeCloseTo(0.01, 9);
    expect(v.get('0|softirq')).toBeCloseTo(1.99, 9);
    expect(v.get('0|steal')).toBeCloseTo(8.11, 9);
    expect(values(s, 'node_cpu_guest_seconds_total').get('0|user')).toBeCloseTo(0.07, 9);
    expect(values(s, 'node_cpu_guest_seconds_total').get('0|nice')).toBeCloseTo(0.03, 9);
    // iowait steps back by 0.5 s (the kernel does this): the counter holds; user moves on.
    put(p.proc, 'stat', STAT('46600 10 8967 683400 2924 1 199 811 7 3', '50117 0 11844 668276 10229 0 543 974 0 0'));
    s = await run(cpu);
    v = values(s, 'node_cpu_seconds_total');
    expect(v.get('0|iowait')).toBeCloseTo(29.74, 9);
    expect(v.get('0|user')).toBeCloseTo(466, 9);
    // idle drops by 10 s: a hot-plug, the CPU's counters restart from the kernel's values.
    put(p.proc, 'stat', STAT('100 0 50 5000 10 0 1 2 0 0', '50117 0 11844 668276 10229 0 543 974 0 0'));
    v = values(await run(cpu), 'node_cpu_seconds_total');
    expect(v.get('0|idle')).toBeCloseTo(50, 9);
    expect(v.get('0|user')).toBeCloseTo(1, 9);
    expect(v.get('1|idle')).toBeCloseTo(6682.76, 9);
  });

  it('stat and loadavg: boot time, context switches, forks, interrupts, procs, load', async () => {
    const p = tree();
    put(p.proc, 'stat', STAT('1 2 3 4 5 6 7 8 0 0', '1 2 3 4 5 6 7 8 0 0'));
    put(p.proc, 'loadavg', '3.85 1.98 1.11 4/512 19546\n');
    const s = await run(createStatCollector(p));
    expect(values(s, 'node_boot_time_seconds').get('')).toBe(1795305090);
    expect(values(s, 'node_context_switches_total').get('')).toBe(5311819);
    expect(values(s, 'node_forks_total').get('')).toBe(19546);
    expect(values(s, 'node_intr_total').get('')).toBe(2172121);
    expect(values(s, 'node_procs_running').get('')).toBe(6);
    expect(values(s, 'node_procs_blocked').get('')).toBe(1);
    const l = await run(createLoadavgCollector(p));
    expect([values(l, 'node_load1').get(''), values(l, 'node_load5').get(''), values(l, 'node_load15').get('')]).toEqual([3.85, 1.98, 1.11]);
  });

  it("meminfo: kB to bytes, node_exporter's names for (anon) and unit-less fields, catalog definitions reused", async () => {
    const p = tree();
    put(p.proc, 'meminfo', 'MemTotal:       24684084 kB\nMemAvailable:   1000 kB\nActive(anon):     5 kB\nHugePages_Total:       3\nHugepagesize:       2048 kB\n');
    const c = createMeminfoCollector(p);
    expect(c.defs).toContain(nodeMemoryMemAvailableBytes);
    for (const d of c.defs) expect(validateDefinition(d), d.name).toEqual([]);
    const s = await run(c);
    expect(values(s, 'node_memory_MemTotal_bytes').get('')).toBe(24684084 * 1024);
    expect(values(s, 'node_memory_MemAvailable_bytes').get('')).toBe(1024000);
    expect(values(s, 'node_memory_Active_anon_bytes').get('')).toBe(5120);
    expect(values(s, 'node_memory_HugePages_Total').get('')).toBe(3);
    expect(values(s, 'node_memory_Hugepagesize_bytes').get('')).toBe(2 * 1024 * 1024);
    expect(meminfoFieldDef('Zswapped', true).name).toBe('node_memory_Zswapped_bytes');
  });

  it('netdev: /proc/net/dev columns under legacy names, rx_nohandler from sysfs, lo excluded', async () => {
    const p = tree();
    put(
      p.proc,
      'net/dev',
      `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 460713173   41387    0    0    0     0          0         0 460713173   41387    0    0    0     0       0          0
  eth0: 451205696   11179    1    2    3     4          5         6   871401    7657    7    8    9    10      11         12
`,
    );
    put(p.sys, 'class/net/eth0/statistics/rx_nohandler', '13\n');
    const s = await run(createNetdevCollector(p));
    const names = [...s.map.keys()].sort();
    expect(names).toHaveLength(17);
    for (const n of names) expect(values(s, n).has('lo'), n).toBe(false);
    const eth0 = (n: string) => values(s, `node_network_${n}_total`).get('eth0');
    expect([eth0('receive_bytes'), eth0('receive_packets'), eth0('receive_errs'), eth0('receive_drop'), eth0('receive_fifo'), eth0('receive_frame'), eth0('receive_compressed'), eth0('receive_multicast')]).toEqual([451205696, 11179, 1, 2, 3, 4, 5, 6]);
    expect([eth0('transmit_bytes'), eth0('transmit_packets'), eth0('transmit_errs'), eth0('transmit_drop'), eth0('transmit_fifo'), eth0('transmit_colls'), eth0('transmit_carrier'), eth0('transmit_compressed')]).toEqual([871401, 7657, 7, 8, 9, 10, 11, 12]);
    expect(eth0('receive_nohandler')).toBe(13);
    const all = await run(createNetdevCollector(p, ''));
    expect(values(all, 'node_network_receive_bytes_total').get('lo')).toBe(460713173);
  });

  it('diskstats: sectors × 512, ms × 0.001, partitions and loop devices skipped, discards and flushes only when the kernel prints them', async () => {
    const p = tree();
    put(
      p.proc,
      'diskstats',
      `   7       0 loop0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 117825 19619 8762490 377424 84366 30085 4766416 136229 2 152932 589887 75997 71 2667312 76140 1454 92
 254       1 vda1 5 0 10 1 0 0 0 0 0 1 1 0 0 0 0 0 0
   8       0 sdb 10 1 20 30 40 2 50 60 0 70 80
`,
    );
    put(p.udevData, 'b254:0', 'S:disk/by-path/pci-0000:00:05.0\nE:ID_PATH=pci-0000:00:05.0\nE:ID_MODEL=QEMU\nE:ID_SERIAL_SHORT=abc\nE:ID_REVISION=2.5+\nE:ID_WWN=0x5000\n');
    const s = await run(createDiskstatsCollector(p));
    const v = (n: string, d = 'vda') => values(s, n).get(d);
    expect(v('node_disk_reads_completed_total')).toBe(117825);
    expect(v('node_disk_reads_merged_total')).toBe(19619);
    expect(v('node_disk_read_bytes_total')).toBe(8762490 * 512);
    expect(v('node_disk_read_time_seconds_total')).toBeCloseTo(377.424, 9);
    expect(v('node_disk_writes_completed_total')).toBe(84366);
    expect(v('node_disk_written_bytes_total')).toBe(4766416 * 512);
    expect(v('node_disk_write_time_seconds_total')).toBeCloseTo(136.229, 9);
    expect(v('node_disk_io_now')).toBe(2);
    expect(v('node_disk_io_time_seconds_total')).toBeCloseTo(152.932, 9);
    expect(v('node_disk_io_time_weighted_seconds_total')).toBeCloseTo(589.887, 9);
    expect(v('node_disk_discards_completed_total')).toBe(75997);
    expect(v('node_disk_discarded_sectors_total')).toBe(2667312);
    expect(v('node_disk_discard_time_seconds_total')).toBeCloseTo(76.14, 9);
    expect(v('node_disk_flush_requests_total')).toBe(1454);
    expect(v('node_disk_flush_requests_time_seconds_total')).toBeCloseTo(0.092, 9);
    expect(v('node_disk_reads_completed_total', 'sdb')).toBe(10);
    expect(values(s, 'node_disk_discards_completed_total').has('sdb')).toBe(false);
    for (const d of ['loop0', 'vda1']) expect(values(s, 'node_disk_reads_completed_total').has(d)).toBe(false);
    expect([...values(s, 'node_disk_info').keys()].sort()).toEqual(['sdb|8|0|||||', 'vda|254|0|pci-0000:00:05.0|0x5000|QEMU|abc|2.5+']);
  });

  it('filesystem: statfs per mount, exclusions, one series per label set, read-only flag, errors for a mount that cannot be read', async () => {
    const p = tree();
    const root = p.root;
    mkdirSync(join(root, 'data dir'));
    put(
      p.proc,
      '1/mounts',
      [
        `/dev/vda ${root} ext4 rw,relatime 0 0`,
        `/dev/vda ${root} ext4 rw,relatime 0 0`,
        `/dev/vdb ${root.replace(/ /g, '\\040')}/data\\040dir xfs ro,noatime 0 0`,
        `/dev/vdc ${root}/gone ext4 rw 0 0`,
        'proc /proc proc rw 0 0',
        `tmpfs ${root}/t devtmpfs rw 0 0`,
        'tmpfs /run/user tmpfs rw 0 0',
      ].join('\n') + '\n',
    );
    const s = await run(createFilesystemCollector(p));
    const size = values(s, 'node_filesystem_size_bytes');
    expect([...values(s, 'node_filesystem_device_error').entries()].sort()).toEqual([
      [`/dev/vda|ext4|${root}`, 0],
      [`/dev/vdb|xfs|${root}/data dir`, 0],
      [`/dev/vdc|ext4|${root}/gone`, 1],
    ]);
    expect(size.get(`/dev/vda|ext4|${root}`)).toBeGreaterThan(0);
    expect(size.has(`/dev/vdc|ext4|${root}/gone`)).toBe(false);
    expect(values(s, 'node_filesystem_readonly').get(`/dev/vdb|xfs|${root}/data dir`)).toBe(1);
    const avail = values(s, 'node_filesystem_avail_bytes').get(`/dev/vda|ext4|${root}`)!;
    const free = values(s, 'node_filesystem_free_bytes').get(`/dev/vda|ext4|${root}`)!;
    expect(avail).toBeLessThanOrEqual(free);
    expect(free).toBeLessThanOrEqual(size.get(`/dev/vda|ext4|${root}`)!);
  });

  it("hwmon: chip names from the device path or the name file, millidegrees to °C, thresholds, labels; no hwmon is 'no data'", async () => {
    const p = tree();
    await expect(Promise.resolve().then(() => createHwmonCollector(p).collect())).rejects.toBeInstanceOf(NoDataError);
    mkdirSync(join(p.sys, 'devices/platform/coretemp.0'), { recursive: true });
    put(p.sys, 'class/hwmon/hwmon0/name', 'coretemp\n');
    put(p.sys, 'class/hwmon/hwmon0/temp1_input', '45000\n');
    put(p.sys, 'class/hwmon/hwmon0/temp1_max', '80000\n');
    put(p.sys, 'class/hwmon/hwmon0/temp1_crit', '100000\n');
    put(p.sys, 'class/hwmon/hwmon0/temp1_label', 'Package id 0\n');
    symlinkSync(join(p.sys, 'devices/platform/coretemp.0'), join(p.sys, 'class/hwmon/hwmon0/device'));
    put(p.sys, 'class/hwmon/hwmon1/name', 'ACPI TZ\n');
    put(p.sys, 'class/hwmon/hwmon1/temp1_input', '27800\n');
    const s = await run(createHwmonCollector(p));
    expect([...values(s, 'node_hwmon_temp_celsius').entries()].sort()).toEqual([
      ['acpi_tz|temp1', 27.8],
      ['platform_coretemp_0|temp1', 45],
    ]);
    expect(values(s, 'node_hwmon_temp_max_celsius').get('platform_coretemp_0|temp1')).toBe(80);
    expect(values(s, 'node_hwmon_temp_crit_celsius').get('platform_coretemp_0|temp1')).toBe(100);
    expect(values(s, 'node_hwmon_chip_names').get('platform_coretemp_0|coretemp')).toBe(1);
    expect(values(s, 'node_hwmon_sensor_label').get('platform_coretemp_0|Package id 0|temp1')).toBe(1);
  });

  it('thermal_zone: millidegrees to °C per zone and type; unreadable zones skipped', async () => {
    const p = tree();
    await expect(Promise.resolve().then(() => createThermalZoneCollector(p).collect())).rejects.toBeInstanceOf(NoDataError);
    put(p.sys, 'class/thermal/thermal_zone0/type', 'x86_pkg_temp\n');
    put(p.sys, 'class/thermal/thermal_zone0/temp', '42000\n');
    put(p.sys, 'class/thermal/thermal_zone1/type', 'acpitz\n');
    put(p.sys, 'class/thermal/cooling_device0/type', 'Processor\n');
    const s = await run(createThermalZoneCollector(p));
    expect([...values(s, 'node_thermal_zone_temp').entries()]).toEqual([['x86_pkg_temp|0', 42]]);
  });

  it('process: matches by comm or command-line regex; CPU is a monotonic counter across exits, restarts and pid reuse', async () => {
    const p = tree();
    put(p.proc, 'stat', STAT('1 1 1 1 1 1 1 1 0 0', '1 1 1 1 1 1 1 1 0 0'));
    put(p.proc, 'uptime', '100000.00 1.00\n');
    const proc = (pid: number, comm: string, cmdline: string[], ticks: [number, number], start: number, rssKb: number) => {
      const fields = ['S', '1', '1', '1', '0', '-1', '0', '0', '0', '0', '0', String(ticks[0]), String(ticks[1]), '0', '0', '20', '0', '1', '0', String(start), '0', '0'];
      put(p.proc, `${pid}/stat`, `${pid} (${comm}) ${fields.join(' ')}\n`);
      put(p.proc, `${pid}/comm`, `${comm}\n`);
      put(p.proc, `${pid}/cmdline`, cmdline.join('\0') + '\0');
      put(p.proc, `${pid}/status`, `Name:\t${comm}\nVmRSS:\t  ${rssKb} kB\n`);
    };
    const gone = async (pid: number) => (await import('node:fs')).rmSync(join(p.proc, String(pid)), { recursive: true });
    proc(10, 'hft-engine', ['/opt/engine/hft-engine', '--live'], [1000, 200], 500, 1000);
    proc(11, 'node', ['node', 'scripts/tickwatch.mjs', 'recorder'], [50, 50], 600, 2000);
    proc(12, 'node', ['node', 'other.js'], [999, 999], 700, 4000);
    proc(13, 'bash', ['bash'], [1, 1], 800, 10);
    const c = createProcessCollector(p, [parseProcessSpec('hft-engine'), parseProcessSpec('recorder=tickwatch\\.mjs recorder')]);
    let s = await run(c);
    expect(values(s, 'tickwatch_host_process_cpu_seconds_total')).toEqual(new Map([['hft-engine', 12], ['recorder', 1]]));
    expect(values(s, 'tickwatch_host_process_resident_memory_bytes')).toEqual(new Map([['hft-engine', 1024000], ['recorder', 2048000]]));
    expect(values(s, 'tickwatch_host_processes')).toEqual(new Map([['hft-engine', 1], ['recorder', 1]]));
    expect(values(s, 'tickwatch_host_process_start_time_seconds').get('hft-engine')).toBe(1795305090 + 5);
    // The engine burns 3 s of CPU, then exits: its counter keeps what it counted.
    proc(10, 'hft-engine', ['/opt/engine/hft-engine', '--live'], [1200, 300], 500, 1000);
    s = await run(c);
    expect(values(s, 'tickwatch_host_process_cpu_seconds_total').get('hft-engine')).toBeCloseTo(15, 9);
    await gone(10);
    s = await run(c);
    expect(values(s, 'tickwatch_host_process_cpu_seconds_total').get('hft-engine')).toBeCloseTo(15, 9);
    expect(values(s, 'tickwatch_host_processes').get('hft-engine')).toBe(0);
    expect(values(s, 'tickwatch_host_process_start_time_seconds').has('hft-engine')).toBe(false);
    // Restarted under the old pid (reused, new start time): its 0.5 s are added, not subtracted.
    proc(10, 'hft-engine', ['/opt/engine/hft-engine', '--live'], [40, 10], 9000, 900);
    s = await run(c);
    expect(values(s, 'tickwatch_host_process_cpu_seconds_total').get('hft-engine')).toBeCloseTo(15.5, 9);
    // A young shell that execs the engine (same pid and start time, new comm) starts counting then.
    proc(14, 'bash', ['bash', 'run.sh'], [5, 5], 100000 * 100 - 100, 10);
    s = await run(c);
    expect(values(s, 'tickwatch_host_processes').get('hft-engine')).toBe(1);
    proc(14, 'hft-engine', ['/opt/engine/hft-engine'], [10, 10], 100000 * 100 - 100, 500);
    s = await run(c);
    expect(values(s, 'tickwatch_host_processes').get('hft-engine')).toBe(2);
    expect(values(s, 'tickwatch_host_process_cpu_seconds_total').get('hft-engine')).toBeCloseTo(15.7, 9);
    expect(() => parseProcessSpec('bad name')).toThrow(/word/);
    expect(() => parseProcessSpec('x=(')).toThrow(/x=\(/);
    expect(() => createProcessCollector(p, [parseProcessSpec('a'), parseProcessSpec('a=b')])).toThrow(/twice/);
  });

  it('process: storage IO from /proc/<pid>/io, monotonic across exits; an unreadable io file is skipped and counted; clickhouse-server found however it was started', async () => {
    const p = tree();
    put(p.proc, 'stat', STAT('1 1 1 1 1 1 1 1 0 0', '1 1 1 1 1 1 1 1 0 0'));
    put(p.proc, 'uptime', '100000.00 1.00\n');
    const io = (read: number, write: number) =>
      `rchar: ${read * 3}\nwchar: ${write * 2}\nsyscr: 90\nsyscw: 12\nread_bytes: ${read}\nwrite_bytes: ${write}\ncancelled_write_bytes: 4096\n`;
    const proc = (pid: number, comm: string, cmdline: string[], ioText: string | 'unreadable' | 'missing') => {
      const fields = ['S', '1', '1', '1', '0', '-1', '0', '0', '0', '0', '0', '10', '5', '0', '0', '20', '0', '1', '0', String(500 + pid), '0', '0'];
      put(p.proc, `${pid}/stat`, `${pid} (${comm}) ${fields.join(' ')}\n`);
      put(p.proc, `${pid}/comm`, `${comm}\n`);
      put(p.proc, `${pid}/cmdline`, cmdline.join('\0') + '\0');
      put(p.proc, `${pid}/status`, `Name:\t${comm}\nVmRSS:\t  100 kB\n`);
      const file = join(p.proc, String(pid), 'io');
      rmSync(file, { recursive: true, force: true });
      // This test may run as root, which reads any file: a directory in its place fails the read as
      // EACCES does for another user's process without CAP_SYS_PTRACE.
      if (ioText === 'unreadable') mkdirSync(file);
      else if (ioText !== 'missing') writeFileSync(file, ioText);
    };
    // Debian 18.16: /usr/sbin/clickhouse-server, comm cut to 15 characters.
    proc(20, 'clickhouse-serv', ['/usr/sbin/clickhouse-server', '--config-file=/etc/clickhouse-server/config.xml'], io(217088, 49152));
    // Current packages through their symlink, and the single binary's subcommand.
    proc(21, 'clickhouse-serv', ['/usr/bin/clickhouse-server', '--config-file=x'], io(1000, 2000));
    proc(22, 'clickhouse', ['/usr/bin/clickhouse', 'server', '--config-file=x'], 'unreadable');
    // Not servers: a shell and sudo whose arguments name it, the client.
    proc(23, 'bash', ['bash', '-c', '/usr/bin/clickhouse-server --config-file=x'], io(1, 1));
    proc(24, 'sudo', ['sudo', '-u', 'clickhouse', '/usr/bin/clickhouse-server'], io(1, 1));
    proc(25, 'clickhouse-clie', ['/usr/bin/clickhouse-client'], io(1, 1));
    // A plain name longer than 15 characters matches the truncated comm when argv[0] says otherwise.
    proc(26, 'market-data-fee', ['mdfeed', '--venue', 'x'], io(10, 20));
    const c = createProcessCollector(p, [CLICKHOUSE_SERVER_PROCESS, parseProcessSpec('market-data-feeder')]);
    let s = await run(c);
    expect(values(s, 'tickwatch_host_processes')).toEqual(new Map([['clickhouse-server', 3], ['market-data-feeder', 1]]));
    expect(values(s, 'tickwatch_host_process_read_bytes_total')).toEqual(new Map([['clickhouse-server', 218088], ['market-data-feeder', 10]]));
    expect(values(s, 'tickwatch_host_process_written_bytes_total')).toEqual(new Map([['clickhouse-server', 51152], ['market-data-feeder', 20]]));
    expect(values(s, 'tickwatch_host_process_io_unreadable')).toEqual(new Map([['clickhouse-server', 1], ['market-data-feeder', 0]]));
    // The unreadable one becomes readable: its whole lifetime so far is added once.
    proc(22, 'clickhouse', ['/usr/bin/clickhouse', 'server', '--config-file=x'], io(500, 700));
    proc(20, 'clickhouse-serv', ['/usr/sbin/clickhouse-server', '--config-file=/etc/clickhouse-server/config.xml'], io(217088 + 4096, 49152 + 8192));
    s = await run(c);
    expect(values(s, 'tickwatch_host_process_read_bytes_total').get('clickhouse-server')).toBe(218088 + 500 + 4096);
    expect(values(s, 'tickwatch_host_process_written_bytes_total').get('clickhouse-server')).toBe(51152 + 700 + 8192);
    expect(values(s, 'tickwatch_host_process_io_unreadable').get('clickhouse-server')).toBe(0);
    // An exiting server keeps what it counted; an io file that disappears counts as unreadable.
    rmSync(join(p.proc, '21'), { recursive: true });
    proc(22, 'clickhouse', ['/usr/bin/clickhouse', 'server', '--config-file=x'], 'missing');
    s = await run(c);
    expect(values(s, 'tickwatch_host_process_read_bytes_total').get('clickhouse-server')).toBe(218088 + 500 + 4096);
    expect(values(s, 'tickwatch_host_processes').get('clickhouse-server')).toBe(2);
    expect(values(s, 'tickwatch_host_process_io_unreadable').get('clickhouse-server')).toBe(1);
    for (const d of [hostProcessReadBytesTotal, hostProcessWrittenBytesTotal, hostProcessIoUnreadable]) expect(validateDefinition(d), d.name).toEqual([]);
  });

  it('report node_scrape_collector_success and duration per collector for the same scrape; a failure is logged once, no data never', async () => {
    let calls = 0;
    const flaky: HostCollector = {
      name: 'loadavg',
      defs: [nodeLoad1],
      collect: () => {
        calls++;
        throw new Error('boom');
      },
    };
    const absent: HostCollector = { name: 'hwmon', defs: [nodeHwmonTempCelsius], collect: () => Promise.reject(new NoDataError('none')) };
    const p = tree();
    put(p.proc, 'stat', STAT('1 1 1 1 1 1 1 1 0 0', '1 1 1 1 1 1 1 1 0 0'));
    const view = new SeriesView();
    for (const set of toCollectorSets([createStatCollector(p), flaky, absent])) view.addCollectorSet(set);
    const first = parseExposition((await view.render()).body);
    expect(view.problems.splice(0)).toEqual(['collector host.loadavg failed: boom']);
    const second = parseExposition((await view.render()).body);
    expect(view.problems).toEqual([]);
    expect(calls).toBe(2);
    for (const samples of [first, second]) {
      expect(valueOf(samples, 'node_scrape_collector_success', { collector: 'stat' })).toBe(1);
      expect(valueOf(samples, 'node_scrape_collector_success', { collector: 'loadavg' })).toBe(0);
      expect(valueOf(samples, 'node_scrape_collector_success', { collector: 'hwmon' })).toBe(0);
      expect(valueOf(samples, 'node_scrape_collector_duration_seconds', { collector: 'stat' })).toBeGreaterThan(0);
      expect(valueOf(samples, 'node_forks_total')).toBe(19546);
    }
  });

  it('build every collector by default and refuse a bad pattern', () => {
    expect(createHostCollectors().map((c) => c.name)).toEqual(['cpu', 'stat', 'loadavg', 'meminfo', 'netdev', 'diskstats', 'filesystem', 'hwmon', 'thermal_zone', 'timex', 'chrony', 'process']);
    expect(() => createHostCollectors({ netdevExclude: '(' })).toThrow();
    expect(() => createHostCollectors({ chronyAddress: 'localhost:99999' })).toThrow(/bad port/);
  });
});
