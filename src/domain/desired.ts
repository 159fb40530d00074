import { DNS01_SETUP_HINT, requestedChallenge } from './challenge-choice.js';
import { describeSource, sameChallengeRoute, type CertificateClaim } from './certificate-claim.js';
import { gatewayClaims } from './gateway-claims.js';
import { NO_GATEWAY_SOURCES, type GatewaySources } from './gateway-types.js';
import { notOptedIn } from './opt-in.js';
import { describeProfile, requestedProfile, type OfferedProfiles } from './profile-choice.js';
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
  /** `LEGO_ACME_PROFILE`: the profile of certificates whose source names none; undefined = the CA's default. */
  readonly profile?: string | undefined;
  /** The directory's `meta.profiles` once read: a `kube-lego/profile` naming another is refused. */
  readonly offeredProfiles?: OfferedProfiles | undefined;
}

/** Why a `spec.tls[]` entry or a listener (or a whole source) yields no certificate. */
export type DesiredProblemCode =
  | HostProblemCode
  | 'NoHosts'
  | 'EmptySecretName'
  | 'TooManyNames'
  | 'SecretConflict'
  | 'UnsupportedProvider'
  | 'InvalidChallenge'
  /** `kube-lego/profile` is not a name the CA's directory offers (or the CA offers no profiles). */
  | 'InvalidProfile'
  | 'Dns01NotConfigured'
  /** A Gateway listener's hostname has no port-80 HTTP listener to answer http-01 through. */
  | 'NoHttpListener'
  /** A listener names a Secret in another namespace and no ReferenceGrant there allows it. */
  | 'ReferenceNotGranted'
  /** A ListenerSet's Gateway does not accept ListenerSets from its namespace (`spec.allowedListeners`). */
  | 'ListenerSetNotAllowed';

/** A configuration problem to report on its source (log line and Warning Event). */
export interface DesiredProblem {
  readonly code: DesiredProblemCode;
  /** The object the problem is reported on: an Ingress, a Gateway or a ListenerSet. */
  readonly ingress: SourceRef;
  /** Index in `spec.tls` (or `spec.listeners`); absent when the problem concerns the whole source. */
  readonly tlsIndex?: number;
  readonly key?: SecretKey;
  readonly hosts: readonly string[];
  readonly message: string;
}

/** Why an Ingress is not considered at all (kube-lego's `ignoring as ...` lines). */
export type IgnoreReason = 'NoAnnotation' | 'AnnotationNotTrue' | 'UnsupportedClass';

/** A source (Ingress or Gateway) kube-lego does not manage, with kube-lego's log line. */
export interface IgnoredIngress {
  readonly ingress: SourceRef;
  readonly reason: IgnoreReason;
  readonly message: string;
}

/** Everything the Ingresses and Gateways ask for. */
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
  const ignored = notOptedIn(ingress.annotations, policy.annotationKey, ref);
  if (ignored !== undefined) return ignored;
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

