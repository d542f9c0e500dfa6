import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from './metrics';

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The Prometheus endpoint, on a port of its own (METRICS_PORT, on 127.0.0.1 unless METRICS_HOST
 * says otherwise), never on the public one. It never keeps the process alive on its own.
 */
export function startMetricsServer(host: string, port: number): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.unref();
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        port: bound,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
