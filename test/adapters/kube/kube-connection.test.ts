import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { isKubeError } from '../../../src/adapters/kube/kube-errors.js';
import {
  KubeConnectionError,
  loadKubeConnection,
  type KubeConnection,
} from '../../../src/adapters/kube/kube-connection.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { createThrowawayTls, type ThrowawayTls } from '../../support/throwaway-tls.js';

/**
 * A stand-in exec credential plugin, run with this Node: it appends KUBERNETES_EXEC_INFO to $RUNS (one line per
 * run) and prints the ExecCredential in $ANSWER (JSON), or exits $FAIL with a message on stderr.
 */
const pluginSource = `
import { appendFileSync } from 'node:fs';
appendFileSync(process.env.RUNS, process.env.KUBERNETES_EXEC_INFO + '\\n');
if (process.env.FAIL) {
  process.stderr.write('error: could not get a token for you\\n');
  process.exit(Number(process.env.FAIL));
}
process.stdout.write(process.env.ANSWER);
`;

function authorization(options: Awaited<ReturnType<KubeConnection['requestOptions']>>): unknown {
  const headers: unknown = options.headers;
  return typeof headers === 'object' && headers !== null && 'authorization' in headers
    ? headers.authorization
    : undefined;
}

function kubeconfigText(server: string, user: readonly string[], cluster: readonly string[] = []): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c',
    '  cluster:',
    `    server: ${JSON.stringify(server)}`,
    ...cluster.map((line) => `    ${line}`),
    'users:',
    '- name: u',
    '  user:',
    ...(user.length === 0 ? ['    {}'] : user.map((line) => `    ${line}`)),
    'contexts:',
    '- name: x',
    '  context: {cluster: c, user: u}',
    'current-context: x',
    '',
  ].join('\n');
}

