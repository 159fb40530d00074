import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseKubeconfig,
  readKubeconfigList,
  type KubeconfigSelection,
} from '../../../src/adapters/kube/kubeconfig.js';

const path = '/home/user/.kube/config';

/** A kubeconfig with one cluster, one user and one context, the given bodies spliced in. */
function kubeconfig(cluster: string, user: string, extra = ''): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: other',
    '  cluster:',
    '    server: https://other.example:6443',
    '- name: prod',
    '  cluster:',
    ...cluster.split('\n').map((line) => `    ${line}`),
    'users:',
    '- name: admin',
    '  user:',
    ...user.split('\n').map((line) => `    ${line}`),
    'contexts:',
    '- name: other',
    '  context: {cluster: other, user: admin}',
    '- name: prod',
    '  context:',
    '    cluster: prod',
    '    user: admin',
    '    namespace: web',
    'current-context: prod',
    extra,
  ].join('\n');
}

function parse(text: string): KubeconfigSelection {
  return parseKubeconfig(text, path);
}

function refused(text: string, message: RegExp): void {
  assert.throws(() => parse(text), message);
}

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('parseKubeconfig()', () => {
  it('resolves current-context to its cluster and user', () => {
    const selection = parse(kubeconfig('server: https://prod.example:6443', 'token: abc'));
    assert.equal(selection.context, 'prod');
    assert.deepEqual(selection.cluster, {
      server: 'https://prod.example:6443',
      insecureSkipTlsVerify: false,
    });
    assert.deepEqual(selection.user, { token: 'abc' });
  });

  it('reads inline -data (base64) before the file, as kubectl does', () => {
    const selection = parse(
      kubeconfig(
        `server: https://prod.example\ncertificate-authority: ca.crt\ncertificate-authority-data: ${b64(pem)}`,
        `client-certificate-data: ${b64('CERT')}\nclient-key-data: ${b64('KEY')}\nclient-key: ignored.key\nclient-certificate: ignored.crt`,
      ),
    );
    assert.deepEqual(selection.cluster.certificateAuthority, {
      kind: 'data',
      pem,
      field: 'clusters[1].cluster',
    });
    assert.deepEqual(selection.user.clientCertificate, { kind: 'data', pem: 'CERT', field: 'users[0].user' });
    assert.deepEqual(selection.user.clientKey, { kind: 'data', pem: 'KEY', field: 'users[0].user' });
  });

  it('makes file paths relative to the kubeconfig directory and keeps absolute ones', () => {
    const selection = parse(
      kubeconfig(
        'server: https://prod.example\ncertificate-authority: certs/ca.crt',
        'client-certificate: /etc/kube/me.crt\nclient-key: me.key\ntokenFile: ../token',
      ),
    );
    assert.deepEqual(selection.cluster.certificateAuthority, {
      kind: 'file',
      path: '/home/user/.kube/certs/ca.crt',
      field: 'clusters[1].cluster.certificate-authority',
    });
    assert.equal(
      selection.user.clientCertificate?.kind === 'file' ? selection.user.clientCertificate.path : '',
      '/etc/kube/me.crt',
    );
    assert.equal(
      selection.user.clientKey?.kind === 'file' ? selection.user.clientKey.path : '',
      '/home/user/.kube/me.key',
    );
    assert.equal(selection.user.tokenFile, '/home/user/token');
  });

  it('reads insecure-skip-tls-verify, tls-server-name and basic auth', () => {
    const selection = parse(
      kubeconfig(
        'server: https://10.0.0.1\ninsecure-skip-tls-verify: true\ntls-server-name: api.internal',
        'username: ops\npassword: "s3cret"',
      ),
    );
    assert.equal(selection.cluster.insecureSkipTlsVerify, true);
    assert.equal(selection.cluster.tlsServerName, 'api.internal');
    assert.deepEqual(selection.user.basicAuth, { username: 'ops', password: 's3cret' });
  });

  it('reads an exec plugin (GKE shape) with its args, env and cluster-info flag', () => {
    const selection = parse(
      kubeconfig(
        'server: https://34.1.2.3',
        [
          'exec:',
          '  apiVersion: client.authentication.k8s.io/v1beta1',
          '  command: gke-gcloud-auth-plugin',
          '  args: ["--use_application_default_credentials"]',
          '  env:',
          '  - name: CLOUDSDK_CORE_PROJECT',
          '    value: shop',
          '  installHint: Install gke-gcloud-auth-plugin for use with kubectl',
          '  provideClusterInfo: true',
          '  interactiveMode: IfAvailable',
        ].join('\n'),
      ),
    );
    assert.deepEqual(selection.user.exec, {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'gke-gcloud-auth-plugin',
      args: ['--use_application_default_credentials'],
      env: [['CLOUDSDK_CORE_PROJECT', 'shop']],
      provideClusterInfo: true,
      installHint: 'Install gke-gcloud-auth-plugin for use with kubectl',
      field: 'users[0].user.exec',
    });
  });

  it('makes a relative exec command with a separator relative to the kubeconfig, and leaves bare names for PATH', () => {
    const exec = (command: string): string | undefined =>
      parse(
        kubeconfig(
          'server: https://prod.example',
          `exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ${command}\n  interactiveMode: Never`,
        ),
      ).user.exec?.command;
    assert.equal(exec('./bin/auth'), '/home/user/.kube/bin/auth');
    assert.equal(exec('aws'), 'aws');
  });

  it('reads a kubeconfig written as JSON', () => {
    const selection = parse(
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:8001' } }],
        contexts: [{ name: 'x', context: { cluster: 'c' } }],
        'current-context': 'x',
      }),
    );
    assert.equal(selection.cluster.server, 'http://127.0.0.1:8001');
    assert.deepEqual(selection.user, {}, 'a context without a user is anonymous');
  });

  it('refuses what it cannot honour, naming the field', () => {
    const cases: [string, RegExp][] = [
      [
        kubeconfig('server: https://prod.example', 'auth-provider:\n  name: gcp'),
        /^RangeError: users\[0\]\.user\.auth-provider \("gcp"\) is not supported: use an exec credential plugin/,
      ],
      [
        kubeconfig(
          'server: https://prod.example',
          'exec:\n  apiVersion: client.authentication.k8s.io/v1alpha1\n  command: old-plugin',
        ),
        /^RangeError: users\[0\]\.user\.exec\.apiVersion "client\.authentication\.k8s\.io\/v1alpha1" is not supported/,
      ],
      [
        kubeconfig(
          'server: https://prod.example',
          'exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: login\n  interactiveMode: Always',
        ),
        /users\[0\]\.user\.exec\.interactiveMode "Always" is not supported: kube-lego runs without a terminal/,
      ],
      [kubeconfig('server: https://prod.example', 'as: admin'), /users\[0\]\.user\.as is not supported/],
      [
        kubeconfig('server: https://prod.example\nproxy-url: http://proxy:3128', 'token: x'),
        /clusters\[1\]\.cluster\.proxy-url is not supported/,
      ],
      [
        kubeconfig('server: https://prod.example', 'client-certificate-data: QQ=='),
        /users\[0\]\.user needs both client-certificate\(-data\) and client-key\(-data\)/,
      ],
      [kubeconfig('insecure-skip-tls-verify: true', 'token: x'), /clusters\[1\]\.cluster\.server is missing/],
      [kubeconfig('server: https://prod.example', 'token: 42'), /users\[0\]\.user\.token must be a string/],
      [
        kubeconfig('server: https://prod.example', 'token: x').replace('current-context: prod', ''),
        /current-context is not set/,
      ],
      [
        kubeconfig('server: https://prod.example', 'token: x').replace(
          'current-context: prod',
          'current-context: gone',
        ),
        /current-context "gone" names no entry of contexts/,
      ],
      [
        kubeconfig('server: https://prod.example', 'token: x').replace('    user: admin', '    user: nobody'),
        /contexts\[1\]\.context\.user "nobody" names no entry of users/,
      ],
      ['', /it is empty/],
      ['clusters: [unclosed', /it is not valid YAML/],
    ];
    for (const [text, message] of cases) refused(text, message);
  });
});

