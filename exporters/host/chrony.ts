/**
 * A client of chronyd's command protocol (candm.h, protocol version 6, chrony 2.2 to 4.x), for the
 * one request tickwatch makes: `REQ_TRACKING`, what `chronyc tracking` prints. It speaks UDP to
 * chronyd's command port (`cmdport`, default 323, open to localhost by default: `cmdallow`), as
 * chrony_exporter does by default. chronyd also listens on a Unix datagram socket
 * (/run/chrony/chronyd.sock), which Node.js cannot open (node:dgram has no Unix datagram sockets);
 * the tracking report is a monitoring request, which chronyd answers over UDP.
 *
 * No npm package speaks this protocol (searched: none maintained); the format is small and fixed:
 *
 * - request (104 bytes): version 6, packet type 1, two reserved bytes, command 33 (u16), attempt
 *   (u16), sequence (u32), two u32 pads, then zero padding up to the reply's length, which chronyd
 *   requires since protocol 6 so that a request never gets a larger answer (no amplification);
 * - reply (104 bytes): version, type 2, res1, res2, command, reply 5 (`RPY_TRACKING`), status (0 is
 *   success), three u16 pads, sequence, two u32 pads, then `RPY_Tracking`: ref_id u32, ip_addr (16
 *   bytes of address, family u16, pad u16), stratum u16, leap_status u16, ref_time (sec_high,
 *   sec_low, nsec: u32 each), and nine chrony Floats (current_correction, last_offset, rms_offset,
 *   freq_ppm, resid_freq_ppm, skew_ppm, root_delay, root_dispersion, last_update_interval).
 *
 * Every field is in network byte order. A chrony Float is a 32-bit word with a 7-bit signed
 * exponent and a 25-bit signed coefficient: value = coef × 2^(exp − 25) (util.c, UTI_FloatNetworkToHost).
 * Sources: chrony 4.3's candm.h, pktlength.c, util.c, cmdmon.c (handle_tracking) and client.c.
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** chronyd's default command port. */
export const CHRONY_DEFAULT_PORT = 323;
/** The default address of chronyd's command port, as `host:port`. */
export const CHRONY_DEFAULT_ADDRESS = `127.0.0.1:${CHRONY_DEFAULT_PORT}`;

const PROTO_VERSION = 6;
const PKT_TYPE_CMD_REQUEST = 1;
const PKT_TYPE_CMD_REPLY = 2;
const REQ_TRACKING = 33;
const RPY_TRACKING = 5;
/** Length of the tracking reply, and so of the padded request (offsetof(CMD_Reply, data.tracking.EOR)). */
export const TRACKING_LENGTH = 104;
const IPADDR_INET4 = 1;
const IPADDR_INET6 = 2;
const TV_NOHIGHSEC = 0x7fffffff;

/** chronyd's reply status codes (candm.h `STT_*`), for error messages. */
const STATUS: Readonly<Record<number, string>> = {
  1: 'STT_FAILED',
  2: 'STT_UNAUTH',
  3: 'STT_INVALID',
  6: 'STT_NOTENABLED',
  9: 'STT_ACCESSDENIED',
  18: 'STT_BADPKTVERSION',
  19: 'STT_BADPKTLENGTH',
};

/** chronyd's leap status values (`LEAP_*`). */
export const LEAP_STATUS = { normal: 0, insertSecond: 1, deleteSecond: 2, unsynchronised: 3 } as const;

/** chronyd's local reference address (`local` directive): 127.127.1.1. */
export const LOCAL_REFERENCE_ADDRESS = '127.127.1.1';

/** The tracking report, in seconds and ppm. */
export interface ChronyTracking {
  /** Reference ID (the source's IPv4 address, a hash of its IPv6 one, or a refclock's 4 letters). */
  readonly refId: number;
  /** The source's address; null for a reference clock or no reference. */
  readonly address: string | null;
  readonly stratum: number;
  /** 0 normal, 1 insert second, 2 delete second, 3 not synchronised ({@link LEAP_STATUS}). */
  readonly leapStatus: number;
  /** Time of the last measurement, Unix seconds (0 before any). */
  readonly refTime: number;
  /** `System time`: the correction chronyd still has to apply to the system clock, seconds (positive: the clock is slow). */
  readonly currentCorrection: number;
  /** `Last offset`, seconds. */
  readonly lastOffset: number;
  /** `RMS offset`, seconds. */
  readonly rmsOffset: number;
  /** `Frequency`, ppm. */
  readonly freqPpm: number;
  /** `Residual freq`, ppm. */
  readonly residFreqPpm: number;
  /** `Skew`, ppm. */
  readonly skewPpm: number;
  /** `Root delay`, seconds. */
  readonly rootDelay: number;
  /** `Root dispersion`, seconds. */
  readonly rootDispersion: number;
  /** `Update interval`, seconds. */
  readonly lastUpdateInterval: number;
}

/** Decodes a chrony Float (see the module comment). */
export function chronyFloat(word: number): number {
  const x = word >>> 0;
  let exp = x >>> 25;
  if (exp >= 64) exp -= 128;
  exp -= 25;
  let coef = x & 0x1ffffff;
  if (coef >= 0x1000000) coef -= 0x2000000;
  return coef * 2 ** exp;
}

