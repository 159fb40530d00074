import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConnectionSource } from '../adapters/kube/kube-connection.js';
import type { Config, ConfigProblem, DecisionConfig } from '../config/config.js';
import type { Dns01Config } from '../config/dns01-config.js';
import type { PlanPolicy } from '../domain/plan.js';
import type { Logger } from '../log/logger.js';
import type { Log } from '../ports/log.js';
import { USER_AGENT, VERSION } from '../version.js';
import type { KeySpec } from '../x509/private-key.js';
import type { ControllerSettings } from './controller-settings.js';
import { readCaFile } from './ca-file.js';
import { startControllerRuntime, type RunningController } from './lifecycle.js';

/** Where a pod's service account is mounted. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** kube-lego 0.1.7's development fallback: a kubeconfig file named `kubeconfig` in the working directory. */
const LOCAL_KUBECONFIG = 'kubeconfig';

/** What the composition root may look at on disk (injected by tests). */
export interface HostFiles {
  exists(path: string): boolean;
  read(path: string): string;
  readonly cwd: string;
}

const realFiles: HostFiles = {
  exists: (path) => existsSync(path),
  read: (path) => readFileSync(path, 'utf8'),
  cwd: process.cwd(),
};

/**
 * The API server connection, in kube-lego's order: in-cluster service account; else an explicit
 * LEGO_KUBE_API_URL; else KUBECONFIG (its first file); else `./kubeconfig`; else LEGO_KUBE_API_URL's default.
 * In-cluster talks to `kubernetes.default.svc`, which the service-account CA certifies.
 */
export function kubeSource(config: Config, files: HostFiles): KubeConnectionSource {
  if (files.exists(join(SERVICE_ACCOUNT_DIR, 'token'))) {
    return {
      kind: 'in-cluster',
      host: 'kubernetes.default.svc',
      port: '443',
      serviceAccountDir: SERVICE_ACCOUNT_DIR,
    };
  }
  if (config.kube.apiUrlExplicit) return { kind: 'url', url: config.kube.apiUrl };
  const fromEnv = config.kube.kubeconfig?.split(':').find((path) => path !== '');
  if (fromEnv !== undefined) return { kind: 'kubeconfig', path: fromEnv };
  const local = join(files.cwd, LOCAL_KUBECONFIG);
  if (files.exists(local)) return { kind: 'kubeconfig', path: local };
  return { kind: 'url', url: config.kube.apiUrl };
}

function keySpec(config: Config): KeySpec {
  switch (config.keys.type) {
    case 'ecdsa-p256':
      return { type: 'ecdsa', curve: 'P-256' };
    case 'ecdsa-p384':
      return { type: 'ecdsa', curve: 'P-384' };
    case 'rsa':
      return {
        type: 'rsa',
        bits: config.keys.rsaBits >= 4096 ? 4096 : config.keys.rsaBits >= 3072 ? 3072 : 2048,
      };
  }
}

/** The controller's settings, or the configuration problems found reading the files the config names. */
export type SettingsResult =
  | { readonly ok: true; readonly settings: ControllerSettings }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * Turns the configuration into the controller's settings, reading the files it names (LEGO_ACME_CA_FILE)
 * once, here. The self-check keeps kube-lego's per-host retry budget (LEGO_EXPONENTIAL_BACKOFF_*): tries
 * spaced by the initial interval until the budget ends.
 */
export function controllerSettings(config: Config, files: HostFiles = realFiles): SettingsResult {
  let caPem: string | undefined;
  if (config.acme.caFile !== undefined) {
    const ca = readCaFile(config.acme.caFile, (path) => files.read(path));
    if (!ca.ok) return { ok: false, problems: [ca.problem] };
    caPem = ca.pem;
  }
  return { ok: true, settings: settingsOf(config, files, caPem) };
}

