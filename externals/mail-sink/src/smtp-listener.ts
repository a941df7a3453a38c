import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger, mailSink } from '@ftlab/shared';
import { parseMessage, type Envelope } from './parse-message';

/** Larger messages are refused (552) before they are parsed. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** On close, connections still open are told 421 and dropped after this long. */
const CLOSE_GRACE_MS = 250;

export type OnMessage = (message: mailSink.SinkMessage) => void;

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/** Parses what DATA brought; the message is handed on only when the client gets 250 for it. */
async function receive(stream: SMTPServerDataStream, session: SMTPServerSession, onMessage: OnMessage): Promise<Error | null> {
  let message: mailSink.SinkMessage;
  try {
    message = await parseMessage(stream, envelopeOf(session), new Date());
  } catch (err) {
    return smtpError(451, `could not read the message: ${(err as Error).message}`);
  }
  if (stream.sizeExceeded) return smtpError(552, `message larger than ${MAX_MESSAGE_BYTES} bytes`);
  onMessage(message);
  return null;
}

/**
 * The SMTP side of the sink: plain SMTP without auth or TLS, as mail catchers offer. It can be
 * closed and opened again: closed, the port is really not listening, so a client's connection is
 * refused (ECONNREFUSED), exactly as when a mail server is down. Each open makes a new server,
 * since a closed smtp-server keeps no state worth reusing.
 */
export class SmtpListener {
  private server: SMTPServer | undefined;

  constructor(private readonly opts: { port: number; host: string; onMessage: OnMessage; logger: Logger }) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const { logger, onMessage } = this.opts;
    const server = new SMTPServer({
      banner: 'ft-lab mail-sink',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: MAX_MESSAGE_BYTES,
      closeTimeout: CLOSE_GRACE_MS,
      logger: false,
      onData: (stream, session, callback) => void receive(stream, session, onMessage).then(callback),
    });
    // A client that misbehaves (resets, garbage) is the client's problem, never a crash of the sink.
    server.on('error', (err) => logger.warn({ err: err.message }, 'smtp connection error'));
    await new Promise<void>((resolve, reject) => {
      const socket = server.listen(this.opts.port, this.opts.host);
      socket.once('listening', resolve);
      socket.once('error', reject);
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function envelopeOf(session: SMTPServerSession): Envelope {
  const from = session.envelope.mailFrom;
  return { from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address) };
}
