import net from 'node:net';

export type ProxyMode = 'forward' | 'stall' | 'refuse';

export interface TcpProxy {
  port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path?: string): string;
  /** forward: pass bytes; stall: keep every connection open and pass nothing (a hung peer); refuse: reset all. */
  set(mode: ProxyMode): void;
  retarget(port: number): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on a free port in front of a service the test does not own (MariaDB, Redis) or one it
 * wants to hang without stopping it. Stalled bytes are held and delivered when it forwards again.
 */
export async function startTcpProxy(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  let target = targetPort;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; flush(): void }>();
  const server = net.createServer((client) => {
    if (mode === 'refuse') return void client.destroy();
    const upstream = net.connect(target, host);
    const held: [net.Socket, Buffer][] = [];
    const relay = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (mode === 'forward') to.write(chunk);
        else held.push([to, chunk]);
      });
    relay(client, upstream);
    relay(upstream, client);
    const pair = {
      client,
      upstream,
      flush() {
        for (const [to, chunk] of held.splice(0)) if (!to.destroyed) to.write(chunk);
      },
    };
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: (path = '/graphql') => `http://${host}:${port}${path}`,
    set(next) {
      mode = next;
      if (next === 'refuse') for (const pair of [...pairs]) (pair.client.destroy(), pair.upstream.destroy());
      if (next === 'forward') for (const pair of pairs) pair.flush();
    },
    retarget(next) {
      target = next;
    },
    async close() {
      for (const pair of [...pairs]) (pair.client.destroy(), pair.upstream.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Milliseconds a piece of work took, with its result: answer times are printed, never asserted. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: Math.round(performance.now() - started), result };
}