describe('readKubeconfigList() merges a KUBECONFIG list as kubectl does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-lego-kubeconfig-'));
  const first = join(dir, 'first');
  const second = join(dir, 'second');
  // The first file sets the current context and a user; the second holds the clusters and contexts.
  writeFileSync(
    first,
    ['current-context: staging', 'users:', '- name: me', '  user: {token: first-token}'].join('\n'),
  );
  writeFileSync(
    second,
    [
      'current-context: prod',
      'clusters:',
      '- name: staging',
      '  cluster: {server: "https://staging.example:6443", certificate-authority: ca.crt}',
      '- name: prod',
      '  cluster: {server: "https://prod.example:6443"}',
      'users:',
      '- name: me',
      '  user: {token: second-token}',
      'contexts:',
      '- name: staging',
      '  context: {cluster: staging, user: me, namespace: team-a}',
      '- name: prod',
      '  context: {cluster: prod, user: me}',
    ].join('\n'),
  );

  it('takes the first current-context and the first entry of each name; paths are relative to their file', () => {
    const selection = readKubeconfigList([first, second]);
    assert.equal(selection.context, 'staging');
    assert.equal(selection.cluster.server, 'https://staging.example:6443');
    assert.deepEqual(selection.cluster.certificateAuthority, {
      kind: 'file',
      path: join(dir, 'ca.crt'),
      field: `clusters[0].cluster in "${second}".certificate-authority`,
    });
    assert.deepEqual(selection.user, { token: 'first-token' });
    assert.equal(selection.namespace, 'team-a');
  });

  it('uses the context given instead of the current one, and skips files that do not exist', () => {
    const selection = readKubeconfigList([join(dir, 'missing'), first, second], { context: 'prod' });
    assert.equal(selection.cluster.server, 'https://prod.example:6443');
    assert.equal(selection.namespace, undefined);
    assert.throws(
      () => readKubeconfigList([first, second], { context: 'dev' }),
      /context "dev" names no entry of contexts/,
    );
    assert.throws(() => readKubeconfigList([join(dir, 'missing')]), /none of .* exists/);
  });

  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