describe('loadKubeConnection()', () => {
  let dir: string;
  let plugin: string;
  let counter = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-connection-'));
    plugin = join(dir, 'plugin.mjs');
    await writeFile(plugin, pluginSource);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function kubeconfigFile(text: string): Promise<string> {
    counter += 1;
    const path = join(dir, `kubeconfig-${counter}`);
    await writeFile(path, text);
    return path;
  }

  /** A kubeconfig whose user runs the stand-in plugin with `env`; returns it and the plugin's run log. */
  async function execKubeconfig(
    server: string,
    apiVersion: string,
    env: Readonly<Record<string, string>>,
    extra: readonly string[] = [],
  ): Promise<{ path: string; runs: string }> {
    counter += 1;
    const runs = join(dir, `runs-${counter}`);
    await writeFile(runs, '');
    const variables = Object.entries({ RUNS: runs, ...env }).flatMap(([name, value]) => [
      `  - name: ${name}`,
      `    value: ${JSON.stringify(value)}`,
    ]);
    const path = await kubeconfigFile(
      kubeconfigText(server, [
        'exec:',
        `  apiVersion: ${apiVersion}`,
        `  command: ${JSON.stringify(process.execPath)}`,
        `  args: [${JSON.stringify(plugin)}]`,
        '  interactiveMode: Never',
        ...extra.map((line) => `  ${line}`),
        '  env:',
        ...variables,
      ]),
    );
    return { path, runs };
  }

  async function runCount(runs: string): Promise<number> {
    return (await readFile(runs, 'utf8')).split('\n').filter((line) => line !== '').length;
  }

  function answer(apiVersion: string, status: Record<string, unknown>): string {
    return JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
  }

  it('sends a kubeconfig token as a bearer token', async () => {
    const path = await kubeconfigFile(kubeconfigText('https://api.example:6443', ['token: static-token']));
    const connection = loadKubeConnection({ kind: 'kubeconfig', path });
    assert.equal(connection.serverUrl.href, 'https://api.example:6443/');
    assert.equal(authorization(await connection.requestOptions()), 'Bearer static-token');
  });

  it('re-reads a tokenFile once a minute, so a rotated token is used without a restart', async () => {
    const tokenFile = join(dir, 'rotating-token');
    await writeFile(tokenFile, 'first\n');
    const path = await kubeconfigFile(kubeconfigText('https://api.example', [`tokenFile: ${tokenFile}`]));
    let nowMs = 1_000_000;
    const connection = loadKubeConnection({ kind: 'kubeconfig', path }, { nowMs: () => nowMs });
    assert.equal(authorization(await connection.requestOptions()), 'Bearer first');
    await writeFile(tokenFile, 'second\n');
    nowMs += 30_000;
    assert.equal(
      authorization(await connection.requestOptions()),
      'Bearer first',
      'cached within the minute',
    );
    nowMs += 31_000;
    assert.equal(authorization(await connection.requestOptions()), 'Bearer second');
  });

  it('in-cluster: the service account CA and its rotating token', async () => {
    const serviceAccountDir = join(dir, 'serviceaccount');
    await mkdir(serviceAccountDir);
    const tls = await createThrowawayTls();
    await writeFile(join(serviceAccountDir, 'ca.crt'), tls.caPem);
    await writeFile(join(serviceAccountDir, 'token'), 'sa-token-1');
    let nowMs = 0;
    const connection = loadKubeConnection(
      { kind: 'in-cluster', host: 'fd00::1', port: '443', serviceAccountDir },
      { nowMs: () => nowMs },
    );
    assert.equal(connection.serverUrl.href, 'https://[fd00::1]/');
    const options = await connection.requestOptions();
    assert.equal(options.ca, tls.caPem);
    assert.equal(authorization(options), 'Bearer sa-token-1');
    await writeFile(join(serviceAccountDir, 'token'), 'sa-token-2');
    nowMs += 61_000;
    assert.equal(authorization(await connection.requestOptions()), 'Bearer sa-token-2');
  });

  it('a bare URL is anonymous and keeps TLS verification on', async () => {
    const connection = loadKubeConnection({ kind: 'url', url: 'https://api.example' });
    const options = await connection.requestOptions();
    assert.equal(authorization(options), undefined);
    assert.notEqual(options.rejectUnauthorized, false);
  });

  it('refuses a missing file, naming the kubeconfig and the field', async () => {
    const path = await kubeconfigFile(
      kubeconfigText('https://api.example', ['token: t'], ['certificate-authority: missing-ca.crt']),
    );
    assert.throws(
      () => loadKubeConnection({ kind: 'kubeconfig', path }),
      (err: unknown) =>
        err instanceof KubeConnectionError &&
        err.message.startsWith(`Cannot load the Kubernetes connection from kubeconfig "${path}": `) &&
        err.message.includes('clusters[0].cluster.certificate-authority: cannot read') &&
        err.message.includes(join(dir, 'missing-ca.crt')),
    );
    assert.throws(
      () => loadKubeConnection({ kind: 'kubeconfig', path: join(dir, 'no-such-kubeconfig') }),
      /KubeConnectionError: Cannot load the Kubernetes connection from kubeconfig ".*no-such-kubeconfig": cannot read it/,
    );
  });

  describe('client certificates over TLS', () => {
    let server: Server;
    let serverTls: ThrowawayTls;
    let clientTls: ThrowawayTls;
    let url: string;

    before(async () => {
      serverTls = await createThrowawayTls();
      clientTls = await createThrowawayTls();
      // The server reports which client certificate it was shown; verifying it is the API server's business.
      server = createServer(
        { cert: serverTls.certPem, key: serverTls.keyPem, requestCert: true, rejectUnauthorized: false },
        (request, response) => {
          // Without a client certificate Node hands back an empty object.
          const peer = request.socket instanceof TLSSocket ? request.socket.getPeerCertificate() : {};
          response.end(
            JSON.stringify({ fingerprint: 'fingerprint256' in peer ? peer.fingerprint256 : null }),
          );
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      assert.ok(typeof address === 'object' && address !== null);
      url = `https://127.0.0.1:${address.port}`;
    });

    after(async () => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    });

    async function presented(connection: KubeConnection): Promise<unknown> {
      const client = new KubeClient(connection, { userAgent: 'kube-lego-test', requestTimeoutMs: 5000 });
      try {
        const body: unknown = await client.request({ method: 'GET', path: '/version' });
        return typeof body === 'object' && body !== null && 'fingerprint' in body ? body.fingerprint : body;
      } finally {
        client.close();
      }
    }

    it('presents client-certificate-data / client-key-data and trusts certificate-authority-data', async () => {
      const b64 = (text: string): string => Buffer.from(text).toString('base64');
      const path = await kubeconfigFile(
        kubeconfigText(
          url,
          [`client-certificate-data: ${b64(clientTls.certPem)}`, `client-key-data: ${b64(clientTls.keyPem)}`],
          [`certificate-authority-data: ${b64(serverTls.caPem)}`],
        ),
      );
      assert.equal(
        await presented(loadKubeConnection({ kind: 'kubeconfig', path })),
        new X509Certificate(clientTls.certPem).fingerprint256,
      );
    });

    it('presents client-certificate / client-key files relative to the kubeconfig', async () => {
      await writeFile(join(dir, 'me.crt'), clientTls.certPem);
      await writeFile(join(dir, 'me.key'), clientTls.keyPem);
      await writeFile(join(dir, 'server-ca.crt'), serverTls.caPem);
      const path = await kubeconfigFile(
        kubeconfigText(
          url,
          ['client-certificate: me.crt', 'client-key: me.key'],
          ['certificate-authority: server-ca.crt'],
        ),
      );
      assert.equal(
        await presented(loadKubeConnection({ kind: 'kubeconfig', path })),
        new X509Certificate(clientTls.certPem).fingerprint256,
      );
    });

    it('refuses a server its CA did not sign, unless insecure-skip-tls-verify is set', async () => {
      const strict = await kubeconfigFile(
        kubeconfigText(
          url,
          [],
          [`certificate-authority-data: ${Buffer.from(clientTls.caPem).toString('base64')}`],
        ),
      );
      await assert.rejects(
        presented(loadKubeConnection({ kind: 'kubeconfig', path: strict })),
        /certificate/i,
      );
      const insecure = await kubeconfigFile(kubeconfigText(url, [], ['insecure-skip-tls-verify: true']));
      assert.equal(await presented(loadKubeConnection({ kind: 'kubeconfig', path: insecure })), null);
    });

    it('presents the client certificate an exec plugin hands back', async () => {
      const { path } = await execKubeconfig(
        url,
        'client.authentication.k8s.io/v1',
        {
          ANSWER: answer('client.authentication.k8s.io/v1', {
            clientCertificateData: clientTls.certPem,
            clientKeyData: clientTls.keyPem,
          }),
        },
        ['provideClusterInfo: false'],
      );
      const text = (await readFile(path, 'utf8')).replace(
        '    server:',
        `    certificate-authority-data: ${Buffer.from(serverTls.caPem).toString('base64')}\n    server:`,
      );
      await writeFile(path, text);
      assert.equal(
        await presented(loadKubeConnection({ kind: 'kubeconfig', path })),
        new X509Certificate(clientTls.certPem).fingerprint256,
      );
    });
  });

  describe('exec credential plugins', () => {
    for (const apiVersion of ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']) {
      it(`${apiVersion}: runs the plugin once and reuses its token until its expiry`, async () => {
        let nowMs = Date.parse('2026-06-01T12:00:00Z');
        const { path, runs } = await execKubeconfig('https://api.example', apiVersion, {
          ANSWER: answer(apiVersion, { token: 'exec-token', expirationTimestamp: '2026-06-01T13:00:00Z' }),
        });
        const connection = loadKubeConnection({ kind: 'kubeconfig', path }, { nowMs: () => nowMs });
        const first = await Promise.all([connection.requestOptions(), connection.requestOptions()]);
        assert.deepEqual(first.map(authorization), ['Bearer exec-token', 'Bearer exec-token']);
        assert.equal(await runCount(runs), 1, 'concurrent requests share one run');
        nowMs = Date.parse('2026-06-01T12:59:00Z');
        await connection.requestOptions();
        assert.equal(await runCount(runs), 1, 'still valid a minute before expiry');
        nowMs = Date.parse('2026-06-01T13:00:00Z');
        await connection.requestOptions();
        assert.equal(await runCount(runs), 2, 'run again at expiry');
        const info: unknown = JSON.parse((await readFile(runs, 'utf8')).split('\n')[0] ?? '');
        assert.deepEqual(info, { apiVersion, kind: 'ExecCredential', spec: { interactive: false } });
      });
    }

    it('keeps a credential without expirationTimestamp for the life of the process', async () => {
      let nowMs = 0;
      const apiVersion = 'client.authentication.k8s.io/v1';
      const { path, runs } = await execKubeconfig('https://api.example', apiVersion, {
        ANSWER: answer(apiVersion, { token: 'forever' }),
      });
      const connection = loadKubeConnection({ kind: 'kubeconfig', path }, { nowMs: () => nowMs });
      await connection.requestOptions();
      nowMs += 30 * 24 * 3_600_000;
      assert.equal(authorization(await connection.requestOptions()), 'Bearer forever');
      assert.equal(await runCount(runs), 1);
    });

    it('passes the cluster in KUBERNETES_EXEC_INFO when provideClusterInfo is set', async () => {
      const apiVersion = 'client.authentication.k8s.io/v1beta1';
      const { path, runs } = await execKubeconfig(
        'https://api.example:6443',
        apiVersion,
        { ANSWER: answer(apiVersion, { token: 't' }) },
        ['provideClusterInfo: true'],
      );
      await loadKubeConnection({ kind: 'kubeconfig', path }).requestOptions();
      const info: unknown = JSON.parse((await readFile(runs, 'utf8')).trim());
      assert.deepEqual(info, {
        apiVersion,
        kind: 'ExecCredential',
        spec: { interactive: false, cluster: { server: 'https://api.example:6443' } },
      });
    });

    it('a failing plugin is a KubeConnectionError quoting its stderr; the next request runs it again', async () => {
      const { path, runs } = await execKubeconfig('https://api.example', 'client.authentication.k8s.io/v1', {
        FAIL: '3',
      });
      const connection = loadKubeConnection({ kind: 'kubeconfig', path });
      const expected = (err: unknown): boolean =>
        err instanceof KubeConnectionError &&
        err.message.includes(
          `(users[0].user.exec in "${path}") exited 3: error: could not get a token for you`,
        );
      await assert.rejects(connection.requestOptions(), expected);
      await assert.rejects(connection.requestOptions(), expected);
      assert.equal(await runCount(runs), 2);
    });

    it('an answer of the wrong apiVersion, or without a credential, is refused', async () => {
      const cases: [string, RegExp][] = [
        [
          answer('client.authentication.k8s.io/v1beta1', { token: 't' }),
          /answered with apiVersion "client\.authentication\.k8s\.io\/v1beta1", the kubeconfig asks for client\.authentication\.k8s\.io\/v1/,
        ],
        [answer('client.authentication.k8s.io/v1', {}), /status has neither token nor clientCertificateData/],
        ['not json', /printed no ExecCredential JSON/],
      ];
      for (const [printed, message] of cases) {
        const { path } = await execKubeconfig('https://api.example', 'client.authentication.k8s.io/v1', {
          ANSWER: printed,
        });
        await assert.rejects(loadKubeConnection({ kind: 'kubeconfig', path }).requestOptions(), message);
      }
    });

    it('a plugin that is not installed is named, with its installHint', async () => {
      const path = await kubeconfigFile(
        kubeconfigText('https://api.example', [
          'exec:',
          '  apiVersion: client.authentication.k8s.io/v1beta1',
          '  command: kube-lego-test-no-such-plugin',
          '  installHint: install it from the vendor',
        ]),
      );
      await assert.rejects(
        loadKubeConnection({ kind: 'kubeconfig', path }, { env: { PATH: dir } }).requestOptions(),
        /exec plugin "kube-lego-test-no-such-plugin" .* is not installed or not on PATH; install it from the vendor/,
      );
    });
  });

  describe('against the API sandbox', () => {
    let sandbox: Sandbox;

    before(async () => {
      sandbox = await startSandbox({ tls: true });
    });

    after(async () => {
      await sandbox.close();
    });

    it('an exec plugin token authenticates real requests; a wrong one is refused with 401', async () => {
      const written = join(dir, 'sandbox-kubeconfig');
      await sandbox.writeKubeconfig(written);
      const text = await readFile(written, 'utf8');
      const server = /server: "([^"]+)"/.exec(text)?.[1] ?? '';
      const caData = /certificate-authority-data: (\S+)/.exec(text)?.[1] ?? '';
      const apiVersion = 'client.authentication.k8s.io/v1';
      const clientWith = async (token: string): Promise<KubeClient> => {
        const { path } = await execKubeconfig(server, apiVersion, { ANSWER: answer(apiVersion, { token }) });
        await writeFile(
          path,
          (await readFile(path, 'utf8')).replace(
            '    server:',
            `    certificate-authority-data: ${caData}\n    server:`,
          ),
        );
        return new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path }), {
          userAgent: 'kube-lego-test',
          requestTimeoutMs: 5000,
        });
      };
      const admin = await clientWith(sandbox.adminToken);
      const stranger = await clientWith('not-a-sandbox-token');
      try {
        const namespaces: unknown = await admin.request({ method: 'GET', path: '/api/v1/namespaces' });
        assert.ok(typeof namespaces === 'object' && namespaces !== null && 'items' in namespaces);
        await assert.rejects(
          stranger.request({ method: 'GET', path: '/api/v1/namespaces' }),
          (err: unknown) => isKubeError(err, 'unauthorized'),
        );
      } finally {
        admin.close();
        stranger.close();
      }
    });
  });
});
