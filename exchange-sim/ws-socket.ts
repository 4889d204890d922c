/**
 * A minimal WebSocket server endpoint over a node:http upgrade (RFC 6455): handshake, text frames both
 * ways, fragmentation, ping → pong, close. No extensions (permessage-deflate offered by clients is
 * declined by not echoing it). Written here because the only WebSocket library in node_modules (`ws`) is
 * a transitive dependency of ccxt, not one of this project's (docs/adr/0012-exchange-simulator.md).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Largest client message accepted, bytes (Binance requests are tiny). */
const MAX_MESSAGE_BYTES = 1 << 20;
/** A client that lets this much unsent data pile up is disconnected (Binance drops slow consumers). */
const MAX_BUFFERED_BYTES = 64 << 20;

const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** One accepted WebSocket connection. */
export class WsConnection {
  /** Called with every complete text (or binary, decoded as UTF-8) message. */
  onMessage: (text: string) => void = () => {};
  /** Called once when the connection ends, whoever closed it. */
  onClose: () => void = () => {};
  private readonly socket: Duplex;
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  constructor(socket: Duplex, head: Buffer) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
    if (head.length > 0) queueMicrotask(() => this.receive(head));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends one text message (dropped if the connection is closed). */
  send(text: string): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_BUFFERED_BYTES) {
      this.close(1008);
      return;
    }
    this.socket.write(frame(OP_TEXT, Buffer.from(text, 'utf8')));
  }

  /** Sends a close frame and ends the connection. */
  close(code = 1000): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.socket.end(frame(OP_CLOSE, payload));
    this.end();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const f = parseFrame(this.buffer);
      if (f === undefined) return;
      if (f === 'too-large') {
        this.close(1009);
        return;
      }
      this.buffer = this.buffer.subarray(f.consumed);
      this.onFrame(f.fin, f.opcode, f.payload);
      if (this.closed) return;
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OP_PING) {
      this.socket.write(frame(OP_PONG, payload));
    } else if (opcode === OP_CLOSE) {
      this.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
    } else if (opcode === OP_TEXT || opcode === OP_BINARY || opcode === OP_CONT) {
      this.fragments.push(payload);
      if (fin) {
        const text = Buffer.concat(this.fragments).toString('utf8');
        this.fragments = [];
        this.onMessage(text);
      }
    }
  }
}

/**
 * Completes the opening handshake of an upgrade request.
 * @returns the connection, or undefined (and the socket destroyed) if the request is not a WebSocket one.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): WsConnection | undefined {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return undefined;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  return new WsConnection(socket, head);
}

/** A server frame (never masked), FIN set. */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (n < 126) header[1] = n;
  else if (n < 65536) {
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

interface Frame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
  readonly consumed: number;
}

/** One complete frame at the start of `buf` (unmasked); undefined if incomplete. */
function parseFrame(buf: Buffer): Frame | 'too-large' | undefined {
  if (buf.length < 2) return undefined;
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  const masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    const big = buf.readBigUInt64BE(2);
    if (big > BigInt(MAX_MESSAGE_BYTES)) return 'too-large';
    len = Number(big);
    off = 10;
  }
  if (len > MAX_MESSAGE_BYTES) return 'too-large';
  const maskOff = off;
  if (masked) off += 4;
  if (buf.length < off + len) return undefined;
  const payload = Buffer.from(buf.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] ?? 0) ^ (buf[maskOff + (i & 3)] ?? 0);
  return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload, consumed: off + len };
}