function settingsOf(config: Config, files: HostFiles, caPem: string | undefined): ControllerSettings {
  const eab = config.acme.externalAccountBinding;
  const budgetMs = config.backoff.maxElapsedTimeMs === 0 ? 5 * 60_000 : config.backoff.maxElapsedTimeMs;
  const intervalMs = Math.max(1000, config.backoff.initialIntervalMs);
  const tries = Math.max(1, Math.min(10, Math.ceil(budgetMs / (config.selfCheck.timeoutMs + intervalMs))));
  return {
    kube: kubeSource(config, files),
    version: VERSION,
    userAgent: USER_AGENT,
    watchNamespace: config.ingress.watchNamespace ?? '',
    namespace: config.namespace,
    accountSecretName: config.acme.accountSecretName,
    email: config.acme.email,
    directoryUrl: config.acme.directoryUrl,
    ...(caPem === undefined ? {} : { acmeCaPem: caPem }),
    ...(eab === undefined ? {} : { eab: { kid: eab.keyId, hmacKey: eab.hmacKey.reveal() } }),
    ...(config.acme.profile === undefined ? {} : { profile: config.acme.profile }),
    ...(config.acme.preferredChain === undefined ? {} : { preferredChain: config.acme.preferredChain }),
    keySpec: keySpec(config),
    port: config.port,
    metricsPort: config.metricsPort,
    selfCheck: {
      enabled: config.selfCheck.enabled,
      timeoutMs: config.selfCheck.timeoutMs,
      delayMs: config.selfCheck.delayMs,
      tries,
      intervalMs,
    },
    nginx: config.nginx,
    gce: { serviceName: config.gce.serviceName, podIp: config.gce.podIp },
    gateway: {
      serviceName: config.gateway.serviceName,
      routeNamespace: config.gateway.challengeNamespace,
    },
    policy: planPolicy({
      ingress: config.ingress,
      directoryUrl: config.acme.directoryUrl,
      minimumValidityMs: config.renewal.minimumValidityMs,
      profile: config.acme.profile,
      dns01: { configured: config.dns01 !== undefined, default: config.dns01?.default ?? false },
    }),
    checkIntervalMs: config.renewal.checkIntervalMs,
    ari: config.acme.ari,
    maxConcurrentOrders: config.acme.maxConcurrentOrders,
    issuanceTimeoutMs: config.acme.issuanceTimeoutMs,
    ...(config.leaderElection.enabled ? { leaderElection: config.leaderElection } : {}),
    temporaryCertificate: config.temporaryCertificate,
    servedCheck: config.servedCheck,
    ...(config.dns01 === undefined ? {} : { dns01: dns01Settings(config.dns01) }),
  };
}

function dns01Settings(dns01: Dns01Config): NonNullable<ControllerSettings['dns01']> {
  return {
    nameserver: dns01.nameserver,
    tsigKeyName: dns01.tsigKeyName,
    tsigAlgorithm: dns01.tsigAlgorithm,
    tsigSecretBase64: dns01.tsigSecret.reveal(),
    zones: dns01.zones,
    propagationTimeoutMs: dns01.propagationTimeoutMs,
  };
}

/** The policy of desiredCertificates() and decide(): the controller's, and `status`'s from the same variables. */
export function planPolicy(config: DecisionConfig): PlanPolicy {
  return {
    annotationKey: config.ingress.annotation,
    supportedClasses: config.ingress.supportedClasses,
    defaultClass: config.ingress.defaultClass,
    supportedProviders: config.ingress.supportedProviders,
    defaultProvider: config.ingress.defaultProvider,
    challengeType: config.dns01.default ? 'dns-01' : 'http-01',
    dns01Configured: config.dns01.configured,
    maxNamesPerCertificate: 100,
    directoryUrl: config.directoryUrl,
    minimumValidityMs: config.minimumValidityMs,
    profile: config.profile,
  };
}

/**
 * The composition root: builds every adapter from the settings, starts the controller and stops
 * it gracefully on SIGTERM or SIGINT (no new work, in-flight orders reach a safe point, then exit).
 * Resolves once the controller has stopped.
 */
export async function startController(settings: ControllerSettings, logger: Logger): Promise<void> {
  // The project logger satisfies the controller's narrow Log port.
  const log: Log = logger;
  const kubeLog = log.with({ context: 'kubelego' });
  const controller: RunningController = await startControllerRuntime(settings, log);
  const onSignal = (signal: NodeJS.Signals): void => {
    kubeLog.debug('received signal', { signal });
    void controller.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await controller.stopped;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
