import { DNS01_SETUP_HINT, requestedChallenge } from './challenge-choice.js';
import { checkHostName, type ChallengeType, type HostProblemCode } from './host-name.js';
import {
  secretKey,
  type CertificateSource,
  type ClassSource,
  type DesiredCertificate,
  type SourceRef,
  type IngressView,
  type SecretKey,
} from './types.js';

/** The legacy class annotation, read when `spec.ingressClassName` is unset. */
export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** kube-lego's provider annotation. */
export const PROVIDER_ANNOTATION = 'kubernetes.io/ingress.provider';

/** The settings that turn Ingresses into desired certificates; filled by the composition root from config. */
export interface DesiredPolicy {
  /** Opt-in annotation key (`LEGO_KUBE_ANNOTATION`, default `kubernetes.io/tls-acme`). */
  readonly annotationKey: string;
  /** `LEGO_SUPPORTED_INGRESS_CLASS`, compared case-insensitively. */
  readonly supportedClasses: readonly string[];
  /** `LEGO_DEFAULT_INGRESS_CLASS`, used when an Ingress names no class. */
  readonly defaultClass: string;
  /** Providers this process can route challenges for. */
  readonly supportedProviders: readonly string[];
  /** `LEGO_DEFAULT_INGRESS_PROVIDER`. */
  readonly defaultProvider: string;
  /** The challenge of names that are not wildcards, unless annotated (`LEGO_DNS01_DEFAULT`: dns-01). */
  readonly challengeType: ChallengeType;
  /** Whether a dns-01 solver is configured (`LEGO_DNS01_RFC2136_*`): wildcards and dns-01 names need it. */
  readonly dns01Configured: boolean;
  /** Most names the CA accepts in one order (100 for Let's Encrypt's classic profile). */
  readonly maxNamesPerCertificate: number;
}

/** Why a `spec.tls[]` entry (or a whole Ingress) yields no certificate. */
export type DesiredProblemCode =
  | HostProblemCode
  | 'NoHosts'
  | 'EmptySecretName'
  | 'TooManyNames'
  | 'SecretConflict'
  | 'UnsupportedProvider'
  | 'InvalidChallenge'
  | 'Dns01NotConfigured';

/** A configuration problem to report on the Ingress (log line and Warning Event). */
export interface DesiredProblem {
  readonly code: DesiredProblemCode;
  readonly ingress: SourceRef;
  /** Index in `spec.tls`; absent when the problem concerns the whole Ingress. */
  readonly tlsIndex?: number;
  readonly key?: SecretKey;
  readonly hosts: readonly string[];
  readonly message: string;
}

/** Why an Ingress is not considered at all (kube-lego's `ignoring as ...` lines). */
export type IgnoreReason = 'NoAnnotation' | 'AnnotationNotTrue' | 'UnsupportedClass';

/** An Ingress kube-lego does not manage, with kube-lego's log line. */
export interface IgnoredIngress {
  readonly ingress: SourceRef;
  readonly reason: IgnoreReason;
  readonly message: string;
}

/** Everything the Ingresses ask for. */
export interface DesiredState {
  /** Sorted by key. */
  readonly certificates: readonly DesiredCertificate[];
  readonly problems: readonly DesiredProblem[];
  readonly ignored: readonly IgnoredIngress[];
}

interface Selected {
  readonly ingress: IngressView;
  readonly ref: SourceRef;
  readonly class: string;
  readonly classSource: ClassSource;
  readonly provider: string;
}

interface Claim {
  readonly ingress: SourceRef;
  readonly source: CertificateSource;
  readonly hosts: readonly string[];
  readonly provider: string;
  readonly class: string;
  readonly challenge: ChallengeType;
}

/** The group version and kind an IngressView is read from. */
export const INGRESS_KIND = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' } as const;

function refOf(ingress: IngressView): SourceRef {
  const ref = { ...INGRESS_KIND, namespace: ingress.namespace, name: ingress.name };
  return ingress.uid === undefined ? ref : { ...ref, uid: ingress.uid };
}

