import net from 'node:net';

/**
 * A TCP listener standing in for a host an attacker controls (or an internal service): it records
 * every byte it receives and answers any request with an empty JSON object. Tests assert it
 * received nothing: no connection, so no credentials and no personal data.
 */
export interface RecordingListener {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  connections: number;
  /** Everything received, across connections. */
  received(): string;
  close(): Promise<void>;
}

export async function startRecordingListener(host = '127.0.0.1'): Promise<RecordingListener> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (chunk.includes('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    get connections() {
      return state.connections;
    },
    received: () => Buffer.concat(chunks).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