function checkEntry(
  selected: Selected,
  tlsIndex: number,
  policy: DesiredPolicy,
): CertificateClaim | DesiredProblem[] {
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
  const profile = requestedProfile(selected.ingress.annotations, policy.profile, policy.offeredProfiles);
  if (!profile.ok) {
    problems.push({
      ...base,
      key,
      code: 'InvalidProfile',
      message: `Cannot issue certificate for "${hosts.join(', ')}" of ingress ${describe(selected.ref)}: ${profile.detail}`,
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
  const challengeType = challenge.ok ? challenge.challenge : 'http-01';
  return {
    source,
    hosts,
    provider: selected.provider,
    class: selected.class,
    challenge: challengeType,
    ...(profile.ok && profile.profile !== undefined ? { profile: profile.profile } : {}),
  };
}

function sameHostSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((host) => b.includes(host));
}

function compareSources(a: CertificateSource, b: CertificateSource): number {
  return (
    compareText(a.namespace, b.namespace) ||
    compareText(a.name, b.name) ||
    compareText(a.kind, b.kind) ||
    a.tlsIndex - b.tlsIndex
  );
}

function sameSource(a: CertificateSource, b: CertificateSource): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.tlsIndex === b.tlsIndex;
}

function uniqueSources(claims: readonly CertificateClaim[]): CertificateSource[] {
  const out: CertificateSource[] = [];
  for (const { source } of claims) {
    if (!out.some((s) => sameSource(s, source))) {
      out.push(source);
    }
  }
  return out;
}

function conflictProblems(
  key: SecretKey,
  claims: readonly CertificateClaim[],
  defaultProfile: string | undefined,
): DesiredProblem[] {
  const claimants = claims
    .map((c) => {
      const profile = c.profile ?? defaultProfile;
      const named = profile === undefined ? '' : `; ${describeProfile(profile)}`;
      return `${describeSource(c.source)} (${c.hosts.join(', ')}; provider ${c.provider}${named})`;
    })
    .join(' and ');
  const message = `Cannot issue certificate for secret "${key}": it is claimed with different hosts, providers, challenges or profiles by ${claimants}; give each entry its own secretName or the same hosts, kube-lego/challenge and kube-lego/profile`;
  return claims.map((c) => ({
    code: 'SecretConflict',
    ingress: sourceRefOf(c.source),
    tlsIndex: c.source.tlsIndex,
    key,
    hosts: c.hosts,
    message,
  }));
}

/** The object a source names, without the entry fields. */
function sourceRefOf(source: CertificateSource): SourceRef {
  const { apiVersion, kind, namespace, name } = source;
  const ref = { apiVersion, kind, namespace, name };
  return source.uid === undefined ? ref : { ...ref, uid: source.uid };
}

function merge(
  key: SecretKey,
  claims: readonly CertificateClaim[],
  defaultProfile: string | undefined,
): DesiredCertificate | DesiredProblem[] {
  const sorted = [...claims].sort((a, b) => compareSources(a.source, b.source));
  const [first] = sorted;
  if (first === undefined) return [];
  // A source that names no profile asks for the default one, so it agrees with a source naming that default.
  const profile = first.profile ?? defaultProfile;
  const agree = sorted.every(
    (c) =>
      c.provider === first.provider &&
      sameHostSet(c.hosts, first.hosts) &&
      sameChallengeRoute(c, first) &&
      (c.challenge ?? 'http-01') === (first.challenge ?? 'http-01') &&
      (c.profile ?? defaultProfile) === profile,
  );
  if (!agree) return conflictProblems(key, sorted, defaultProfile);
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
    ...(first.gatewayChallenge === undefined ? {} : { gatewayChallenge: first.gatewayChallenge }),
    ...(profile === undefined ? {} : { profile }),
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
 * Computes the certificates the Ingresses and Gateways ask for: one per `spec.tls[]` entry of every
 * opted-in Ingress of a supported class, and one per Secret named by the TLS listeners of every opted-in
 * Gateway (see gatewayClaims), with a problem for every entry that cannot be issued. A Secret claimed by
 * entries that disagree on hosts, provider or challenge route is reported on every claimant and not issued
 * at all, so neither side can overwrite the other's certificate.
 *
 * @example
 * const { certificates, problems } = desiredCertificates(ingresses, policy, gateways);
 */
export function desiredCertificates(
  ingresses: readonly IngressView[],
  policy: DesiredPolicy,
  gateways: GatewaySources = NO_GATEWAY_SOURCES,
): DesiredState {
  const ignored: IgnoredIngress[] = [];
  const problems: DesiredProblem[] = [];
  const claims = new Map<SecretKey, CertificateClaim[]>();
  const addClaim = (key: SecretKey, claim: CertificateClaim): void => {
    claims.set(key, [...(claims.get(key) ?? []), claim]);
  };
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
      addClaim(
        secretKey(selected.ingress.namespace, selected.ingress.tls[tlsIndex]?.secretName ?? ''),
        checked,
      );
    });
  }
  const fromGateways = gatewayClaims(gateways, policy);
  ignored.push(...fromGateways.ignored);
  problems.push(...fromGateways.problems);
  for (const { key, claim } of fromGateways.claims) addClaim(key, claim);
  const certificates: DesiredCertificate[] = [];
  for (const key of [...claims.keys()].sort(compareText)) {
    const merged = merge(key, claims.get(key) ?? [], policy.profile);
    if (Array.isArray(merged)) problems.push(...merged);
    else certificates.push(merged);
  }
  return { certificates, problems, ignored };
}
