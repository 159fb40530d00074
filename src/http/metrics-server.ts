import { createServer } from 'node:http';
import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import { listenHttp, type RunningHttpServer } from './http-listener.js';

/** What the server serves on `/metrics`. */
export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

/** A listening metrics server. */
export type RunningMetricsServer = RunningHttpServer;

/** `LEGO_METRICS_PORT` cannot be bound; start-up stops. */
export class MetricsServerListenError extends KubeLegoError {
  override readonly name = 'MetricsServerListenError';
  readonly code = 'metricsListenFailed';

  /** A start-up failure: the configuration must change. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** Serves `GET /metrics` (Prometheus text format) on `port` of every interface; anything else is a 404. */
export function startMetricsServer(options: {
  readonly port: number;
  readonly source: MetricsSource;
  readonly onError?: (err: unknown) => void;
}): Promise<RunningMetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    options.source.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': options.source.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        options.onError?.(err);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('cannot collect metrics\n');
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  return listenHttp(server, {
    port: options.port,
    listenError: (err) => {
      const why = 'code' in err && err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message;
      return new MetricsServerListenError(
        `Cannot serve metrics on :${options.port} (LEGO_METRICS_PORT=${options.port}): ${why}; set LEGO_METRICS_PORT to a free port, or 0 to turn metrics off`,
        { cause: err },
      );
    },
  });
}
