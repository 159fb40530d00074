import { isIP } from 'node:net';
import type {
  Config,
  ConfigResult,
  DecisionConfig,
  DecisionConfigResult,
  InstallationConfig,
  InstallationConfigResult,
  PartialConfigResult,
  ExternalAccountBindingConfig,
  IngressProvider,
  KeyType,
} from './config.js';
import type { LogLevel } from '../log/log-entry.js';
import { readDns01 } from './dns01-config.js';
import { EnvironmentReader } from './environment-reader.js';
import { annotationKeyProblem, namespaceNameProblem, objectNameProblem } from './kubernetes-names.js';
import { SecretValue } from './secret-value.js';
import { CONFIG_VARIABLES, type ConfigVariableName } from './variables.js';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;

/** ACME v1 directories (shut down by Let's Encrypt) and the v2 directory each one maps to. */
const v1Directories: ReadonlyMap<string, string> = new Map([
  ['https://acme-v01.api.letsencrypt.org/directory', 'https://acme-v02.api.letsencrypt.org/directory'],
  [
    'https://acme-staging.api.letsencrypt.org/directory',
    'https://acme-staging-v02.api.letsencrypt.org/directory',
  ],
]);

const knownProviders: readonly IngressProvider[] = ['nginx', 'gce'];
const rsaKeySizes: readonly number[] = [2048, 3072, 4096];
const keyTypes: readonly KeyType[] = ['rsa', 'ecdsa-p256', 'ecdsa-p384'];
const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function isProvider(value: string): value is IngressProvider {
  return (knownProviders as readonly string[]).includes(value);
}

/** kube-lego splits lists on ","; entries are trimmed and lower-cased here, empty entries dropped. */
function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
}

function readEmail(env: EnvironmentReader): string {
  const email = env.raw('LEGO_EMAIL');
  if (email === undefined) {
    env.problem(
      'CONFIG_MISSING',
      'LEGO_EMAIL',
      "Please provide an email address in LEGO_EMAIL: it is the contact address of the ACME account, which the CA uses for notices about the account and its certificates (revocations, changes to its terms); Let's Encrypt no longer sends expiry e-mails (they ended in 2025), kube-lego renews and records Events instead",
    );
    return '';
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    env.invalid('LEGO_EMAIL', email, 'not an email address, expected the form name@example.com');
  }
  return email;
}

function readDirectoryUrl(env: EnvironmentReader): string {
  const value = env.text('LEGO_URL');
  // kube-lego strips one trailing slash.
  const url = value.endsWith('/') ? value.slice(0, -1) : value;
  const mapped = v1Directories.get(url);
  if (mapped !== undefined) {
    env.warn(
      'CONFIG_V1_URL_MAPPED',
      'LEGO_URL',
      `LEGO_URL=${JSON.stringify(value)} is an ACME v1 directory, which Let's Encrypt has shut down: using ${mapped} instead; set LEGO_URL to it to silence this warning`,
    );
    return mapped;
  }
  if (!isHttpUrl(url)) {
    env.invalid(
      'LEGO_URL',
      value,
      'not an absolute http(s) URL, expected an ACME directory URL such as https://acme-v02.api.letsencrypt.org/directory',
    );
  }
  return url;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function readExternalAccountBinding(env: EnvironmentReader): ExternalAccountBindingConfig | undefined {
  const keyId = env.raw('LEGO_EAB_KEY_ID');
  const hmacKey = env.raw('LEGO_EAB_HMAC_KEY');
  if (keyId === undefined && hmacKey === undefined) return undefined;
  if (keyId === undefined) {
    env.problem(
      'CONFIG_MISSING',
      'LEGO_EAB_KEY_ID',
      'Cannot use LEGO_EAB_HMAC_KEY without LEGO_EAB_KEY_ID: External Account Binding needs both, set LEGO_EAB_KEY_ID to the key ID your CA gave you',
    );
    return undefined;
  }
  if (hmacKey === undefined) {
    env.problem(
      'CONFIG_MISSING',
      'LEGO_EAB_HMAC_KEY',
      `Cannot use LEGO_EAB_KEY_ID=${JSON.stringify(keyId)} without LEGO_EAB_HMAC_KEY: External Account Binding needs both, set LEGO_EAB_HMAC_KEY to the HMAC key your CA gave you`,
    );
    return undefined;
  }
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(hmacKey)) {
    env.invalid(
      'LEGO_EAB_HMAC_KEY',
      hmacKey,
      'not base64url, expected the HMAC key exactly as the CA issued it (characters A-Z, a-z, 0-9, - and _)',
    );
    return undefined;
  }
  return { keyId, hmacKey: new SecretValue(hmacKey) };
}

