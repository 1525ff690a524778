/**
 * Local stand-ins for the notification services: Slack, PagerDuty, a dead man's switch, Telegram's
 * Bot API and Amazon SNS (HTTP), and e-mail (a real SMTP server, smtp-server). Alertmanager talks to
 * them exactly as it would to the real ones (its own Slack, PagerDuty, webhook, Telegram, SNS and
 * e-mail integrations), and every arrival is recorded as an {@link Arrival} and optionally printed.
 * Each checks its secret the way the real service does: the Slack webhook path, the PagerDuty
 * routing key, the bearer token, the SMTP login, the bot token in Telegram's URL (and the chat id),
 * and SNS's AWS Signature V4 (recomputed with the `aws4` library from the shared secret key).
 * Loopback only.
 */
import aws4 from 'aws4';
import Fastify, { type FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** The receivers a notification can arrive at. */
export type Channel = 'slack' | 'pager' | 'email' | 'telegram' | 'sms' | 'deadman';

/** One notification as it arrived. */
export interface Arrival {
  readonly channel: Channel;
  readonly status: 'firing' | 'resolved';
  readonly alertname: string;
  /** The group's instance label ('all' when the group has none, e.g. Watchdog). */
  readonly instance: string;
  /** Arrival time, ms since the epoch. */
  readonly at: number;
  /**
   * Whether the secret arrived as configured (webhook URL, routing key, bearer token, SMTP password,
   * Telegram bot token and chat id, SNS signature by the configured key for the configured phone).
   */
  readonly authorized: boolean;
  /** The message text (Slack text, e-mail HTML, PagerDuty details), for checks on content. */
  readonly text: string;
}

/** What the stand-ins expect to receive: the secrets written to the files Alertmanager reads, and the addressees. */
export interface StandInSecrets {
  readonly slackPath: string;
  readonly pagerKey: string;
  readonly deadmanToken: string;
  readonly smtpUser: string;
  readonly smtpPassword: string;
  /** Telegram bot token (in the request path `/bot<token>/sendMessage`) and the chat it must name. */
  readonly telegramToken: string;
  readonly telegramChatId: number;
  /** AWS key pair that signs SNS requests (SigV4, service `sns`), the region, and the phone SMS must go to. */
  readonly awsAccessKeyId: string;
  readonly awsSecretAccessKey: string;
  readonly awsRegion: string;
  readonly smsPhone: string;
}

/** Tags Telegram's Bot API accepts with parse_mode HTML (core.telegram.org/bots/api#html-style); any other makes it answer 400. */
const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'tg-emoji', 'a', 'code', 'pre', 'blockquote']);

/**
 * Whether an SNS request carries a valid AWS Signature V4 of `secret`'s key: the signature is
 * recomputed over the headers the request says it signed, with aws4, and compared.
 */
export function snsSignatureValid(req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }, s: Pick<StandInSecrets, 'awsAccessKeyId' | 'awsSecretAccessKey' | 'awsRegion'>): boolean {
  const auth = String(req.headers.authorization ?? '');
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/sns\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(auth);
  if (!m || m[1] !== s.awsAccessKeyId || m[2] !== s.awsRegion) return false;
  const headers: Record<string, string> = {};
  for (const h of m[3]!.split(';')) headers[h] = String(req.headers[h] ?? '');
  const signed = aws4.sign({ method: req.method, path: req.url, host: headers.host, service: 'sns', region: s.awsRegion, headers, body: req.body }, { accessKeyId: s.awsAccessKeyId, secretAccessKey: s.awsSecretAccessKey });
  return String(signed.headers?.Authorization ?? signed.headers?.authorization) === auth;
}

/** Options of {@link startReceivers}. */
export interface ReceiverOptions {
  /** Answer HTTP 500 to the first N requests of a channel (to prove Alertmanager retries). */
  readonly failFirst?: Partial<Record<Exclude<Channel, 'email'>, number>>;
  /** Secrets the stand-ins expect (the same values written to the files Alertmanager reads). */
  readonly secrets: StandInSecrets;
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
  // SNS speaks AWS's query protocol: a form body, kept raw for the signature check.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  /** The title line ([FIRING] Alert on instance) of a message, tags stripped. */
  const titleOf = (text: string) => TITLE.exec(text.split('\n')[0]!.replace(/<[^>]*>/g, '').trim());
  app.post('/telegram/*', async (req, reply) => {
    if (shouldFail('telegram')) return reply.code(500).send({ ok: false, error_code: 500, description: 'stand-in failure' });
    const m = /^\/telegram\/bot([^/]+)\/sendMessage$/.exec(req.url);
    if (!m) return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' });
    const body = req.body as { chat_id?: string | number; text?: string };
    const text = body.text ?? '';
    const bad = [...text.matchAll(/<\/?([a-zA-Z-]+)/g)].map((x) => x[1]!.toLowerCase()).find((t) => !TELEGRAM_TAGS.has(t));
    if (bad) return reply.code(400).send({ ok: false, error_code: 400, description: `Bad Request: can't parse entities: Unsupported start tag "${bad}"` });
    const t = titleOf(text);
    if (!t) return reply.code(400).send({ ok: false, error_code: 400, description: `unexpected first line: ${text.split('\n')[0]}` });
    const chatId = Number(body.chat_id);
    record({ channel: 'telegram', status: t[1] === 'FIRING' ? 'firing' : 'resolved', alertname: t[2]!, instance: t[3]!, at: Date.now(), authorized: m[1] === o.secrets.telegramToken && chatId === o.secrets.telegramChatId, text });
    return reply.send({ ok: true, result: { message_id: arrivals.length, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'group', title: 'stand-in' }, text } });
  });
  app.post('/sns/*', async (req, reply) => {
    const requestId = `stand-in-${arrivals.length}`;
    if (shouldFail('sms')) return reply.code(500).type('text/xml').send(`<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>stand-in failure</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    const raw = typeof req.body === 'string' ? req.body : '';
    const form = new URLSearchParams(raw);
    const text = form.get('Message') ?? '';
    const t = titleOf(text);
    if (form.get('Action') !== 'Publish' || !t) return reply.code(400).type('text/xml').send(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>unexpected request</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    const signed = snsSignatureValid({ method: req.method, url: req.url, headers: req.headers, body: raw }, o.secrets);
    record({ channel: 'sms', status: t[1] === 'FIRING' ? 'firing' : 'resolved', alertname: t[2]!, instance: t[3]!, at: Date.now(), authorized: signed && form.get('PhoneNumber') === o.secrets.smsPhone, text });
    return reply.type('text/xml').send(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${requestId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`);
  });
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
      smtp.off('error', reject);
      // After listening, smtp-server re-emits a client connection's errors (ECONNRESET when
      // Alertmanager is stopped mid-session): not the stand-in's failure, and unhandled it would
      // crash the process.
      smtp.on('error', () => {});
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
