import { createServer, type Server } from 'node:net';
import { Connection } from './connection.ts';
import type { Dispatched } from './dispatch.ts';

/** One fake node's TCP listener on 127.0.0.1 and an OS-assigned port, so parallel tests never collide. */
export class NodeServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private boundPort: number | undefined;

  constructor(
    readonly nodeId: number,
    readonly host: string,
    dispatch: (frame: Buffer) => Promise<Dispatched>,
    onError: (error: unknown) => void,
  ) {
    this.server = createServer((socket) => {
      const connection = new Connection(socket, dispatch, onError);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
  }

  /** The port, known once `listen` resolved. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error(`node ${this.nodeId} is not listening`);
    return this.boundPort;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Requests received and queued behind the one each connection is answering. */
  get waitingRequests(): number {
    let waiting = 0;
    for (const connection of this.connections) waiting += connection.waitingRequests;
    return waiting;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('a TCP server without a port'));
          return;
        }
        this.boundPort = address.port;
        resolve();
      });
    });
  }

  /** Destroys every client socket (clients see the connection closed; the node keeps listening). */
  closeConnections(): void {
    for (const connection of this.connections) connection.close();
  }

  /** Stops listening and destroys every client socket. */
  close(): Promise<void> {
    this.closeConnections();
    return new Promise((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }
}