function readProfile(env: EnvironmentReader): string | undefined {
  const profile = env.raw('LEGO_ACME_PROFILE');
  if (profile !== undefined && !/^[\x21-\x7e]+$/.test(profile)) {
    env.invalid(
      'LEGO_ACME_PROFILE',
      profile,
      "not a profile name, expected a name from the CA directory's meta.profiles such as classic or tlsserver",
    );
  }
  return profile;
}

function readAcme(env: EnvironmentReader): Config['acme'] {
  return {
    directoryUrl: readDirectoryUrl(env),
    email: readEmail(env),
    accountSecretName: env.text('LEGO_SECRET_NAME'),
    profile: readProfile(env),
    externalAccountBinding: readExternalAccountBinding(env),
    caFile: env.raw('LEGO_ACME_CA_FILE'),
    preferredChain: env.raw('LEGO_PREFERRED_CHAIN'),
    ari: env.boolean('LEGO_ARI'),
    maxConcurrentOrders: env.integer('LEGO_MAX_CONCURRENT_ORDERS', {
      min: 1,
      max: 64,
      accepted: 'integers from 1 to 64',
    }),
    issuanceTimeoutMs: env.duration('LEGO_ISSUANCE_TIMEOUT', {
      minMs: 10_000,
      belowMinimum: 'too short, accepted durations are 10s or longer',
    }),
  };
}

function readKeys(env: EnvironmentReader): Config['keys'] {
  const type = env.choice('LEGO_KEY_TYPE', keyTypes) ?? 'rsa';
  const value = env.text('LEGO_RSA_KEYSIZE');
  let rsaBits = 2048;
  if (!/^\d+$/.test(value)) {
    env.invalid('LEGO_RSA_KEYSIZE', value, 'not a number, accepted values are 2048, 3072 and 4096');
  } else if (!rsaKeySizes.includes(Number(value))) {
    env.invalid(
      'LEGO_RSA_KEYSIZE',
      value,
      "CAs such as Let's Encrypt accept RSA keys of 2048, 3072 and 4096 bits only, accepted values are 2048, 3072 and 4096",
    );
  } else {
    rsaBits = Number(value);
  }
  return { type, rsaBits };
}

function readProviders(env: EnvironmentReader): IngressProvider[] {
  const providers: IngressProvider[] = [];
  const value = env.text('LEGO_SUPPORTED_INGRESS_PROVIDER');
  for (const entry of splitList(value)) {
    if (isProvider(entry)) {
      if (!providers.includes(entry)) providers.push(entry);
    } else {
      env.warn(
        'CONFIG_PROVIDER_UNKNOWN',
        'LEGO_SUPPORTED_INGRESS_PROVIDER',
        `Ignoring unsupported provider ${JSON.stringify(entry)} in LEGO_SUPPORTED_INGRESS_PROVIDER: supported providers are ${knownProviders.join(', ')}`,
      );
    }
  }
  if (providers.length === 0) {
    env.invalid(
      'LEGO_SUPPORTED_INGRESS_PROVIDER',
      value,
      `no supported provider listed, accepted entries are ${knownProviders.join(', ')}`,
    );
  }
  return providers;
}

function readDefaultClass(env: EnvironmentReader, classes: readonly string[]): string {
  const value = env.raw('LEGO_DEFAULT_INGRESS_CLASS');
  // As in kube-lego, only an explicit value is checked against the supported classes.
  if (value === undefined) return env.text('LEGO_DEFAULT_INGRESS_CLASS');
  const lower = value.toLowerCase();
  if (!classes.includes(lower)) {
    env.invalid(
      'LEGO_DEFAULT_INGRESS_CLASS',
      value,
      `unsupported default ingress class, accepted are the classes in LEGO_SUPPORTED_INGRESS_CLASS (${classes.join(', ')})`,
    );
  }
  return lower;
}