function describe(ref: SourceRef): string {
  return `"${ref.namespace}/${ref.name}"`;
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function resolveClass(ingress: IngressView, policy: DesiredPolicy): { name: string; source: ClassSource } {
  if (ingress.ingressClassName !== undefined) {
    return { name: ingress.ingressClassName.toLowerCase(), source: 'ingressClassName' };
  }
  const annotated = ingress.annotations[CLASS_ANNOTATION];
  if (annotated !== undefined) return { name: annotated.toLowerCase(), source: 'annotation' };
  return { name: policy.defaultClass.toLowerCase(), source: 'default' };
}

function resolveProvider(ingress: IngressView, ingressClass: string, policy: DesiredPolicy): string {
  const annotated = ingress.annotations[PROVIDER_ANNOTATION];
  if (annotated !== undefined) return annotated.toLowerCase();
  if (ingressClass === 'nginx' || ingressClass === 'gce') return ingressClass;
  return policy.defaultProvider.toLowerCase();
}

function select(ingress: IngressView, policy: DesiredPolicy): Selected | IgnoredIngress {
  const ref = refOf(ingress);
  const optIn = ingress.annotations[policy.annotationKey];
  if (optIn === undefined) {
    return {
      ingress: ref,
      reason: 'NoAnnotation',
      message: `ignoring as has no annotation '${policy.annotationKey}'`,
    };
  }
  if (optIn.toLowerCase() !== 'true') {
    return {
      ingress: ref,
      reason: 'AnnotationNotTrue',
      message: `ignoring as annotation '${policy.annotationKey}' is not true`,
    };
  }
  const ingressClass = resolveClass(ingress, policy);
  const supported = policy.supportedClasses.some((c) => c.toLowerCase() === ingressClass.name);
  if (!supported) {
    return {
      ingress: ref,
      reason: 'UnsupportedClass',
      message: `ignoring as unsupported ingress class '${ingressClass.name}'. Did you you forget to specify LEGO_DEFAULT_INGRESS_CLASS ?`,
    };
  }
  const provider = resolveProvider(ingress, ingressClass.name, policy);
  return { ingress, ref, class: ingressClass.name, classSource: ingressClass.source, provider };
}

/** Lower-cases, trims and de-duplicates hosts, keeping the first occurrence's position. */
export function normaliseHosts(hosts: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const host of hosts) {
    const name = host.trim().toLowerCase();
    if (name !== '') seen.add(name);
  }
  return [...seen];
}

function checkEntry(selected: Selected, tlsIndex: number, policy: DesiredPolicy): Claim | DesiredProblem[] {
  const entry = selected.ingress.tls[tlsIndex];
  const hosts = normaliseHosts(entry?.hosts ?? []);
  const where = `spec.tls[${tlsIndex}] of ingress ${describe(selected.ref)}`;
  const base = { ingress: selected.ref, tlsIndex, hosts };
  if (hosts.length === 0) {
    return [
      {
        ...base,
        code: 'NoHosts',
        message: `Cannot issue a certificate for ${where}: it lists no hosts, add the hosts the certificate is for`,
      },
    ];
  }
  const secretName = entry?.secretName ?? '';
  if (secretName === '') {
    return [
      {
        ...base,
        code: 'EmptySecretName',
        message: `Cannot issue certificate for "${hosts.join(', ')}": ${where} has an empty secretName, set the Secret to store it in`,
      },
    ];
  }
  const key = secretKey(selected.ingress.namespace, secretName);
  const problems: DesiredProblem[] = [];
  const challenge = requestedChallenge(selected.ingress.annotations, policy.challengeType);
  if (!challenge.ok) {
    problems.push({
      ...base,
      key,
      code: 'InvalidChallenge',
      message: `Cannot issue certificate for "${hosts.join(', ')}": ${challenge.detail}`,
    });
  } else if (challenge.challenge === 'dns-01' && !policy.dns01Configured) {
    problems.push({
      ...base,
      key,
      code: 'Dns01NotConfigured',
      message: `Cannot issue certificate for "${hosts.join(', ')}": ${where} asks for the dns-01 challenge, which is not configured: ${DNS01_SETUP_HINT}`,
    });
  }
  for (const host of hosts) {
    const bad = checkHostName(host, policy.dns01Configured);
    if (bad)
      problems.push({
        ...base,
        key,
        code: bad.code,
        message: `Cannot issue certificate for "${host}": ${bad.detail}`,
      });
  }
  if (hosts.length > policy.maxNamesPerCertificate) {
    problems.push({
      ...base,
      key,
      code: 'TooManyNames',
      message: `Cannot issue certificate for secret "${key}": ${where} has ${hosts.length} names, the CA allows at most ${policy.maxNamesPerCertificate}; split the entry into several`,
    });
  }
  if (problems.length > 0) return problems;
  const source: CertificateSource = { ...selected.ref, tlsIndex, classSource: selected.classSource };
  const claim = { ingress: selected.ref, source, hosts, provider: selected.provider, class: selected.class };
  return { ...claim, challenge: challenge.ok ? challenge.challenge : 'http-01' };
}

function sameHostSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((host) => b.includes(host));
}

function compareSources(a: CertificateSource, b: CertificateSource): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || a.tlsIndex - b.tlsIndex;
}

function uniqueSources(claims: readonly Claim[]): CertificateSource[] {
  const out: CertificateSource[] = [];
  for (const { source } of claims) {
    if (
      !out.some(
        (s) => s.namespace === source.namespace && s.name === source.name && s.tlsIndex === source.tlsIndex,
      )
    ) {
      out.push(source);
    }
  }
  return out;
}

function conflictProblems(key: SecretKey, claims: readonly Claim[]): DesiredProblem[] {
  const claimants = claims
    .map(
      (c) =>
        `ingress ${describe(c.source)} spec.tls[${c.source.tlsIndex}] (${c.hosts.join(', ')}; provider ${c.provider})`,
    )
    .join(' and ');
  const message = `Cannot issue certificate for secret "${key}": it is claimed with different hosts or providers by ${claimants}; give each entry its own secretName or the same hosts`;
  return claims.map((c) => ({
    code: 'SecretConflict',
    ingress: c.ingress,
    tlsIndex: c.source.tlsIndex,
    key,
    hosts: c.hosts,
    message,
  }));
}

function merge(key: SecretKey, claims: readonly Claim[]): DesiredCertificate | DesiredProblem[] {
  const sorted = [...claims].sort((a, b) => compareSources(a.source, b.source));
  const [first] = sorted;
  if (first === undefined) return [];
  const agree = sorted.every((c) => c.provider === first.provider && sameHostSet(c.hosts, first.hosts));
  if (!agree) return conflictProblems(key, sorted);
  const [namespace, secretName] = splitKey(key);
  return {
    key,
    namespace,
    secretName,
    hosts: first.hosts,
    sources: uniqueSources(sorted),
    provider: first.provider,
    class: first.class,
    ...(first.challenge === 'dns-01' ? { challenge: first.challenge } : {}),
  };
}

function splitKey(key: SecretKey): readonly [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function unsupportedProvider(selected: Selected, policy: DesiredPolicy): DesiredProblem | undefined {
  if (policy.supportedProviders.some((p) => p.toLowerCase() === selected.provider)) return undefined;
  const hosts = normaliseHosts(selected.ingress.tls.flatMap((t) => t.hosts ?? []));
  return {
    code: 'UnsupportedProvider',
    ingress: selected.ref,
    hosts,
    message: `Cannot issue certificates for ingress ${describe(selected.ref)}: provider "${selected.provider}" is not supported, set annotation ${PROVIDER_ANNOTATION} to one of ${policy.supportedProviders.join(', ')} or enable the provider in LEGO_SUPPORTED_INGRESS_PROVIDER`,
  };
}

/**
 * Computes the certificates the Ingresses ask for: one per `spec.tls[]` entry of every opted-in Ingress
 * of a supported class, with a problem for every entry that cannot be issued. A Secret claimed by
 * entries that disagree on hosts or provider is reported on every claimant and not issued at all, so
 * neither side can overwrite the other's certificate.
 *
 * @example
 * const { certificates, problems } = desiredCertificates(ingresses, policy);
 */
export function desiredCertificates(ingresses: readonly IngressView[], policy: DesiredPolicy): DesiredState {
  const ignored: IgnoredIngress[] = [];
  const problems: DesiredProblem[] = [];
  const claims = new Map<SecretKey, Claim[]>();
  for (const ingress of ingresses) {
    const selected = select(ingress, policy);
    if (!('class' in selected)) {
      ignored.push(selected);
      continue;
    }
    const providerProblem = unsupportedProvider(selected, policy);
    if (providerProblem) {
      problems.push(providerProblem);
      continue;
    }
    selected.ingress.tls.forEach((_, tlsIndex) => {
      const checked = checkEntry(selected, tlsIndex, policy);
      if (Array.isArray(checked)) {
        problems.push(...checked);
        return;
      }
      const key = secretKey(selected.ingress.namespace, selected.ingress.tls[tlsIndex]?.secretName ?? '');
      claims.set(key, [...(claims.get(key) ?? []), checked]);
    });
  }
  const certificates: DesiredCertificate[] = [];
  for (const key of [...claims.keys()].sort(compareText)) {
    const merged = merge(key, claims.get(key) ?? []);
    if (Array.isArray(merged)) problems.push(...merged);
    else certificates.push(merged);
  }
  return { certificates, problems, ignored };
}