/** The reference ID in hex, 8 upper-case digits (as chronyc and chrony_exporter print it). */
export function refIdHex(refId: number): string {
  return (refId >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The reference ID as text, as chronyc prints it for a reference clock (`PPS`, `SHM0`, `LOCL`): its printable bytes. */
export function refIdText(refId: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = (refId >>> (24 - 8 * i)) & 0xff;
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
  }
  return s;
}

/**
 * The name of the reference as chronyc prints it without DNS: the source's address, or the
 * reference ID as text for a reference clock (and for none, which reads as an empty name).
 */
export function referenceName(t: ChronyTracking): string {
  return t.address ?? refIdText(t.refId);
}

/** The tracking request with sequence number `sequence`. */
export function trackingRequest(sequence: number): Buffer {
  const b = Buffer.alloc(TRACKING_LENGTH);
  b.writeUInt8(PROTO_VERSION, 0);
  b.writeUInt8(PKT_TYPE_CMD_REQUEST, 1);
  b.writeUInt16BE(REQ_TRACKING, 4);
  b.writeUInt16BE(0, 6);
  b.writeUInt32BE(sequence >>> 0, 8);
  return b;
}

function address(b: Buffer, at: number): string | null {
  const family = b.readUInt16BE(at + 16);
  if (family === IPADDR_INET4) return [b[at], b[at + 1], b[at + 2], b[at + 3]].join('.');
  if (family === IPADDR_INET6) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(at + i).toString(16));
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1); // the WHATWG parser writes the short form
  }
  return null;
}

/**
 * Decodes a tracking reply.
 * @param sequence - the request's sequence number, which the reply must echo
 * @throws Error when the packet is not a tracking reply to that request, or chronyd refused it
 */
export function parseTrackingReply(b: Buffer, sequence: number): ChronyTracking {
  if (b.length < 28) throw new Error(`chronyd reply of ${b.length} bytes: too short`);
  if (b[1] !== PKT_TYPE_CMD_REPLY) throw new Error(`not a chronyd command reply (packet type ${b[1]})`);
  if (b[0] !== PROTO_VERSION) throw new Error(`chronyd speaks command protocol ${b[0]}, not ${PROTO_VERSION}`);
  if (b.readUInt32BE(16) !== sequence >>> 0) throw new Error('chronyd reply to another request (sequence)');
  const status = b.readUInt16BE(8);
  if (status !== 0) throw new Error(`chronyd refused the tracking request: ${STATUS[status] ?? `status ${status}`}${status === 2 || status === 9 ? ' (cmdallow)' : ''}`);
  if (b.readUInt16BE(4) !== REQ_TRACKING || b.readUInt16BE(6) !== RPY_TRACKING) throw new Error(`chronyd answered command ${b.readUInt16BE(4)} with reply ${b.readUInt16BE(6)}, not a tracking report`);
  if (b.length < TRACKING_LENGTH) throw new Error(`chronyd tracking reply of ${b.length} bytes, expected ${TRACKING_LENGTH}`);
  const f = (at: number) => chronyFloat(b.readUInt32BE(at));
  const high = b.readUInt32BE(56);
  const seconds = (high === TV_NOHIGHSEC ? 0 : high) * 2 ** 32 + b.readUInt32BE(60);
  return {
    refId: b.readUInt32BE(28),
    address: address(b, 32),
    stratum: b.readUInt16BE(52),
    leapStatus: b.readUInt16BE(54),
    refTime: seconds + Math.min(b.readUInt32BE(64), 999_999_999) / 1e9,
    currentCorrection: f(68),
    lastOffset: f(72),
    rmsOffset: f(76),
    freqPpm: f(80),
    residFreqPpm: f(84),
    skewPpm: f(88),
    rootDelay: f(92),
    rootDispersion: f(96),
    lastUpdateInterval: f(100),
  };
}

/** `host:port` (`[v6]:port`; a bare host takes port 323). */
export function parseChronyAddress(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`chrony address '${s}': write host:port (127.0.0.1:323, [::1]:323)`);
  const port = m[2] === undefined ? CHRONY_DEFAULT_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`chrony address '${s}': bad port`);
  return { host: m[1]!, port };
}

let sequence = Math.floor(Math.random() * 2 ** 32);

/**
 * Asks chronyd for its tracking report: one datagram each way, over a socket made for the request.
 * @param addr - chronyd's command port, `host:port`
 * @param timeoutMs - how long to wait for the answer
 * @throws Error when chronyd does not answer in time (not running: the port is closed, or it
 *   drops requests from this address), or answers with an error
 */
export function queryTracking(addr: string, timeoutMs: number): Promise<ChronyTracking> {
  const { host, port } = parseChronyAddress(addr);
  const seq = (sequence = (sequence + 1) >>> 0);
  return new Promise<ChronyTracking>((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: Error | null, t?: ChronyTracking) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(t!);
    };
    const timer = setTimeout(() => finish(new Error(`chronyd at ${addr} did not answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new Error(err.code === 'ECONNREFUSED' ? `chronyd is not listening at ${addr} (connection refused)` : `chronyd at ${addr}: ${err.message}`)));
    socket.on('message', (msg) => {
      try {
        finish(null, parseTrackingReply(msg, seq));
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.connect(port, host, () => socket.send(trackingRequest(seq)));
  });
}
