/**
 * The slice a TLS socket is given at a time. Node's TLS socket encrypts all of one write into
 * OpenSSL's output buffer at once, outside V8's counts: a 3 MB Produce request cost ~3.4 MiB of
 * resident memory on top of the request itself, and a 128 MB function has no room for it. In
 * slices of 256 KiB the same write cost 0.6 MiB (64 KiB slices measured worse: 5.9 MiB).
 */
export const TLS_WRITE_SLICE_BYTES = 256 * 1024;

/** What this module needs of a socket: Node's `Writable#write` with a callback. */
export interface WritableSocket {
  write(
    chunk: Buffer | string,
    encoding?: BufferEncoding,
    callback?: (error?: Error | null) => void,
  ): boolean;
}

type WriteCallback = (error?: Error | null) => void;

interface QueuedWrite {
  chunk: Buffer | string;
  encoding: BufferEncoding | undefined;
  callback: WriteCallback | undefined;
  /** Bytes of `chunk` already handed to the socket. */
  written: number;
}

/**
 * Makes `socket.write` hand a chunk larger than `sliceBytes` to the socket one slice at a time,
 * each slice only once the socket has taken the one before (its write callback). Every write made
 * meanwhile waits behind it, so the bytes reach the socket in the order they were written: Kafka
 * reads requests from the stream back to back, and a request written into the middle of another
 * would corrupt both. A failed slice (the socket was destroyed) fails the chunk and everything
 * behind it with that error; the socket's own `error`/`close` events tell its owner.
 */
export function writeInSlices(socket: WritableSocket, sliceBytes: number): void {
  const writeWhole = socket.write.bind(socket);
  const queue: QueuedWrite[] = [];

  const pump = (): void => {
    const head = queue[0];
    if (head === undefined) return;
    if (typeof head.chunk === 'string' || head.chunk.length - head.written <= sliceBytes) {
      const rest = typeof head.chunk === 'string' ? head.chunk : head.chunk.subarray(head.written);
      writeWhole(rest, head.encoding, (error) => finishHead(error));
      return;
    }
    const slice = head.chunk.subarray(head.written, head.written + sliceBytes);
    head.written += slice.length;
    writeWhole(slice, head.encoding, (error) => (error ? finishHead(error) : pump()));
  };

  const finishHead = (error: Error | null | undefined): void => {
    const head = queue.shift();
    if (error) {
      const behind = queue.splice(0);
      head?.callback?.(error);
      for (const write of behind) write.callback?.(error);
      return;
    }
    head?.callback?.(null);
    pump();
  };

  socket.write = (
    chunk: Buffer | string,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    const chunkEncoding = typeof encoding === 'function' ? undefined : encoding;
    const large = typeof chunk !== 'string' && chunk.length > sliceBytes;
    if (queue.length === 0 && !large) return writeWhole(chunk, chunkEncoding, done);
    // After a failed slice the socket is destroyed: a later chunk's first slice fails there too.
    queue.push({ chunk, encoding: chunkEncoding, callback: done, written: 0 });
    if (queue.length === 1) pump();
    // True as the socket would say while its buffer has room: kafkajs (the only writer) never
    // waits for 'drain', and a writer that did would wait for a drain this queue does not emit.
    return true;
  };
}
