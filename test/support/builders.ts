// Small builders with modifiers for the pure core's table tests:
//   ingress('web', withTls(['a.example'], 'web-tls'), withAnnotation('kubernetes.io/ingress.class', 'gce'))
import type { NginxChallengeSettings } from '../../src/domain/challenge-routing.js';
import type { DecisionPolicy } from '../../src/domain/decide.js';
import { INGRESS_KIND, type DesiredPolicy } from '../../src/domain/desired.js';
import type { PlanPolicy } from '../../src/domain/plan.js';
import { MANAGED_LABEL, formatIssuanceRecord } from '../../src/domain/secret-annotations.js';
import {
  secretKey,
  type CertInfo,
  type DesiredCertificate,
  type IngressRuleView,
  type IngressView,
  type IssuanceRecord,
  type SecretKey,
  type SecretSnapshot,
} from '../../src/domain/types.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;
export const MINUTE_MS = 60 * 1000;
/** A fixed "now" for tests: 2026-11-28T12:00:00Z. */
export const NOW_MS = Date.UTC(2026, 10, 28, 12, 0, 0);
export const OPT_IN = 'kubernetes.io/tls-acme';
export const PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** The nginx provider's settings with kube-lego's defaults, in namespace kube-lego. */
export const NGINX_SETTINGS: NginxChallengeSettings = {
  namespace: 'kube-lego',
  serviceName: 'kube-lego-nginx',
  ingressName: 'kube-lego-nginx',
  port: 8080,
  serviceSelector: 'kube-lego',
  defaultClass: 'nginx',
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
type IngressDraft = Mutable<IngressView> & { annotations: Record<string, string> };

/** A modifier of an Ingress under construction. */
export type IngressModifier = (draft: IngressDraft) => void;

/** An opted-in Ingress in namespace `default` (pass withoutOptIn() to drop the annotation). */
export function ingress(name: string, ...modifiers: IngressModifier[]): IngressView {
  const draft: IngressDraft = {
    namespace: 'default',
    name,
    annotations: { [OPT_IN]: 'true' },
    tls: [],
    rules: [],
  };
  for (const modify of modifiers) modify(draft);
  return draft;
}

export const inNamespace =
  (namespace: string): IngressModifier =>
  (d) => {
    d.namespace = namespace;
  };

export const withTls =
  (hosts: readonly string[], secretName: string): IngressModifier =>
  (d) => {
    d.tls.push({ hosts, secretName });
  };

export const withTlsEntry =
  (entry: { hosts?: readonly string[]; secretName?: string }): IngressModifier =>
  (d) => {
    d.tls.push(entry);
  };

export const withAnnotation =
  (key: string, value: string): IngressModifier =>
  (d) => {
    d.annotations[key] = value;
  };

export const withoutOptIn = (): IngressModifier => (d) => {
  d.annotations = Object.fromEntries(Object.entries(d.annotations).filter(([key]) => key !== OPT_IN));
};

export const withClassName =
  (className: string): IngressModifier =>
  (d) => {
    d.ingressClassName = className;
  };

export const withUid =
  (uid: string): IngressModifier =>
  (d) => {
    d.uid = uid;
  };

export const withRules =
  (...rules: IngressRuleView[]): IngressModifier =>
  (d) => {
    d.rules.push(...rules);
  };

/** A rule for `host` with one Prefix path to `service:port`. */
export function rule(
  host: string | undefined,
  paths: readonly [string, string, number][] = [],
): IngressRuleView {
  const http =
    paths.length === 0
      ? {}
      : {
          http: {
            paths: paths.map(([path, service, port]) => ({
              path,
              pathType: 'Prefix',
              backend: { service: { name: service, port: { number: port } } },
            })),
          },
        };
  return { ...(host === undefined ? {} : { host }), ...http };
}

/** kube-lego's defaults as the config module will fill them. */
export function desiredPolicy(overrides: Partial<DesiredPolicy> = {}): DesiredPolicy {
  return {
    annotationKey: OPT_IN,
    supportedClasses: ['nginx', 'gce'],
    defaultClass: 'nginx',
    supportedProviders: ['nginx', 'gce'],
    defaultProvider: 'nginx',
    challengeType: 'http-01',
    maxNamesPerCertificate: 100,
    ...overrides,
  };
}

export function decisionPolicy(overrides: Partial<DecisionPolicy> = {}): DecisionPolicy {
  return { directoryUrl: PRODUCTION, minimumValidityMs: 30 * DAY_MS, ...overrides };
}

export function planPolicy(overrides: Partial<PlanPolicy> = {}): PlanPolicy {
  return { ...desiredPolicy(), ...decisionPolicy(), ...overrides };
}

/** A desired certificate as desiredCertificates() would produce it. */
export function desired(
  hosts: readonly string[],
  secretName = 'web-tls',
  namespace = 'default',
): DesiredCertificate {
  return {
    key: secretKey(namespace, secretName),
    namespace,
    secretName,
    hosts,
    sources: [{ ...INGRESS_KIND, namespace, name: 'web', tlsIndex: 0, classSource: 'default' }],
    provider: 'nginx',
    class: 'nginx',
  };
}

/** A CA-issued certificate for `dnsNames`, valid `lifetimeMs` from `notBeforeMs`. */
export function cert(dnsNames: readonly string[], overrides: Partial<CertInfo> = {}): CertInfo {
  const notBeforeMs = overrides.notBeforeMs ?? NOW_MS - 10 * DAY_MS;
  return {
    dnsNames,
    ipAddresses: [],
    notBeforeMs,
    notAfterMs: notBeforeMs + 90 * DAY_MS,
    issuerCn: 'R12',
    selfSigned: false,
    keyMatchesCert: true,
    ...overrides,
  };
}

/** A valid-for-`lifetimeDays` certificate that started `ageDays` before NOW_MS. */
export function certAged(dnsNames: readonly string[], ageDays: number, lifetimeDays = 90): CertInfo {
  const notBeforeMs = NOW_MS - ageDays * DAY_MS;
  return cert(dnsNames, { notBeforeMs, notAfterMs: notBeforeMs + lifetimeDays * DAY_MS });
}

export function record(overrides: Partial<IssuanceRecord> = {}): IssuanceRecord {
  return { failures: 0, ...overrides };
}

type SecretDraft = Mutable<SecretSnapshot> & {
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

/** A modifier of a Secret snapshot under construction. */
export type SecretModifier = (draft: SecretDraft) => void;

/** A `kubernetes.io/tls` Secret with `tls.crt` and `tls.key` holding `certInfo` (not ours unless modified). */
export function secret(
  name: string,
  certInfo: CertInfo | undefined,
  ...modifiers: SecretModifier[]
): SecretSnapshot {
  const draft: SecretDraft = {
    namespace: 'default',
    name,
    type: 'kubernetes.io/tls',
    labels: {},
    annotations: {},
    dataKeys: ['tls.crt', 'tls.key'],
    certificate: certInfo === undefined ? { state: 'missing' } : { state: 'parsed', info: certInfo },
  };
  for (const modify of modifiers) modify(draft);
  return draft;
}

export const managed = (): SecretModifier => (d) => {
  d.labels[MANAGED_LABEL] = 'true';
};

export const legacyAnnotated =
  (key = OPT_IN): SecretModifier =>
  (d) => {
    d.annotations[key] = 'true';
  };

export const withRecord =
  (value: IssuanceRecord): SecretModifier =>
  (d) => {
    Object.assign(d.annotations, formatIssuanceRecord(value));
  };

export const withType =
  (type: string): SecretModifier =>
  (d) => {
    d.type = type;
  };

export const withDataKeys =
  (...keys: string[]): SecretModifier =>
  (d) => {
    d.dataKeys = keys;
  };

export const withSecretAnnotation =
  (key: string, value: string): SecretModifier =>
  (d) => {
    d.annotations[key] = value;
  };

export const withInvalidCert =
  (problem: string): SecretModifier =>
  (d) => {
    d.certificate = { state: 'invalid', problem };
  };

/** Secrets by their key, as plan() and the status take them. */
export function secretsByKey(...list: SecretSnapshot[]): Map<SecretKey, SecretSnapshot> {
  return new Map(list.map((s) => [`${s.namespace}/${s.name}` as const, s]));
}
