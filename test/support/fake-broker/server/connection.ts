import type { Socket } from 'node:net';
import type { Dispatched } from './dispatch.ts';

/** Kafka's socket.request.max.bytes default: a larger size prefix is garbage, not a request. */
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

/**
 * One client socket: splits the byte stream into size-prefixed request frames and answers them
 * one at a time, in order. Why one at a time: a Kafka broker mutes a connection from reading a
 * request until its response is sent, so a slow (held) request delays every later one on the
 * same socket, and a client cannot tell the fake from a broker by pipelining.
 */
export class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private busy = false;
  /** A `noAnswer` action: the peer looks alive but never answers again. */
  private dead = false;

  constructor(
    readonly socket: Socket,
    private readonly dispatch: (frame: Buffer) => Promise<Dispatched>,
    private readonly onError: (error: unknown) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    // A client closing its socket mid-request is normal; nothing to report.
    socket.on('error', () => socket.destroy());
  }

  close(): void {
    this.socket.destroy();
  }

  /** Requests received whole and not handled yet: queued behind the one being answered. */
  get waitingRequests(): number {
    return this.frames.length;
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_REQUEST_BYTES) {
        this.close();
        return;
      }
      if (this.pending.length < 4 + size) break;
      this.frames.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let frame = this.frames.shift(); frame; frame = this.frames.shift()) {
        if (this.dead || this.socket.destroyed) return;
        const { correlationId, result } = await this.dispatch(frame);
        if (this.socket.destroyed) return;
        if (result.kind === 'close') return this.close();
        if (result.kind === 'dead') {
          this.dead = true;
          return;
        }
        if (result.kind === 'respond') this.write(correlationId, result.body);
      }
    } catch (error) {
      this.onError(error);
      this.close();
    } finally {
      this.busy = false;
    }
  }

  private write(correlationId: number, body: Buffer): void {
    const head = Buffer.allocUnsafe(8);
    head.writeInt32BE(4 + body.length, 0);
    head.writeInt32BE(correlationId, 4);
    this.socket.write(Buffer.concat([head, body]));
  }
}