function readDefaultProvider(
  env: EnvironmentReader,
  providers: readonly IngressProvider[],
  defaultClass: string,
): IngressProvider {
  const value = env.raw('LEGO_DEFAULT_INGRESS_PROVIDER');
  const fallback: IngressProvider = providers[0] ?? 'nginx';
  if (value !== undefined) {
    const lower = value.toLowerCase();
    if (isProvider(lower) && providers.includes(lower)) return lower;
    env.invalid(
      'LEGO_DEFAULT_INGRESS_PROVIDER',
      value,
      `unsupported default ingress provider, accepted are the providers in LEGO_SUPPORTED_INGRESS_PROVIDER (${providers.join(', ')})`,
    );
    return fallback;
  }
  if (isProvider(defaultClass) && providers.includes(defaultClass)) return defaultClass;
  // kube-lego used the default class as provider name even when no such provider exists (issue #312).
  const chosen: IngressProvider = providers.includes('nginx') ? 'nginx' : fallback;
  env.warn(
    'CONFIG_DEFAULT_PROVIDER_CHOSEN',
    'LEGO_DEFAULT_INGRESS_PROVIDER',
    `The default ingress class ${JSON.stringify(defaultClass)} is not a provider: ingresses without a provider use ${chosen}; set LEGO_DEFAULT_INGRESS_PROVIDER to choose another`,
  );
  return chosen;
}

function readIngress(env: EnvironmentReader): Config['ingress'] {
  const supportedClasses = splitList(env.text('LEGO_SUPPORTED_INGRESS_CLASS'));
  const supportedProviders = readProviders(env);
  const defaultClass = readDefaultClass(env, supportedClasses);
  return {
    annotation: env.text('LEGO_KUBE_ANNOTATION'),
    supportedClasses,
    defaultClass,
    supportedProviders,
    defaultProvider: readDefaultProvider(env, supportedProviders, defaultClass),
    watchNamespace: env.raw('LEGO_WATCH_NAMESPACE'),
  };
}

function readPodIp(env: EnvironmentReader, providers: readonly IngressProvider[]): string | undefined {
  const podIp = env.raw('LEGO_POD_IP');
  if (podIp === undefined) {
    if (providers.includes('gce')) {
      env.warn(
        'CONFIG_POD_IP_MISSING',
        'LEGO_POD_IP',
        'LEGO_POD_IP is not set: the gce provider cannot route challenges to this pod until it is; set it from status.podIP with the downward API, or remove gce from LEGO_SUPPORTED_INGRESS_PROVIDER',
      );
    }
    return undefined;
  }
  if (isIP(podIp) === 0) {
    env.invalid(
      'LEGO_POD_IP',
      podIp,
      "not an IP address, expected the pod's IPv4 or IPv6 address from status.podIP (downward API)",
    );
  }
  return podIp;
}

/** `LEGO_GATEWAY_CHALLENGE_NAMESPACE`: where the challenge HTTPRoutes of Gateways live. */
function readChallengeNamespace(env: EnvironmentReader): 'kube-lego' | 'gateway' {
  const value = env.text('LEGO_GATEWAY_CHALLENGE_NAMESPACE').toLowerCase();
  if (value === 'kube-lego' || value === 'gateway') return value;
  env.invalid(
    'LEGO_GATEWAY_CHALLENGE_NAMESPACE',
    value,
    "accepted are 'kube-lego' (LEGO_NAMESPACE) and 'gateway' (each Gateway's namespace)",
  );
  return 'kube-lego';
}

function readPort(env: EnvironmentReader): number {
  const value = env.text('LEGO_PORT');
  if (!/^[+-]?\d+$/.test(value)) {
    env.invalid('LEGO_PORT', value, 'not an integer, accepted are integers from 1 to 65534');
    return 8080;
  }
  const port = Number(value);
  // kube-lego rejects port <= 0 and port >= 65535.
  if (port <= 0 || port >= 65535) {
    env.invalid('LEGO_PORT', value, 'wrong port, accepted are integers from 1 to 65534');
    return 8080;
  }
  return port;
}

/** `LEGO_METRICS_PORT`: 0 turns the listener off; it cannot share the challenge server's port. */
function readMetricsPort(env: EnvironmentReader, port: number): number {
  const metricsPort = env.integer('LEGO_METRICS_PORT', {
    min: 0,
    max: 65535,
    accepted: 'integers from 1 to 65535, or 0 to turn metrics off',
  });
  if (metricsPort !== 0 && metricsPort === port) {
    env.problem(
      'CONFIG_CONFLICT',
      'LEGO_METRICS_PORT',
      `Cannot use LEGO_METRICS_PORT="${metricsPort}": LEGO_PORT is the same port; choose another port for metrics, or 0 to turn them off`,
    );
  }
  return metricsPort;
}

/**
 * The canonical name wins; the README's misspelt name is read when the canonical one is unset. Returns the
 * name the value came from, so messages name the variable the user actually set.
 */
