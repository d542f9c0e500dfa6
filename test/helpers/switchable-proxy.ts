import net from 'node:net';

export type ProxyMode = 'up' | 'stalled' | 'down';

/**
 * A TCP proxy in front of a dependency, on a free port, that the test switches: `up` forwards,
 * `stalled` keeps connections open and forwards nothing (a hung peer), `down` drops every
 * connection and refuses new ones. The dependency itself is never touched.
 */
export async function switchableProxy(targetPort: number, targetHost = '127.0.0.1') {
  let mode: ProxyMode = 'up';
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    if (mode === 'down') return client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'stalled') pair.forEach((socket) => socket.pause());
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    set(next: ProxyMode) {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'down') pair.forEach((socket) => socket.destroy());
        else if (next === 'stalled') pair.forEach((socket) => socket.pause());
        else pair.forEach((socket) => socket.resume());
      }
    },
    close: () => {
      for (const pair of pairs) pair.forEach((socket) => socket.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
