import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDevEnvironment, type DevEnvironment } from '../devenv/dev-environment.js';
import { ANNOTATIONS } from '../../src/domain/secret-annotations.js';
import type { LogSink } from '../../src/log/logger.js';
import { keyMatchesCertificate } from '../../src/x509/inspect-certificate.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { KubeLegoError, type Reaction } from '../../src/domain/kube-lego-error.js';

/** The example, modelled on the seed: an app behind an Ingress named `myingress` with one TLS entry. */
const DEMO_NAMESPACE = 'default';
const DEMO_SERVICE = 'myapp';
const DEMO_INGRESS = 'myingress';
const DEMO_SECRET = 'myingress-tls';
const DEMO_HOSTS = ['myapp.example.test', 'www.myapp.example.test'] as const;
const certificateTimeoutMs = 45_000;
const progressEveryMs = 3_000;

/** The kube-lego log lines a user of the original expects to see, in the order they come: one per domain. */
const EXPECTED_LOG_LINES = [
  /msg="requesting certificate for /,
  ...DEMO_HOSTS.map(() => /msg="authorization successful" context=acme domain=/),
  /msg="successfully got certificate/,
  /msg="Secret successfully stored"/,
  // The served-certificate check: the data-plane stand-in serves the new certificate once it reloads.
  ...DEMO_HOSTS.map(() => /serves the new certificate of secret \\?"myingress-tls\\?" for /),
] as const;

/** Typed failure of one demo step; the message says which step and why. */
export class DemoError extends KubeLegoError {
  override readonly name = 'DemoError';
  readonly code = 'demoFailed';
  /** A development-environment failure: nothing to retry, the message says what to fix. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

export interface DemoCommandOptions {
  /** Progress, the log lines and the table (stdout). */
  readonly out: LogSink;
  /** Where the reason of a failure goes (stderr). */
  readonly err: LogSink;
}

interface SecretJson {
  readonly data?: Readonly<Record<string, string>>;
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
}

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: DEMO_SERVICE, namespace: DEMO_NAMESPACE, labels: { app: DEMO_SERVICE } },
  spec: { selector: { app: DEMO_SERVICE }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
};

const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: DEMO_INGRESS,
    namespace: DEMO_NAMESPACE,
    annotations: { 'kubernetes.io/tls-acme': 'true', 'kubernetes.io/ingress.class': 'nginx' },
  },
  spec: {
    tls: [{ hosts: [...DEMO_HOSTS], secretName: DEMO_SECRET }],
    rules: DEMO_HOSTS.map((host) => ({
      host,
      http: {
        paths: [
          {
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: DEMO_SERVICE, port: { number: 80 } } },
          },
        ],
      },
    })),
  },
};

