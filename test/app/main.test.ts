import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { controllerSettings, kubeSource, type HostFiles } from '../../src/app/main.js';
import type { ControllerSettings } from '../../src/app/controller-settings.js';
import { createThrowawayTls } from '../support/throwaway-tls.js';

function config(env: Record<string, string>): Config {
  const result = loadConfig({ LEGO_EMAIL: 'admin@example.test', ...env });
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
  return result.config;
}

function files(existing: readonly string[], contents: Readonly<Record<string, string>> = {}): HostFiles {
  return {
    cwd: '/srv/lego',
    exists: (path) => existing.includes(path),
    read: (path) => {
      const text = contents[path];
      if (text === undefined) throw new Error(`no file ${path}`);
      return text;
    },
  };
}

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

describe('kubeSource()', () => {
  const cases = [
    {
      name: 'uses the in-cluster service account when it is mounted, whatever else is set',
      env: { LEGO_KUBE_API_URL: 'https://10.0.0.1:6443', KUBECONFIG: '/k/config' },
      existing: [TOKEN, '/srv/lego/kubeconfig'],
      want: 'in-cluster',
    },
    {
      name: 'prefers an explicit LEGO_KUBE_API_URL outside the cluster',
      env: { LEGO_KUBE_API_URL: 'https://10.0.0.1:6443', KUBECONFIG: '/k/config' },
      existing: ['/srv/lego/kubeconfig'],
      want: 'url https://10.0.0.1:6443',
    },
    {
      name: 'then the first file of KUBECONFIG',
      env: { KUBECONFIG: '/k/a:/k/b' },
      existing: ['/srv/lego/kubeconfig'],
      want: 'kubeconfig /k/a',
    },
    {
      name: "then kube-lego's ./kubeconfig",
      env: {},
      existing: ['/srv/lego/kubeconfig'],
      want: 'kubeconfig /srv/lego/kubeconfig',
    },
    {
      name: "and finally LEGO_KUBE_API_URL's default",
      env: {},
      existing: [],
      want: 'url http://127.0.0.1:8080',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const source = kubeSource(config(c.env), files(c.existing));
      const text =
        source.kind === 'in-cluster'
          ? 'in-cluster'
          : source.kind === 'url'
            ? `url ${source.url}`
            : `kubeconfig ${source.path}`;
      assert.equal(text, c.want);
    });
  }
});

function settingsOf(config: Config, host: HostFiles): ControllerSettings {
  const result = controllerSettings(config, host);
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
  return result.settings;
}

describe('controllerSettings()', () => {
  it('maps the configuration, reading the extra ACME CA bundle from LEGO_ACME_CA_FILE', async () => {
    const { caPem } = await createThrowawayTls();
    const settings = settingsOf(
      config({
        LEGO_URL: 'https://acme.example/dir',
        LEGO_ACME_CA_FILE: '/etc/ca.pem',
        LEGO_KEY_TYPE: 'ecdsa-p384',
        LEGO_WATCH_NAMESPACE: 'web',
        LEGO_MAX_CONCURRENT_ORDERS: '8',
        LEGO_SELF_CHECK: 'false',
        LEGO_SELF_CHECK_DELAY: '30s',
      }),
      files([], { '/etc/ca.pem': caPem }),
    );
    assert.equal(settings.acmeCaPem, caPem);
    assert.deepEqual(settings.keySpec, { type: 'ecdsa', curve: 'P-384' });
    assert.equal(settings.watchNamespace, 'web');
    assert.equal(settings.maxConcurrentOrders, 8);
    assert.equal(settings.selfCheck.enabled, false);
    assert.equal(settings.selfCheck.delayMs, 30_000);
    assert.equal(settings.policy.directoryUrl, 'https://acme.example/dir');
    assert.equal(settings.policy.annotationKey, 'kubernetes.io/tls-acme');
  });

  it("bounds the self-check tries by kube-lego's per-host retry budget", () => {
    const settings = settingsOf(
      config({
        LEGO_SELF_CHECK_TIMEOUT: '10s',
        LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME: '5m',
        LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL: '30s',
      }),
      files([]),
    );
    assert.equal(settings.selfCheck.tries, 8);
    assert.equal(settings.selfCheck.intervalMs, 30_000);
  });
});