function readAliased(
  env: EnvironmentReader,
  canonical: ConfigVariableName,
  alias: ConfigVariableName,
): { readonly name: ConfigVariableName; readonly value: string } {
  const aliasValue = env.raw(alias);
  if (aliasValue === undefined) return { name: canonical, value: env.text(canonical) };
  const canonicalValue = env.raw(canonical);
  const outcome =
    canonicalValue === undefined ? `read as ${canonical}` : `ignored because ${canonical} is set`;
  env.warn(
    'CONFIG_ALIAS_USED',
    alias,
    `${alias} is a misspelling of ${canonical} from kube-lego's README: ${outcome}; rename it to ${canonical}`,
  );
  return canonicalValue === undefined
    ? { name: alias, value: aliasValue }
    : { name: canonical, value: canonicalValue };
}

function readBackoff(env: EnvironmentReader): Config['backoff'] {
  const maxElapsedTimeMs = env.duration('LEGO_EXPONENTIAL_BACKOFF_MAX_ELAPSED_TIME', {
    minMs: 0,
    belowMinimum: 'negative, accepted are durations of 0s (no time budget) or longer',
  });
  const initial = readAliased(
    env,
    'LEGO_EXPONENTIAL_BACKOFF_INITIAL_INTERVAL',
    'LEGO_EXPONENTIAL_BACKOFF_MAX_INITIAL_INTERVAL',
  );
  const initialIntervalMs = env.durationOf(initial.name, initial.value, {
    minMs: Number.MIN_VALUE,
    belowMinimum: 'not positive, accepted are durations above 0s such as 30s',
  });
  const growth = readAliased(
    env,
    'LEGO_EXPONENTIAL_BACKOFF_MULTIPLIER',
    'LEGO_EXPONENTIAL_BACKOFF_MAX_MULTIPLIER',
  );
  let multiplier = Number(growth.value);
  // Go's strconv.ParseFloat syntax, without hex, Inf and NaN.
  if (
    !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(growth.value) ||
    !Number.isFinite(multiplier) ||
    multiplier < 1
  ) {
    env.invalid(
      growth.name,
      growth.value,
      'not a growth factor, accepted are decimal numbers of 1 or more such as 1.5 or 2.0',
    );
    multiplier = 2;
  }
  return { maxElapsedTimeMs, initialIntervalMs, multiplier };
}

function readKube(env: EnvironmentReader): Config['kube'] {
  const apiUrl = env.text('LEGO_KUBE_API_URL');
  const apiUrlExplicit = env.isSet('LEGO_KUBE_API_URL');
  if (apiUrlExplicit && !isHttpUrl(apiUrl)) {
    env.invalid(
      'LEGO_KUBE_API_URL',
      apiUrl,
      'not an absolute http(s) URL, expected the API server address such as https://10.0.0.1:6443',
    );
  }
  return { apiUrl, apiUrlExplicit, kubeconfig: env.raw('KUBECONFIG') };
}

/** client-go's JitterFactor: the renew deadline must leave room for one jittered retry period. */
const leaseJitterFactor = 1.2;

