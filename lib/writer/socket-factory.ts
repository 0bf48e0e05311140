import net from 'node:net';
import tls from 'node:tls';
import { TLS_WRITE_SLICE_BYTES, writeInSlices } from './sliced-writes.ts';

/** kafkajs' default, kept: a dead peer is noticed by the kernel's keep-alive probes. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/** What kafkajs' Cluster asks its socket factory for (kafkajs `ISocketFactory`). */
export interface SocketRequest {
  host: string;
  port: number;
  /** TLS options, `true` for the defaults, or nothing for a plain TCP connection. */
  ssl?: tls.ConnectionOptions | boolean | null;
  onConnect: () => void;
}

/**
 * kafkajs' socket factory (network/socketFactory.js in 2.2.4: the same connect options, SNI for a
 * host name, keep-alive), except that a TLS socket takes a large request in slices
 * (sliced-writes.ts), so OpenSSL never holds a whole Produce request encrypted at once.
 */
export function kafkaSocketFactory(): (request: SocketRequest) => net.Socket {
  return ({ host, port, ssl, onConnect }) => {
    let socket: net.Socket;
    if (ssl) {
      socket = tls.connect(
        { host, port, ...(net.isIP(host) ? {} : { servername: host }), ...(ssl === true ? {} : ssl) },
        onConnect,
      );
      writeInSlices(socket, TLS_WRITE_SLICE_BYTES);
    } else {
      socket = net.connect({ host, port }, onConnect);
    }
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    // Nagle's algorithm off, as the Java client and Go's net package do: a request's last,
    // partial segment otherwise waits for the acknowledgement of the segments before it.
    socket.setNoDelay(true);
    return socket;
  };
}
