/**
 * Local stand-ins for the notification services: Slack, PagerDuty, a dead man's switch (HTTP) and
 * e-mail (a real SMTP server, smtp-server). Alertmanager talks to them exactly as it would to the
 * real ones (its own Slack, PagerDuty, webhook and e-mail integrations), and every arrival is
 * recorded as an {@link Arrival} and optionally printed. Loopback only.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** The receivers a notification can arrive at. */
export type Channel = 'slack' | 'pager' | 'email' | 'deadman';

/** One notification as it arrived. */
export interface Arrival {
  readonly channel: Channel;
  readonly status: 'firing' | 'resolved';
  readonly alertname: string;
  /** The group's instance label ('all' when the group has none, e.g. Watchdog). */
  readonly instance: string;
  /** Arrival time, ms since the epoch. */
  readonly at: number;
  /** Whether the secret arrived as configured (webhook URL, routing key, bearer token, SMTP password). */
  readonly authorized: boolean;
  /** The message text (Slack text, e-mail HTML, PagerDuty details), for checks on content. */
  readonly text: string;
}

/** Options of {@link startReceivers}. */
export interface ReceiverOptions {
  /** Answer HTTP 500 to the first N requests of a channel (to prove Alertmanager retries). */
  readonly failFirst?: Partial<Record<Exclude<Channel, 'email'>, number>>;
  /** Secrets the stand-ins expect (the same values written to the files Alertmanager reads). */
  readonly secrets: { readonly slackPath: string; readonly pagerKey: string; readonly deadmanToken: string; readonly smtpUser: string; readonly smtpPassword: string };
  /** Called on every arrival (the stack prints them). */
  readonly onArrival?: (a: Arrival) => void;
}

/** Running stand-ins. */
export interface Receivers {
  readonly httpPort: number;
  readonly smtpPort: number;
  /** Every arrival so far, in order. */
  readonly arrivals: Arrival[];
  /** Requests answered 500 so far, per channel. */
  readonly failed: Record<string, number>;
  /** Notifications posted to `/history` (where the alert history goes when no recorder takes it), as sent. */
  readonly history: unknown[];
  close(): Promise<void>;
}

const TITLE = /^\[(FIRING|RESOLVED)\] (\S+) on (\S+)$/;

/**
 * Starts the HTTP and SMTP stand-ins on 127.0.0.1 (ports chosen by the OS unless given).
 * @throws Error when a port cannot be bound
 */
export async function startReceivers(o: ReceiverOptions, ports: { http?: number; smtp?: number } = {}): Promise<Receivers> {
  const arrivals: Arrival[] = [];
  const failed: Record<string, number> = {};
  const seen: Record<string, number> = {};
  const pagerKeys = new Map<string, { alertname: string; instance: string }>();
  const record = (a: Arrival): void => {
    arrivals.push(a);
    o.onArrival?.(a);
  };
  const shouldFail = (c: Exclude<Channel, 'email'>): boolean => {
    seen[c] = (seen[c] ?? 0) + 1;
    if (seen[c]! <= (o.failFirst?.[c] ?? 0)) {
      failed[c] = (failed[c] ?? 0) + 1;
      return true;
    }
    return false;
  };

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.post('/slack/*', async (req, reply) => {
    if (shouldFail('slack')) return reply.code(500).send('stand-in failure');
    const body = req.body as { attachments?: { title?: string; text?: string }[] };
    const att = body.attachments?.[0];
    const m = TITLE.exec(att?.title ?? '');
    if (!m) return reply.code(400).send(`unexpected title: ${att?.title}`);
    record({ channel: 'slack', status: m[1] === 'FIRING' ? 'firing' : 'resolved', alertname: m[2]!, instance: m[3]!, at: Date.now(), authorized: req.url === o.secrets.slackPath, text: att?.text ?? '' });
    return reply.send('ok');
  });
  app.post('/pagerduty', async (req, reply) => {
    if (shouldFail('pager')) return reply.code(500).send('stand-in failure');
    const body = req.body as { routing_key?: string; event_action?: string; dedup_key?: string; payload?: { summary?: string; custom_details?: Record<string, string> } };
    const d = body.payload?.custom_details;
    let who = d?.alertname ? { alertname: d.alertname, instance: d.instance || 'all' } : pagerKeys.get(body.dedup_key ?? '');
    if (!who) {
      const m = /^\[(?:FIRING|RESOLVED)\] (\S+) on (\S+):/.exec(body.payload?.summary ?? '');
      who = m ? { alertname: m[1]!, instance: m[2]! } : { alertname: '?', instance: '?' };
    }
    if (body.dedup_key) pagerKeys.set(body.dedup_key, who);
    record({ channel: 'pager', status: body.event_action === 'resolve' ? 'resolved' : 'firing', ...who, at: Date.now(), authorized: body.routing_key === o.secrets.pagerKey, text: JSON.stringify(body.payload ?? {}) });
    return reply.code(202).send({ status: 'success', dedup_key: body.dedup_key });
  });
  app.post('/deadman', async (req, reply) => {
    if (shouldFail('deadman')) return reply.code(500).send('stand-in failure');
    const body = req.body as { status?: string; commonLabels?: Record<string, string>; groupLabels?: Record<string, string> };
    record({
      channel: 'deadman',
      status: body.status === 'resolved' ? 'resolved' : 'firing',
      alertname: body.commonLabels?.alertname ?? '?',
      instance: body.commonLabels?.instance ?? 'all',
      at: Date.now(),
      authorized: req.headers.authorization === `Bearer ${o.secrets.deadmanToken}`,
      text: JSON.stringify(body.commonLabels ?? {}),
    });
    return reply.send('ok');
  });
  const history: unknown[] = [];
  app.post('/history', async (req, reply) => {
    history.push(req.body);
    return reply.send('ok');
  });
  await app.listen({ host: '127.0.0.1', port: ports.http ?? 0 });
  const addr = app.server.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : 0;

  const smtp = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === o.secrets.smtpUser && auth.password === o.secrets.smtpPassword) cb(null, { user: auth.username });
      else cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          const m = TITLE.exec((mail.subject ?? '').trim());
          record({
            channel: 'email',
            status: m?.[1] === 'FIRING' ? 'firing' : 'resolved',
            alertname: m?.[2] ?? '?',
            instance: m?.[3] ?? '?',
            at: Date.now(),
            authorized: session.user === o.secrets.smtpUser,
            text: typeof mail.html === 'string' ? mail.html : (mail.text ?? ''),
          });
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  const smtpPort = await new Promise<number>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(ports.smtp ?? 0, '127.0.0.1', () => {
      const a = smtp.server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  return {
    httpPort,
    smtpPort,
    arrivals,
    failed,
    history,
    async close() {
      await app.close();
      await new Promise<void>((r) => smtp.close(() => r()));
    },
  };
}