async function apiRequest(
  environment: DevEnvironment,
  path: string,
  body?: object,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${environment.sandbox.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${environment.sandbox.adminToken}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

async function create(environment: DevEnvironment, path: string, body: object): Promise<void> {
  const { status, text } = await apiRequest(environment, path, body);
  if (status !== 201) throw new DemoError(`Cannot create ${path} in the API sandbox: HTTP ${status} ${text}`);
}

function decode(secret: SecretJson, key: string): string {
  return Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
}

/** Prints each expected log line once, as the controller writes it, and keeps the rest for failure reports. */
class DemoLog implements LogSink {
  readonly lines: string[] = [];
  private next = 0;
  private printedSomething = false;
  private readonly out: LogSink;

  constructor(out: LogSink) {
    this.out = out;
  }

  write(line: string): boolean {
    const text = line.trimEnd();
    this.lines.push(text);
    const expected = EXPECTED_LOG_LINES[this.next];
    if (expected?.test(text) === true) {
      this.next += 1;
      this.printedSomething = true;
      this.out.write(`  kube-lego | ${text}\n`);
    } else if (/level=(error|warning)/.test(text)) {
      this.out.write(`  kube-lego | ${text}\n`);
    }
    return true;
  }

  /** True once a new expected line was printed since the last call. */
  takeProgress(): boolean {
    const printed = this.printedSomething;
    this.printedSomething = false;
    return printed;
  }

  get complete(): boolean {
    return this.next === EXPECTED_LOG_LINES.length;
  }

  tail(count: number): string {
    return this.lines.slice(-count).join('\n');
  }
}

async function waitForCertificate(
  environment: DevEnvironment,
  log: DemoLog,
  out: LogSink,
): Promise<SecretJson> {
  const startedMs = Date.now();
  let lastProgressMs = startedMs;
  const path = `/api/v1/namespaces/${DEMO_NAMESPACE}/secrets/${DEMO_SECRET}`;
  let temporarySeen = false;
  for (;;) {
    const { status, text } = await apiRequest(environment, path);
    if (status === 200) {
      const secret = JSON.parse(text) as SecretJson;
      const pem = splitPemBundle(decode(secret, 'tls.crt'))[0];
      const leaf = pem === undefined ? undefined : new X509Certificate(pem);
      if (leaf !== undefined && leaf.issuer === leaf.subject && !temporarySeen) {
        temporarySeen = true;
        out.write(
          `  temporary self-signed certificate in ${DEMO_NAMESPACE}/${DEMO_SECRET} after ${String(Date.now() - startedMs)} ms (${leaf.subject.replace(/\n/g, ', ')}), until the CA's arrives\n`,
        );
      }
      if (leaf !== undefined && leaf.issuer !== leaf.subject && log.complete) return secret;
    }
    const nowMs = Date.now();
    if (nowMs - startedMs > certificateTimeoutMs) {
      throw new DemoError(
        `No certificate in Secret ${DEMO_NAMESPACE}/${DEMO_SECRET} after ${certificateTimeoutMs / 1000} s; the controller's last log lines:\n${log.tail(15)}`,
      );
    }
    if (log.takeProgress()) lastProgressMs = nowMs;
    else if (nowMs - lastProgressMs >= progressEveryMs) {
      lastProgressMs = nowMs;
      out.write(`  ... still waiting (${Math.round((nowMs - startedMs) / 1000)} s)\n`);
    }
    // In the sandbox the temporary certificate can live well under 100 ms before the CA's replaces it.
    await sleep(10);
  }
}

interface CertificateRow {
  readonly secret: string;
  readonly hosts: string;
  readonly issuer: string;
  readonly notAfter: string;
  readonly nextRenewal: string;
}

/** Checks the stored certificate against the sandbox CA root and the Ingress; returns the table row. */
function verifyCertificate(secret: SecretJson, rootPem: string): CertificateRow {
  const chainPems = splitPemBundle(decode(secret, 'tls.crt'));
  const chain = chainPems.map((pem) => new X509Certificate(pem));
  const root = new X509Certificate(rootPem);
  const leaf = chain[0];
  if (leaf === undefined) throw new DemoError(`Secret ${DEMO_SECRET} holds no certificate in tls.crt`);
  const links = [...chain, root];
  for (let i = 0; i + 1 < links.length; i += 1) {
    const child = links[i];
    const parent = links[i + 1];
    if (child === undefined || parent === undefined) continue;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw new DemoError(
        `Certificate ${String(i)} of Secret ${DEMO_SECRET} ("${child.subject}") is not signed by "${parent.subject}": the chain does not lead to the sandbox CA`,
      );
    }
  }
  const names = (leaf.subjectAltName ?? '')
    .split(', ')
    .map((entry) => entry.replace(/^DNS:/, ''))
    .sort();
  const wanted = [...DEMO_HOSTS].sort();
  if (names.join(',') !== wanted.join(',')) {
    throw new DemoError(
      `Certificate of Secret ${DEMO_SECRET} names ${names.join(', ')}, the Ingress asks for ${wanted.join(', ')}`,
    );
  }
  const nowMs = Date.now();
  if (Date.parse(leaf.validFrom) > nowMs || Date.parse(leaf.validTo) < nowMs) {
    throw new DemoError(
      `Certificate of Secret ${DEMO_SECRET} is not valid now (${leaf.validFrom} to ${leaf.validTo})`,
    );
  }
  if (!keyMatchesCertificate(decode(secret, 'tls.key'), chainPems[0] ?? '')) {
    throw new DemoError(`tls.key of Secret ${DEMO_SECRET} does not match its certificate`);
  }
  const renewAt = secret.metadata?.annotations?.[ANNOTATIONS.renewAt];
  return {
    secret: `${DEMO_NAMESPACE}/${DEMO_SECRET}`,
    hosts: names.join(','),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notAfter: new Date(leaf.validTo).toISOString(),
    nextRenewal: renewAt ?? 'unknown',
  };
}

/** A plain text table, columns padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

async function runDemo(environment: DevEnvironment, log: DemoLog, out: LogSink): Promise<void> {
  out.write(
    `[2/4] applying Service ${DEMO_SERVICE} and Ingress ${DEMO_INGRESS} (kubernetes.io/tls-acme: "true")\n`,
  );
  await create(environment, `/api/v1/namespaces/${DEMO_NAMESPACE}/services`, service);
  await create(environment, `/apis/networking.k8s.io/v1/namespaces/${DEMO_NAMESPACE}/ingresses`, ingress);
  out.write(
    `[3/4] waiting for kube-lego to obtain the certificate for ${DEMO_HOSTS.join(', ')} and the load balancer to serve it\n`,
  );
  const secret = await waitForCertificate(environment, log, out);
  out.write('[4/4] verifying the certificate against the sandbox CA root\n\n');
  const row = verifyCertificate(secret, environment.rootPem);
  out.write(
    formatTable(
      ['SECRET', 'HOSTS', 'ISSUER', 'NOT AFTER', 'NEXT RENEWAL'],
      [[row.secret, row.hosts, row.issuer, row.notAfter, row.nextRenewal]],
    ),
  );
  out.write('\ncertificate verified: it chains to the sandbox CA root and names every host of the Ingress\n');
}

/**
 * `kube-lego-dev demo`: starts the sandbox, applies the seed's example, waits for kube-lego to store the
 * certificate, prints its log lines and a table, verifies the certificate and stops everything.
 * Resolves to the exit code (1 with the reason on failure).
 */
export async function demoCommand(options: DemoCommandOptions): Promise<number> {
  const { out } = options;
  const dir = await mkdtemp(join(tmpdir(), 'kube-lego-demo-'));
  const log = new DemoLog(out);
  let environment: DevEnvironment | undefined;
  const startedMs = Date.now();
  try {
    out.write('[1/4] starting the Kubernetes API sandbox, Pebble (ACME CA) and kube-lego\n');
    environment = await startDevEnvironment({
      kubeconfigPath: join(dir, 'kubeconfig'),
      logSink: log,
      onProgress: (message) => out.write(`  ... ${message}\n`),
    });
    await runDemo(environment, log, out);
    out.write(`demo finished in ${((Date.now() - startedMs) / 1000).toFixed(1)} s\n`);
    return 0;
  } catch (error) {
    options.err.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await environment?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
