import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

/** A graphql-transport-ws client over `ws` that keeps every frame, for tests and the benchmark. */
export class LiveClient {
  readonly frames = new Map<string, { type: string; payload: any }[]>();
  readonly closed: Promise<Closed>;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  acked = false;
  closedWith: Closed | null = null;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
        this.notify();
      }),
    );
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'connection_ack') this.acked = true;
      else if (frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (frame.id) {
        const list = this.frames.get(frame.id) ?? [];
        list.push({ type: frame.type, payload: frame.payload });
        this.frames.set(frame.id, list);
      }
      this.notify();
    });
  }

  /** Connects and sends connection_init; resolves once acknowledged or closed (see `closedWith`). */
  static async connect(graphqlUrl: string, token: string | null, headers: Record<string, string> = {}): Promise<LiveClient> {
    const socket = new WebSocket(graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: token === null ? {} : { authorization: `Bearer ${token}` } }));
    await client.until(() => client.acked || client.closedWith !== null);
    return client;
  }

  subscribe(query: string, variables: Record<string, unknown> = {}): string {
    const id = String(this.nextId++);
    this.frames.set(id, []);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    return id;
  }

  /** `next` payloads of a subscription so far. */
  results(id: string): any[] {
    return (this.frames.get(id) ?? []).filter((f) => f.type === 'next').map((f) => f.payload);
  }

  /** Waits (no clock: the test's own timeout bounds it) until a condition holds. */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async nextResults(id: string, count: number): Promise<any[]> {
    await this.until(() => this.results(id).length >= count || this.closedWith !== null || (this.frames.get(id) ?? []).some((f) => f.type !== 'next'));
    return this.results(id);
  }

  close(): void {
    this.socket.close(1000);
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}
