import * as net from 'node:net';
import { ClientConnection } from './client-connection';
import type { ProxyContext } from './context';
import { adoptWithSharedReads } from './shared-reads';

/**
 * The public listener. It only accepts sockets and hands each to a ClientConnection with its
 * metadata; TLS or PROXY protocol would wrap the socket here and pass the same pair on.
 */
export class ProxyServer {
  private readonly server: net.Server;
  private readonly connections = new Set<ClientConnection>();
  private readonly onConnClosed = (c: ClientConnection): void => {
    this.connections.delete(c);
    this.ctx.stats.clientConnections = this.connections.size;
  };

  constructor(private readonly ctx: ProxyContext) {
    // allowHalfOpen: a client may half-close after its request and still read the response.
    // pauseOnConnect: nothing is read before accept() has moved the socket to shared reads.
    this.server = net.createServer(
      { allowHalfOpen: true, noDelay: true, pauseOnConnect: true },
      (socket) => this.accept(socket),
    );
  }

  private accept(accepted: net.Socket): void {
    // Our own limit: the server stops counting a connection once its handle is adopted.
    if (this.connections.size >= this.ctx.config.limits.maxClientConnections) {
      accepted.destroy();
      return;
    }
    let conn: ClientConnection | null = null;
    const adopted = adoptWithSharedReads(accepted, (nread, buf) =>
      conn!.receiveBorrowed(nread, buf),
    );
    const socket = adopted ?? accepted;
    conn = new ClientConnection(
      socket,
      {
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
        secure: false,
      },
      this.ctx,
      this.onConnClosed,
      adopted !== null,
    );
    if (adopted === null) accepted.resume();
    this.connections.add(conn);
    this.ctx.stats.clientConnections = this.connections.size;
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port, backlog: 4096 }, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** Stops accepting new connections; existing ones carry on. */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      // close() stops listening at once; its callback would wait for every connection to end.
      if (this.server.listening) this.server.close();
      resolve();
    });
  }

  /** Closes idle connections now and the busy ones after their current response. */
  drainConnections(): void {
    for (const c of this.connections) c.drain();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  destroyAll(): void {
    for (const c of this.connections) c.destroy();
  }
}
