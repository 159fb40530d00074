/** A tiny HTTP client for sandbox tests: JSON requests and line-by-line watch streams over node:http. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Sandbox } from '../../../dev/sandbox/sandbox.js';

export interface ApiResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: unknown;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  token?: string | null;
  accept?: string;
}

/** Sends one request as the administrator (or `token`), parses JSON when possible. */
export function call(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const url = new URL(path, sandbox.url);
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  const token = options.token === undefined ? sandbox.adminToken : options.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: tests look at `text`
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchEvent {
  type: string;
  object: unknown;
}

export interface OpenWatch {
  status: number;
  /** Resolves with the next event, or null when the stream ended. */
  next(timeoutMs?: number): Promise<WatchEvent | null>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens a watch and buffers its events. */
export function watch(sandbox: Sandbox, path: string, token?: string): Promise<OpenWatch> {
  const url = new URL(path, sandbox.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        headers: { Authorization: `Bearer ${token ?? sandbox.adminToken}`, Accept: 'application/json' },
        agent: false,
      },
      (res) => {
        const queue: (WatchEvent | null)[] = [];
        const waiters: ((e: WatchEvent | null) => void)[] = [];
        let buffer = '';
        const push = (e: WatchEvent | null): void => {
          const waiter = waiters.shift();
          if (waiter !== undefined) waiter(e);
          else queue.push(e);
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl = buffer.indexOf('\n');
          while (nl >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.trim() !== '') push(JSON.parse(line) as WatchEvent);
            nl = buffer.indexOf('\n');
          }
        });
        const ended = new Promise<void>((done) => {
          res.on('end', () => {
            push(null);
            done();
          });
          res.on('close', () => {
            push(null);
            done();
          });
        });
        resolve({
          status: res.statusCode ?? 0,
          ended,
          next: (timeoutMs = 5000) => {
            if (queue.length > 0) return Promise.resolve(queue.shift() ?? null);
            return new Promise((resolveNext, rejectNext) => {
              const timer = setTimeout(() => {
                const i = waiters.indexOf(onEvent);
                if (i >= 0) waiters.splice(i, 1);
                rejectNext(new Error(`no watch event on ${path} within ${timeoutMs} ms`));
              }, timeoutMs);
              const onEvent = (e: WatchEvent | null): void => {
                clearTimeout(timer);
                resolveNext(e);
              };
              waiters.push(onEvent);
            });
          },
          close: () => {
            req.destroy();
          },
        });
      },
    );
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}

/** A minimal object of a kind, for tests. */
export function configMap(
  name: string,
  data: Record<string, string> = {},
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

/** A valid Ingress with one rule and TLS. */
export function ingress(name: string, host = 'shop.example.com'): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, annotations: { 'kubernetes.io/tls-acme': 'true' } },
    spec: {
      tls: [{ hosts: [host], secretName: `${name}-tls` }],
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

/** The value at a dotted path (`metadata.name`, `items[0].data.a`, `metadata.labels["app.kubernetes.io/name"]`). */
export function at(value: unknown, path: string): unknown {
  const parts = path.match(/[^.[\]"]+|\["[^"]*"\]|\[\d+\]/g) ?? [];
  let current: unknown = value;
  for (const raw of parts) {
    const key = raw.startsWith('["')
      ? raw.slice(2, -2)
      : raw.startsWith('[')
        ? Number(raw.slice(1, -1))
        : raw;
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The array at a path ([] when absent or not an array). */
export function items(value: unknown, path = 'items'): unknown[] {
  const found = at(value, path);
  return Array.isArray(found) ? (found as unknown[]) : [];
}