function readLeaderElection(env: EnvironmentReader): Config['leaderElection'] {
  const enabled = env.boolean('LEGO_LEADER_ELECT');
  const leaseName = env.text('LEGO_LEASE_NAME');
  const leaseDurationMs = env.duration('LEGO_LEASE_DURATION', {
    minMs: 1000,
    belowMinimum: 'too short, accepted durations are 1s or longer',
  });
  const renewDeadlineMs = env.duration('LEGO_RENEW_DEADLINE', {
    minMs: Number.MIN_VALUE,
    belowMinimum: 'not positive, accepted are durations above 0s such as 10s',
  });
  const retryPeriodMs = env.duration('LEGO_RETRY_PERIOD', {
    minMs: 50,
    belowMinimum: 'too short, accepted durations are 50ms or longer',
  });
  const identity = env.raw('LEGO_POD_NAME') ?? env.raw('HOSTNAME') ?? '';
  if (enabled) {
    if (renewDeadlineMs >= leaseDurationMs) {
      env.invalid(
        'LEGO_RENEW_DEADLINE',
        env.text('LEGO_RENEW_DEADLINE'),
        `the renew deadline must be shorter than LEGO_LEASE_DURATION (${env.text('LEGO_LEASE_DURATION')}), or two replicas could lead at once`,
      );
    } else if (renewDeadlineMs <= leaseJitterFactor * retryPeriodMs) {
      env.invalid(
        'LEGO_RENEW_DEADLINE',
        env.text('LEGO_RENEW_DEADLINE'),
        `the renew deadline must be longer than ${leaseJitterFactor} times LEGO_RETRY_PERIOD (${env.text('LEGO_RETRY_PERIOD')}), or one late retry loses the Lease`,
      );
    }
    if (identity === '') {
      env.problem(
        'CONFIG_MISSING',
        'LEGO_POD_NAME',
        'Cannot elect a leader without an identity: set LEGO_POD_NAME from metadata.name with the downward API (HOSTNAME is used when it is unset), or set LEGO_LEADER_ELECT=false',
      );
    }
  }
  return { enabled, leaseName, identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

function readLog(env: EnvironmentReader): Config['log'] {
  const levelText = env.text('LEGO_LOG_LEVEL');
  let level = logLevels.find((candidate) => candidate === levelText.toLowerCase());
  if (level === undefined) {
    // kube-lego silently logs at info on an unknown level; keep the level, but say so.
    env.warn(
      'CONFIG_LOG_LEVEL_UNKNOWN',
      'LEGO_LOG_LEVEL',
      `Unknown LEGO_LOG_LEVEL=${JSON.stringify(levelText)}: logging at info, accepted values are ${logLevels.join(', ')}`,
    );
    level = 'info';
  }
  const type = env.choice('LEGO_LOG_TYPE', ['text', 'json'] as const) ?? 'text';
  return { level, type };
}

const documentationOrder: ReadonlyMap<string, number> = new Map(
  CONFIG_VARIABLES.map((variable, index) => [variable.name, index]),
);

/** Reports in the order of docs/configuration.md, so related variables stay together. */
function inDocumentationOrder<T extends { readonly variable: string }>(items: readonly T[]): T[] {
  const position = (item: T): number => documentationOrder.get(item.variable) ?? Number.MAX_SAFE_INTEGER;
  return [...items].sort((a, b) => position(a) - position(b));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Names and keys used in API requests must follow Kubernetes' rules: refused here, not by the API server. */
function checkNames(env: EnvironmentReader): void {
  const checks: [ConfigVariableName, (value: string) => string | undefined][] = [
    ['LEGO_NAMESPACE', namespaceNameProblem],
    ['LEGO_SECRET_NAME', (value) => objectNameProblem(value, 'Secret')],
    ['LEGO_WATCH_NAMESPACE', namespaceNameProblem],
    ['LEGO_KUBE_ANNOTATION', annotationKeyProblem],
    ['LEGO_LEASE_NAME', (value) => objectNameProblem(value, 'Lease')],
  ];
  for (const [name, check] of checks) {
    const value = env.raw(name);
    if (value === undefined) continue;
    const problem = check(value);
    if (problem !== undefined) env.invalid(name, value, problem);
  }
}

function readMinimumValidity(reader: EnvironmentReader): number {
  return reader.duration('LEGO_MINIMUM_VALIDITY', {
    minMs: 24 * hourMs,
    belowMinimum:
      'the smallest allowed minimum validity is 24 hours, accepted are durations of 24h or longer',
  });
}

/** A partial configuration once read: the names checked, the problems and warnings in documentation order. */
function partialResult<T>(reader: EnvironmentReader, config: T): PartialConfigResult<T> {
  checkNames(reader);
  const warnings = deepFreeze(inDocumentationOrder(reader.warnings));
  if (reader.problems.length > 0)
    return { ok: false, problems: deepFreeze(inDocumentationOrder(reader.problems)), warnings };
  return { ok: true, config: deepFreeze(config), warnings };
}

/**
 * The part of the configuration that decides what the controller does with a certificate (the opt-in
 * annotation, the class and provider rules, the ACME directory, the minimum validity), read from the same
 * LEGO_* variables with the same defaults: what `kube-lego status`, `explain` and `renew` need, without the
 * controller's own requirements (LEGO_EMAIL).
 */
export function loadDecisionConfig(env: Readonly<Record<string, string | undefined>>): DecisionConfigResult {
  const reader = new EnvironmentReader(env);
  const config: DecisionConfig = {
    ingress: readIngress(reader),
    directoryUrl: readDirectoryUrl(reader),
    minimumValidityMs: readMinimumValidity(reader),
    profile: readProfile(reader),
    dns01: {
      configured: reader.isSet('LEGO_DNS01_RFC2136_NAMESERVER'),
      default: reader.boolean('LEGO_DNS01_DEFAULT'),
    },
  };
  return partialResult(reader, config);
}

/** The names of the objects the controller creates, for `kube-lego uninstall` (no LEGO_EMAIL needed). */
export function loadInstallationConfig(
  env: Readonly<Record<string, string | undefined>>,
): InstallationConfigResult {
  const reader = new EnvironmentReader(env);
  const config: InstallationConfig = {
    namespace: reader.raw('LEGO_NAMESPACE'),
    accountSecretName: reader.text('LEGO_SECRET_NAME'),
    leaseName: reader.text('LEGO_LEASE_NAME'),
    gceServiceName: reader.text('LEGO_SERVICE_NAME_GCE'),
    annotation: reader.text('LEGO_KUBE_ANNOTATION'),
    port: readPort(reader),
  };
  return partialResult(reader, config);
}

/**
 * Turns an environment snapshot into kube-lego's configuration. Pure: the caller passes the environment
 * (only the composition root passes `process.env`). Every problem is reported, not only the first.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const reader = new EnvironmentReader(env);
  const log = readLog(reader);
  const acme = readAcme(reader);
  const ingress = readIngress(reader);
  checkNames(reader);
  const port = readPort(reader);
  const config: Config = {
    namespace: reader.text('LEGO_NAMESPACE'),
    acme,
    keys: readKeys(reader),
    ingress,
    nginx: {
      serviceName:
        reader.raw('LEGO_SERVICE_NAME_NGINX') ??
        reader.raw('LEGO_SERVICE_NAME') ??
        reader.text('LEGO_SERVICE_NAME_NGINX'),
      ingressName:
        reader.raw('LEGO_INGRESS_NAME_NGINX') ??
        reader.raw('LEGO_INGRESS_NAME') ??
        reader.text('LEGO_INGRESS_NAME_NGINX'),
      serviceSelector: reader.text('LEGO_SERVICE_SELECTOR'),
    },
    gateway: {
      serviceName: reader.text('LEGO_SERVICE_NAME_GATEWAY'),
      challengeNamespace: readChallengeNamespace(reader),
    },
    gce: {
      serviceName: reader.text('LEGO_SERVICE_NAME_GCE'),
      podIp: readPodIp(reader, ingress.supportedProviders),
    },
    port,
    metricsPort: readMetricsPort(reader, port),
    renewal: {
      checkIntervalMs: reader.duration('LEGO_CHECK_INTERVAL', {
        minMs: 5 * minuteMs,
        belowMinimum: 'the minimum check interval is 5 minutes, accepted are durations of 5m or longer',
      }),
      minimumValidityMs: readMinimumValidity(reader),
    },
    backoff: readBackoff(reader),
    temporaryCertificate: reader.boolean('LEGO_TEMPORARY_CERTIFICATE'),
    servedCheck: {
      enabled: reader.boolean('LEGO_SERVED_CHECK'),
      firstIntervalMs: reader.duration('LEGO_SERVED_CHECK_INTERVAL', {
        minMs: 100,
        belowMinimum: 'too short, accepted are durations of 100ms or longer such as 10s',
      }),
      timeoutMs: reader.duration('LEGO_SERVED_CHECK_TIMEOUT', {
        minMs: 1000,
        belowMinimum: 'too short, accepted are durations of 1s or longer such as 30m',
      }),
      port: reader.integer('LEGO_SERVED_CHECK_PORT', {
        min: 1,
        max: 65535,
        accepted: 'integers from 1 to 65535',
      }),
    },
    selfCheck: {
      enabled: reader.boolean('LEGO_SELF_CHECK'),
      timeoutMs: reader.duration('LEGO_SELF_CHECK_TIMEOUT', {
        minMs: Number.MIN_VALUE,
        belowMinimum: 'not positive, accepted are durations above 0s such as 10s',
      }),
      delayMs: reader.duration('LEGO_SELF_CHECK_DELAY', {
        minMs: 0,
        belowMinimum: 'negative, accepted are durations of 0s or longer',
      }),
    },
    dns01: readDns01(reader),
    kube: readKube(reader),
    leaderElection: readLeaderElection(reader),
    log,
  };
  const warnings = deepFreeze(inDocumentationOrder(reader.warnings));
  if (reader.problems.length > 0) {
    return {
      ok: false,
      problems: deepFreeze(inDocumentationOrder(reader.problems)),
      warnings,
      log: deepFreeze(log),
    };
  }
  return { ok: true, config: deepFreeze(config), warnings };
}
