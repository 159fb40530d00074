import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config, ConfigProblem, ConfigWarning } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The smallest valid environment: kube-lego requires only LEGO_EMAIL. */
const base: Env = { LEGO_EMAIL: 'certs@example.com' };

function configOf(env: Env): { config: Config; warnings: readonly ConfigWarning[] } {
  const result = loadConfig({ ...base, ...env });
  if (!result.ok)
    assert.fail(`expected a valid configuration, got: ${result.problems.map((p) => p.message).join('; ')}`);
  return { config: result.config, warnings: result.warnings };
}

function problemsOf(env: Env): readonly ConfigProblem[] {
  const result = loadConfig({ ...base, ...env });
  if (result.ok) assert.fail('expected configuration problems, the configuration was accepted');
  return result.problems;
}

describe('loadConfig() defaults', () => {
  it('gives kube-lego 0.1.7 defaults (with the v2 staging directory) when only LEGO_EMAIL is set', () => {
    const { config } = configOf({});
    assert.deepEqual(JSON.parse(JSON.stringify(config)), {
      namespace: 'default',
      acme: {
        directoryUrl: 'https://acme-staging-v02.api.letsencrypt.org/directory',
        email: 'certs@example.com',
        accountSecretName: 'kube-lego-account',
        ari: true,
        maxConcurrentOrders: 4,
        issuanceTimeoutMs: 600_000,
      },
      keys: { type: 'rsa', rsaBits: 2048 },
      ingress: {
        annotation: 'kubernetes.io/tls-acme',
        supportedClasses: ['nginx', 'gce'],
        defaultClass: 'nginx',
        supportedProviders: ['nginx', 'gce'],
        defaultProvider: 'nginx',
      },
      nginx: { serviceName: 'kube-lego-nginx', ingressName: 'kube-lego-nginx', serviceSelector: 'kube-lego' },
      gateway: { serviceName: 'kube-lego-gateway', challengeNamespace: 'kube-lego' },
      gce: { serviceName: 'kube-lego-gce' },
      port: 8080,
      metricsPort: 9402,
      renewal: { checkIntervalMs: 8 * 3_600_000, minimumValidityMs: 720 * 3_600_000 },
      backoff: { maxElapsedTimeMs: 300_000, initialIntervalMs: 30_000, multiplier: 2 },
      temporaryCertificate: true,
      servedCheck: { enabled: true, firstIntervalMs: 10_000, timeoutMs: 1_800_000, port: 443 },
      selfCheck: { enabled: true, timeoutMs: 10_000, delayMs: 0 },
      kube: { apiUrl: 'http://127.0.0.1:8080', apiUrlExplicit: false },
      leaderElection: {
        enabled: false,
        leaseName: 'kube-lego',
        identity: '',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      log: { level: 'info', type: 'text' },
    });
    // The optional values JSON drops above are absent, not empty strings.
    assert.equal(config.acme.profile, undefined);
    assert.equal(config.acme.externalAccountBinding, undefined);
    assert.equal(config.acme.caFile, undefined);
    assert.equal(config.acme.preferredChain, undefined);
    assert.equal(config.ingress.watchNamespace, undefined);
    assert.equal(config.gce.podIp, undefined);
    assert.equal(config.kube.kubeconfig, undefined);
  });

  it('treats empty values as unset, as os.Getenv does', () => {
    assert.deepEqual(
      configOf({ LEGO_PORT: '', LEGO_URL: '', LEGO_LOG_TYPE: '' }).config,
      configOf({}).config,
    );
  });

  it('returns a deeply frozen configuration', () => {
    const { config } = configOf({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.acme));
    assert.ok(Object.isFrozen(config.ingress.supportedClasses));
  });

  it('warns that LEGO_POD_IP is missing only while the gce provider is enabled', () => {
    assert.deepEqual(
      configOf({}).warnings.map((w) => w.code),
      ['CONFIG_POD_IP_MISSING'],
    );
    assert.deepEqual(configOf({ LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx' }).warnings, []);
  });
});

interface ValidCase {
  readonly env: Env;
  readonly pick: (config: Config) => unknown;
  readonly expected: unknown;
}

const validCases: Readonly<Record<string, ValidCase>> = {
  'LEGO_EMAIL is the account contact': {
    env: { LEGO_EMAIL: 'Ops@Example.org' },
    pick: (c) => c.acme.email,
    expected: 'Ops@Example.org',
  },
  'LEGO_POD_IP accepts IPv4': {
    env: { LEGO_POD_IP: '10.4.0.7' },
    pick: (c) => c.gce.podIp,
    expected: '10.4.0.7',
  },
  'LEGO_POD_IP accepts IPv6': {
    env: { LEGO_POD_IP: 'fd00::7' },
    pick: (c) => c.gce.podIp,
    expected: 'fd00::7',
  },
  LEGO_NAMESPACE: { env: { LEGO_NAMESPACE: 'kube-lego' }, pick: (c) => c.namespace, expected: 'kube-lego' },
  'LEGO_URL strips one trailing slash': {
    env: { LEGO_URL: 'https://acme.internal/directory/' },
    pick: (c) => c.acme.directoryUrl,
    expected: 'https://acme.internal/directory',
  },
  'LEGO_URL keeps a v2 directory': {
    env: { LEGO_URL: 'https://acme-v02.api.letsencrypt.org/directory' },
    pick: (c) => c.acme.directoryUrl,
    expected: 'https://acme-v02.api.letsencrypt.org/directory',
  },
  LEGO_SECRET_NAME: {
    env: { LEGO_SECRET_NAME: 'acct' },
    pick: (c) => c.acme.accountSecretName,
    expected: 'acct',
  },
  LEGO_SERVICE_NAME_NGINX: {
    env: { LEGO_SERVICE_NAME_NGINX: 'svc-n' },
    pick: (c) => c.nginx.serviceName,
    expected: 'svc-n',
  },
  'LEGO_SERVICE_NAME is the legacy fallback of LEGO_SERVICE_NAME_NGINX': {
    env: { LEGO_SERVICE_NAME: 'legacy-svc' },
    pick: (c) => c.nginx.serviceName,
    expected: 'legacy-svc',
  },
  'LEGO_SERVICE_NAME_NGINX wins over LEGO_SERVICE_NAME': {
    env: { LEGO_SERVICE_NAME: 'legacy-svc', LEGO_SERVICE_NAME_NGINX: 'svc-n' },
    pick: (c) => c.nginx.serviceName,
    expected: 'svc-n',
  },
  LEGO_SERVICE_NAME_GCE: {
    env: { LEGO_SERVICE_NAME_GCE: 'svc-g' },
    pick: (c) => c.gce.serviceName,
    expected: 'svc-g',
  },
  LEGO_SERVICE_NAME_GATEWAY: {
    env: { LEGO_SERVICE_NAME_GATEWAY: 'svc-gw' },
    pick: (c) => c.gateway.serviceName,
    expected: 'svc-gw',
  },
  'LEGO_GATEWAY_CHALLENGE_NAMESPACE is case-insensitive': {
    env: { LEGO_GATEWAY_CHALLENGE_NAMESPACE: 'Gateway' },
    pick: (c) => c.gateway.challengeNamespace,
    expected: 'gateway',
  },
  LEGO_INGRESS_NAME_NGINX: {
    env: { LEGO_INGRESS_NAME_NGINX: 'ing-n' },
    pick: (c) => c.nginx.ingressName,
    expected: 'ing-n',
  },
  'LEGO_INGRESS_NAME is the legacy fallback of LEGO_INGRESS_NAME_NGINX': {
    env: { LEGO_INGRESS_NAME: 'legacy-ing' },
    pick: (c) => c.nginx.ingressName,
    expected: 'legacy-ing',
  },
  'LEGO_INGRESS_NAME_NGINX wins over LEGO_INGRESS_NAME': {
    env: { LEGO_INGRESS_NAME: 'legacy-ing', LEGO_INGRESS_NAME_NGINX: 'ing-n' },
    pick: (c) => c.nginx.ingressName,
    expected: 'ing-n',
  },
  'LEGO_SUPPORTED_INGRESS_PROVIDER is trimmed and lower-cased': {
    env: { LEGO_SUPPORTED_INGRESS_PROVIDER: ' GCE , nginx' },
    pick: (c) => c.ingress.supportedProviders,
    expected: ['gce', 'nginx'],
  },
  'LEGO_SUPPORTED_INGRESS_CLASS is trimmed and lower-cased': {
    env: { LEGO_SUPPORTED_INGRESS_CLASS: 'nginx, Nginx-External' },
    pick: (c) => c.ingress.supportedClasses,
    expected: ['nginx', 'nginx-external'],
  },
  'LEGO_DEFAULT_INGRESS_CLASS is lower-cased and checked against the supported classes': {
    env: {
      LEGO_SUPPORTED_INGRESS_CLASS: 'nginx,nginx-external',
      LEGO_DEFAULT_INGRESS_CLASS: 'NGINX-EXTERNAL',
    },
    pick: (c) => c.ingress.defaultClass,
    expected: 'nginx-external',
  },
  'the built-in default class nginx is not checked against the supported classes (as in kube-lego)': {
    env: { LEGO_SUPPORTED_INGRESS_CLASS: 'gce' },
    pick: (c) => c.ingress.defaultClass,
    expected: 'nginx',
  },
  'LEGO_DEFAULT_INGRESS_PROVIDER defaults to the default class when that is a provider': {
    env: { LEGO_DEFAULT_INGRESS_CLASS: 'gce' },
    pick: (c) => c.ingress.defaultProvider,
    expected: 'gce',
  },
  LEGO_DEFAULT_INGRESS_PROVIDER: {
    env: { LEGO_DEFAULT_INGRESS_PROVIDER: 'GCE' },
    pick: (c) => c.ingress.defaultProvider,
    expected: 'gce',
  },
  LEGO_PORT: { env: { LEGO_PORT: '8081' }, pick: (c) => c.port, expected: 8081 },
  'LEGO_PORT accepts 65534, the highest port kube-lego allows': {
    env: { LEGO_PORT: '65534' },
    pick: (c) => c.port,
    expected: 65534,
  },
  LEGO_METRICS_PORT: { env: { LEGO_METRICS_PORT: '9100' }, pick: (c) => c.metricsPort, expected: 9100 },
  'LEGO_METRICS_PORT=0 turns the metrics listener off': {
    env: { LEGO_METRICS_PORT: '0' },
    pick: (c) => c.metricsPort,
    expected: 0,
  },
  'LEGO_CHECK_INTERVAL accepts exactly 5m': {
    env: { LEGO_CHECK_INTERVAL: '5m' },
    pick: (c) => c.renewal.checkIntervalMs,
    expected: 300_000,
  },
  'LEGO_CHECK_INTERVAL accepts fractional hours': {
    env: { LEGO_CHECK_INTERVAL: '1.5h' },
    pick: (c) => c.renewal.checkIntervalMs,
    expected: 5_400_000,
  },
  'LEGO_MINIMUM_VALIDITY accepts exactly 24h': {
    env: { LEGO_MINIMUM_VALIDITY: '24h' },
    pick: (c) => c.renewal.minimumValidityMs,
    expected: 86_400_000,
  },
  'LEGO_KUBE_API_URL is recorded as explicit': {
    env: { LEGO_KUBE_API_URL: 'https://10.0.0.1:6443' },
    pick: (c) => c.kube,
    expected: { apiUrl: 'https://10.0.0.1:6443', apiUrlExplicit: true, kubeconfig: undefined },
  },
  'KUBECONFIG is recorded for the kube adapter': {
    env: { KUBECONFIG: '/etc/kube/a:/etc/kube/b' },
    pick: (c) => c.kube.kubeconfig,
    expected: '/etc/kube/a:/etc/kube/b',
  },
  'LEGO_LOG_LEVEL is case-insensitive': {
    env: { LEGO_LOG_LEVEL: 'DEBUG' },
    pick: (c) => c.log.level,
    expected: 'debug',
  },
  'LEGO_LOG_LEVEL warn': { env: { LEGO_LOG_LEVEL: 'warn' }, pick: (c) => c.log.level, expected: 'warn' },
  'LEGO_LOG_LEVEL error': { env: { LEGO_LOG_LEVEL: 'error' }, pick: (c) => c.log.level, expected: 'error' },
  'LEGO_LOG_TYPE is case-insensitive': {
    env: { LEGO_LOG_TYPE: 'JSON' },
    pick: (c) => c.log.type,
    expected: 'json',
  },
  LEGO_KUBE_ANNOTATION: {
    env: { LEGO_KUBE_ANNOTATION: 'example.com/tls-acme-staging' },
    pick: (c) => c.ingress.annotation,
    expected: 'example.com/tls-acme-staging',
  },
  LEGO_SERVICE_SELECTOR: {
    env: { LEGO_SERVICE_SELECTOR: 'lego' },
    pick: (c) => c.nginx.serviceSelector,
    expected: 'lego',
  },
  LEGO_WATCH_NAMESPACE: {
    env: { LEGO_WATCH_NAMESPACE: 'web' },
    pick: (c) => c.ingress.watchNamespace,
    expected: 'web',
  },
  'LEGO_RSA_KEYSIZE 4096': { env: { LEGO_RSA_KEYSIZE: '4096' }, pick: (c) => c.keys.rsaBits, expected: 4096 },
  'LEGO_RSA_KEYSIZE 3072': { env: { LEGO_RSA_KEYSIZE: '3072' }, pick: (c) => c.keys.rsaBits, expected: 3072 },
  'LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME 0 means no time budget': {
    env: { LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME: '0' },
    pick: (c) => c.backoff.maxElapsedTimeMs,
    expected: 0,
  },
  LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL: {
    env: { LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL: '1m30s' },
    pick: (c) => c.backoff.initialIntervalMs,
    expected: 90_000,
  },
  'LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL is read as INITIAL_INTERVAL': {
    env: { LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL: '45s' },
    pick: (c) => c.backoff.initialIntervalMs,
    expected: 45_000,
  },
  'LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL wins over its misspelt alias': {
    env: {
      LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL: '10s',
      LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL: '45s',
    },
    pick: (c) => c.backoff.initialIntervalMs,
    expected: 10_000,
  },
  LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER: {
    env: { LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER: '1.5' },
    pick: (c) => c.backoff.multiplier,
    expected: 1.5,
  },
  'LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER is read as MULTIPLIER': {
    env: { LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER: '3' },
    pick: (c) => c.backoff.multiplier,
    expected: 3,
  },
  'LEGO_KEY_TYPE ecdsa-p256': {
    env: { LEGO_KEY_TYPE: 'ecdsa-p256' },
    pick: (c) => c.keys.type,
    expected: 'ecdsa-p256',
  },
  'LEGO_KEY_TYPE is case-insensitive': {
    env: { LEGO_KEY_TYPE: 'ECDSA-P384' },
    pick: (c) => c.keys.type,
    expected: 'ecdsa-p384',
  },
  LEGO_ACME_PROFILE: {
    env: { LEGO_ACME_PROFILE: 'shortlived' },
    pick: (c) => c.acme.profile,
    expected: 'shortlived',
  },
  'LEGO_EAB_KEY_ID with LEGO_EAB_HMAC_KEY': {
    env: {
      LEGO_EAB_KEY_ID: 'kid-1',
      LEGO_EAB_HMAC_KEY: 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W',
    },
    pick: (c) => [c.acme.externalAccountBinding?.keyId, c.acme.externalAccountBinding?.hmacKey.reveal()],
    expected: ['kid-1', 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W'],
  },
  LEGO_ACME_CA_FILE: {
    env: { LEGO_ACME_CA_FILE: '/etc/ca/acme.pem' },
    pick: (c) => c.acme.caFile,
    expected: '/etc/ca/acme.pem',
  },
  LEGO_PREFERRED_CHAIN: {
    env: { LEGO_PREFERRED_CHAIN: 'ISRG Root X1' },
    pick: (c) => c.acme.preferredChain,
    expected: 'ISRG Root X1',
  },
  'LEGO_ARI false': { env: { LEGO_ARI: 'false' }, pick: (c) => c.acme.ari, expected: false },
  'LEGO_TEMPORARY_CERTIFICATE false': {
    env: { LEGO_TEMPORARY_CERTIFICATE: 'false' },
    pick: (c) => c.temporaryCertificate,
    expected: false,
  },
  'LEGO_SERVED_CHECK and its settings': {
    env: {
      LEGO_SERVED_CHECK: 'false',
      LEGO_SERVED_CHECK_INTERVAL: '500ms',
      LEGO_SERVED_CHECK_TIMEOUT: '20s',
      LEGO_SERVED_CHECK_PORT: '8443',
    },
    pick: (c) => c.servedCheck,
    expected: { enabled: false, firstIntervalMs: 500, timeoutMs: 20_000, port: 8443 },
  },
  'LEGO_ARI is case-insensitive': { env: { LEGO_ARI: 'FALSE' }, pick: (c) => c.acme.ari, expected: false },
  'LEGO_SELF_CHECK false': {
    env: { LEGO_SELF_CHECK: 'False' },
    pick: (c) => c.selfCheck.enabled,
    expected: false,
  },
  LEGO_SELF_CHECK_TIMEOUT: {
    env: { LEGO_SELF_CHECK_TIMEOUT: '2500ms' },
    pick: (c) => c.selfCheck.timeoutMs,
    expected: 2500,
  },
  LEGO_SELF_CHECK_DELAY: {
    env: { LEGO_SELF_CHECK_DELAY: '45s' },
    pick: (c) => c.selfCheck.delayMs,
    expected: 45_000,
  },
  'LEGO_MAX_CONCURRENT_ORDERS 1': {
    env: { LEGO_MAX_CONCURRENT_ORDERS: '1' },
    pick: (c) => c.acme.maxConcurrentOrders,
    expected: 1,
  },
  'LEGO_MAX_CONCURRENT_ORDERS 64': {
    env: { LEGO_MAX_CONCURRENT_ORDERS: '64' },
    pick: (c) => c.acme.maxConcurrentOrders,
    expected: 64,
  },
  LEGO_ISSUANCE_TIMEOUT: {
    env: { LEGO_ISSUANCE_TIMEOUT: '30m' },
    pick: (c) => c.acme.issuanceTimeoutMs,
    expected: 1_800_000,
  },
};

describe('loadConfig() valid values', () => {
  for (const [name, testCase] of Object.entries(validCases)) {
    it(`reads ${name}`, () => {
      assert.deepEqual(testCase.pick(configOf(testCase.env).config), testCase.expected);
    });
  }
});

/** [variable, value, the whole message]: each invalid value yields exactly this one problem. */
const invalidCases: readonly (readonly [string, string, string])[] = [
  [
    'LEGO_GATEWAY_CHALLENGE_NAMESPACE',
    'default',
    `Cannot use LEGO_GATEWAY_CHALLENGE_NAMESPACE="default": accepted are 'kube-lego' (LEGO_NAMESPACE) and 'gateway' (each Gateway's namespace)`,
  ],
  [
    'LEGO_EMAIL',
    'not-an-email',
    'Cannot use LEGO_EMAIL="not-an-email": not an email address, expected the form name@example.com',
  ],
  [
    'LEGO_POD_IP',
    '10.0.0.300',
    `Cannot use LEGO_POD_IP="10.0.0.300": not an IP address, expected the pod's IPv4 or IPv6 address from status.podIP (downward API)`,
  ],
  [
    'LEGO_URL',
    'acme.example/directory',
    'Cannot use LEGO_URL="acme.example/directory": not an absolute http(s) URL, expected an ACME directory URL such as https://acme-v02.api.letsencrypt.org/directory',
  ],
  [
    'LEGO_SUPPORTED_INGRESS_PROVIDER',
    'traefik',
    'Cannot use LEGO_SUPPORTED_INGRESS_PROVIDER="traefik": no supported provider listed, accepted entries are nginx, gce',
  ],
  [
    'LEGO_DEFAULT_INGRESS_CLASS',
    'traefik',
    'Cannot use LEGO_DEFAULT_INGRESS_CLASS="traefik": unsupported default ingress class, accepted are the classes in LEGO_SUPPORTED_INGRESS_CLASS (nginx, gce)',
  ],
  [
    'LEGO_DEFAULT_INGRESS_PROVIDER',
    'traefik',
    'Cannot use LEGO_DEFAULT_INGRESS_PROVIDER="traefik": unsupported default ingress provider, accepted are the providers in LEGO_SUPPORTED_INGRESS_PROVIDER (nginx, gce)',
  ],
  ['LEGO_PORT', '0', 'Cannot use LEGO_PORT="0": wrong port, accepted are integers from 1 to 65534'],
  ['LEGO_PORT', '65535', 'Cannot use LEGO_PORT="65535": wrong port, accepted are integers from 1 to 65534'],
  ['LEGO_PORT', '-80', 'Cannot use LEGO_PORT="-80": wrong port, accepted are integers from 1 to 65534'],
  ['LEGO_PORT', 'http', 'Cannot use LEGO_PORT="http": not an integer, accepted are integers from 1 to 65534'],
  [
    'LEGO_METRICS_PORT',
    '65536',
    'Cannot use LEGO_METRICS_PORT="65536": out of range, accepted integers from 1 to 65535, or 0 to turn metrics off',
  ],
  [
    'LEGO_METRICS_PORT',
    'prometheus',
    'Cannot use LEGO_METRICS_PORT="prometheus": not an integer, accepted integers from 1 to 65535, or 0 to turn metrics off',
  ],
  [
    'LEGO_CHECK_INTERVAL',
    '4m59s',
    'Cannot use LEGO_CHECK_INTERVAL="4m59s": the minimum check interval is 5 minutes, accepted are durations of 5m or longer',
  ],
  [
    'LEGO_CHECK_INTERVAL',
    '1d',
    'Cannot use LEGO_CHECK_INTERVAL="1d": not a duration, expected Go duration syntax such as 90s, 5m, 8h or 1h30m (no d unit)',
  ],
  [
    'LEGO_MINIMUM_VALIDITY',
    '23h',
    'Cannot use LEGO_MINIMUM_VALIDITY="23h": the smallest allowed minimum validity is 24 hours, accepted are durations of 24h or longer',
  ],
  [
    'LEGO_MINIMUM_VALIDITY',
    '30 days',
    'Cannot use LEGO_MINIMUM_VALIDITY="30 days": not a duration, expected Go duration syntax such as 90s, 5m, 8h or 1h30m (no d unit)',
  ],
  [
    'LEGO_KUBE_API_URL',
    '127.0.0.1:8080',
    'Cannot use LEGO_KUBE_API_URL="127.0.0.1:8080": not an absolute http(s) URL, expected the API server address such as https://10.0.0.1:6443',
  ],
  ['LEGO_LOG_TYPE', 'xml', 'Cannot use LEGO_LOG_TYPE="xml": accepted values are text, json'],
  [
    'LEGO_RSA_KEYSIZE',
    '1024',
    `Cannot use LEGO_RSA_KEYSIZE="1024": CAs such as Let's Encrypt accept RSA keys of 2048, 3072 and 4096 bits only, accepted values are 2048, 3072 and 4096`,
  ],
  [
    'LEGO_RSA_KEYSIZE',
    'big',
    'Cannot use LEGO_RSA_KEYSIZE="big": not a number, accepted values are 2048, 3072 and 4096',
  ],
  [
    'LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME',
    '-1m',
    'Cannot use LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME="-1m": negative, accepted are durations of 0s (no time budget) or longer',
  ],
  [
    'LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL',
    '0s',
    'Cannot use LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL="0s": not positive, accepted are durations above 0s such as 30s',
  ],
  [
    'LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL',
    'soon',
    'Cannot use LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL="soon": not a duration, expected Go duration syntax such as 90s, 5m, 8h or 1h30m (no d unit)',
  ],
  [
    'LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER',
    '0.5',
    'Cannot use LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER="0.5": not a growth factor, accepted are decimal numbers of 1 or more such as 1.5 or 2.0',
  ],
  [
    'LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER',
    'double',
    'Cannot use LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER="double": not a growth factor, accepted are decimal numbers of 1 or more such as 1.5 or 2.0',
  ],
  [
    'LEGO_KEY_TYPE',
    'ed25519',
    'Cannot use LEGO_KEY_TYPE="ed25519": accepted values are rsa, ecdsa-p256, ecdsa-p384',
  ],
  [
    'LEGO_ACME_PROFILE',
    'short lived',
    `Cannot use LEGO_ACME_PROFILE="short lived": not a profile name, expected a name from the CA directory's meta.profiles such as classic or tlsserver`,
  ],
  ['LEGO_ARI', 'yes', 'Cannot use LEGO_ARI="yes": not a boolean, accepted values are true and false'],
  [
    'LEGO_SELF_CHECK',
    '1',
    'Cannot use LEGO_SELF_CHECK="1": not a boolean, accepted values are true and false',
  ],
  [
    'LEGO_SELF_CHECK_TIMEOUT',
    '0s',
    'Cannot use LEGO_SELF_CHECK_TIMEOUT="0s": not positive, accepted are durations above 0s such as 10s',
  ],
  [
    'LEGO_SELF_CHECK_DELAY',
    '-5s',
    'Cannot use LEGO_SELF_CHECK_DELAY="-5s": negative, accepted are durations of 0s or longer',
  ],
  [
    'LEGO_MAX_CONCURRENT_ORDERS',
    '0',
    'Cannot use LEGO_MAX_CONCURRENT_ORDERS="0": out of range, accepted integers from 1 to 64',
  ],
  [
    'LEGO_MAX_CONCURRENT_ORDERS',
    'four',
    'Cannot use LEGO_MAX_CONCURRENT_ORDERS="four": not an integer, accepted integers from 1 to 64',
  ],
  [
    'LEGO_ISSUANCE_TIMEOUT',
    '5s',
    'Cannot use LEGO_ISSUANCE_TIMEOUT="5s": too short, accepted durations are 10s or longer',
  ],
];

describe('loadConfig() invalid values', () => {
  for (const [variable, value, message] of invalidCases) {
    it(`rejects ${variable}=${JSON.stringify(value)} with a message naming the variable, value and accepted values`, () => {
      assert.deepEqual(problemsOf({ [variable]: value }), [{ code: 'CONFIG_INVALID', variable, message }]);
    });
  }

  it('rejects LEGO_METRICS_PORT equal to LEGO_PORT, naming both', () => {
    const problems = problemsOf({ LEGO_PORT: '9402' });
    assert.deepEqual(problems, [
      {
        code: 'CONFIG_CONFLICT',
        variable: 'LEGO_METRICS_PORT',
        message:
          'Cannot use LEGO_METRICS_PORT="9402": LEGO_PORT is the same port; choose another port for metrics, or 0 to turn them off',
      },
    ]);
  });

  it('takes the Lease holder identity from LEGO_POD_NAME, else HOSTNAME', () => {
    const elect = { LEGO_LEADER_ELECT: 'true' };
    assert.equal(
      configOf({ ...elect, LEGO_POD_NAME: 'kube-lego-0', HOSTNAME: 'h' }).config.leaderElection.identity,
      'kube-lego-0',
    );
    assert.equal(
      configOf({ ...elect, HOSTNAME: 'kube-lego-1' }).config.leaderElection.identity,
      'kube-lego-1',
    );
  });

  it('rejects leader election without an identity', () => {
    assert.deepEqual(
      problemsOf({ LEGO_LEADER_ELECT: 'true' }).map((p) => [p.code, p.variable]),
      [['CONFIG_MISSING', 'LEGO_POD_NAME']],
    );
  });

  it('rejects lease timings where two replicas could lead at once or one late retry loses the Lease', () => {
    const elect = { LEGO_LEADER_ELECT: 'true', LEGO_POD_NAME: 'kube-lego-0' };
    assert.match(
      problemsOf({ ...elect, LEGO_LEASE_DURATION: '10s', LEGO_RENEW_DEADLINE: '10s' })[0]?.message ?? '',
      /^Cannot use LEGO_RENEW_DEADLINE="10s": the renew deadline must be shorter than LEGO_LEASE_DURATION \(10s\)/,
    );
    assert.match(
      problemsOf({ ...elect, LEGO_RENEW_DEADLINE: '2400ms', LEGO_RETRY_PERIOD: '2s' })[0]?.message ?? '',
      /longer than 1.2 times LEGO_RETRY_PERIOD \(2s\)/,
    );
    assert.deepEqual(
      configOf({ ...elect, LEGO_LEASE_DURATION: '3s', LEGO_RENEW_DEADLINE: '2s', LEGO_RETRY_PERIOD: '500ms' })
        .config.leaderElection,
      {
        enabled: true,
        leaseName: 'kube-lego',
        identity: 'kube-lego-0',
        leaseDurationMs: 3_000,
        renewDeadlineMs: 2_000,
        retryPeriodMs: 500,
      },
    );
  });

  it('rejects a missing LEGO_EMAIL with kube-lego 0.1.7 message', () => {
    assert.deepEqual(problemsOf({ LEGO_EMAIL: undefined }), [
      {
        code: 'CONFIG_MISSING',
        variable: 'LEGO_EMAIL',
        message:
          "Please provide an email address in LEGO_EMAIL: it is the contact address of the ACME account, which the CA uses for notices about the account and its certificates (revocations, changes to its terms); Let's Encrypt no longer sends expiry e-mails (they ended in 2025), kube-lego renews and records Events instead",
      },
    ]);
  });

  it('rejects LEGO_EAB_KEY_ID without LEGO_EAB_HMAC_KEY', () => {
    assert.deepEqual(problemsOf({ LEGO_EAB_KEY_ID: 'kid-1' }), [
      {
        code: 'CONFIG_MISSING',
        variable: 'LEGO_EAB_HMAC_KEY',
        message:
          'Cannot use LEGO_EAB_KEY_ID="kid-1" without LEGO_EAB_HMAC_KEY: External Account Binding needs both, set LEGO_EAB_HMAC_KEY to the HMAC key your CA gave you',
      },
    ]);
  });

  it('rejects LEGO_EAB_HMAC_KEY without LEGO_EAB_KEY_ID and does not echo the key', () => {
    const problems = problemsOf({ LEGO_EAB_HMAC_KEY: 'c2VjcmV0LWhtYWMta2V5' });
    assert.deepEqual(
      problems.map((p) => [p.code, p.variable]),
      [['CONFIG_MISSING', 'LEGO_EAB_KEY_ID']],
    );
    assert.doesNotMatch(JSON.stringify(problems), /c2VjcmV0/);
  });

  it('rejects a malformed LEGO_EAB_HMAC_KEY without echoing it', () => {
    const problems = problemsOf({ LEGO_EAB_KEY_ID: 'kid-1', LEGO_EAB_HMAC_KEY: 'not base64 secret!' });
    assert.deepEqual(problems, [
      {
        code: 'CONFIG_INVALID',
        variable: 'LEGO_EAB_HMAC_KEY',
        message:
          'Cannot use LEGO_EAB_HMAC_KEY (value hidden): not base64url, expected the HMAC key exactly as the CA issued it (characters A-Z, a-z, 0-9, - and _)',
      },
    ]);
  });

  it('reports every problem at once, in documentation order', () => {
    const problems = problemsOf({
      LEGO_EMAIL: undefined,
      LEGO_PORT: '0',
      LEGO_LOG_TYPE: 'xml',
      LEGO_ARI: 'maybe',
    });
    assert.deepEqual(
      problems.map((p) => p.variable),
      ['LEGO_EMAIL', 'LEGO_PORT', 'LEGO_LOG_TYPE', 'LEGO_ARI'],
    );
  });
});

describe('loadConfig() warnings', () => {
  function warningsOf(env: Env): readonly ConfigWarning[] {
    return configOf({ LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx', ...env }).warnings;
  }

  const v1: readonly (readonly [string, string])[] = [
    ['https://acme-v01.api.letsencrypt.org/directory', 'https://acme-v02.api.letsencrypt.org/directory'],
    [
      'https://acme-staging.api.letsencrypt.org/directory',
      'https://acme-staging-v02.api.letsencrypt.org/directory',
    ],
    ['https://acme-v01.api.letsencrypt.org/directory/', 'https://acme-v02.api.letsencrypt.org/directory'],
  ];
  for (const [given, mapped] of v1) {
    it(`maps the ACME v1 directory ${given} to ${mapped} with a warning`, () => {
      const { config, warnings } = configOf({ LEGO_URL: given, LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx' });
      assert.equal(config.acme.directoryUrl, mapped);
      assert.deepEqual(warnings, [
        {
          code: 'CONFIG_V1_URL_MAPPED',
          variable: 'LEGO_URL',
          message: `LEGO_URL=${JSON.stringify(given)} is an ACME v1 directory, which Let's Encrypt has shut down: using ${mapped} instead; set LEGO_URL to it to silence this warning`,
        },
      ]);
    });
  }

  it('warns about an unknown LEGO_LOG_LEVEL and logs at info, as kube-lego did silently', () => {
    const { config, warnings } = configOf({
      LEGO_LOG_LEVEL: 'verbose',
      LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx',
    });
    assert.equal(config.log.level, 'info');
    assert.deepEqual(warnings, [
      {
        code: 'CONFIG_LOG_LEVEL_UNKNOWN',
        variable: 'LEGO_LOG_LEVEL',
        message:
          'Unknown LEGO_LOG_LEVEL="verbose": logging at info, accepted values are debug, info, warn, error',
      },
    ]);
  });

  it('skips unknown providers with a warning', () => {
    const { config, warnings } = configOf({ LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx,traefik' });
    assert.deepEqual(config.ingress.supportedProviders, ['nginx']);
    assert.deepEqual(warnings, [
      {
        code: 'CONFIG_PROVIDER_UNKNOWN',
        variable: 'LEGO_SUPPORTED_INGRESS_PROVIDER',
        message:
          'Ignoring unsupported provider "traefik" in LEGO_SUPPORTED_INGRESS_PROVIDER: supported providers are nginx, gce',
      },
    ]);
  });

  it('chooses an existing provider when the default class is not one (kube-lego issue #312)', () => {
    const { config, warnings } = configOf({
      LEGO_SUPPORTED_INGRESS_CLASS: 'nginx-external',
      LEGO_DEFAULT_INGRESS_CLASS: 'nginx-external',
      LEGO_POD_IP: '10.4.0.7',
    });
    assert.equal(config.ingress.defaultProvider, 'nginx');
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['CONFIG_DEFAULT_PROVIDER_CHOSEN'],
    );
  });

  it('warns that a misspelt backoff alias was read', () => {
    assert.deepEqual(warningsOf({ LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL: '45s' }), [
      {
        code: 'CONFIG_ALIAS_USED',
        variable: 'LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL',
        message:
          "LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL is a misspelling of LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL from kube-lego's README: read as LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL; rename it to LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL",
      },
    ]);
  });

  it('warns that a misspelt backoff alias was ignored because the right name is set', () => {
    assert.deepEqual(
      warningsOf({
        LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER: '2',
        LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER: '3',
      }).map((w) => w.message),
      [
        "LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER is a misspelling of LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER from kube-lego's README: ignored because LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER is set; rename it to LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER",
      ],
    );
  });
});

describe('loadConfig() secrets', () => {
  it('keeps the EAB HMAC key out of every dump of the configuration', () => {
    const hmacKey = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';
    const result = loadConfig({ ...base, LEGO_EAB_KEY_ID: 'kid-1', LEGO_EAB_HMAC_KEY: hmacKey });
    assert.ok(result.ok);
    assert.doesNotMatch(JSON.stringify(result), new RegExp(hmacKey));
    assert.doesNotMatch(String(result.config.acme.externalAccountBinding?.hmacKey), new RegExp(hmacKey));
  });
});
