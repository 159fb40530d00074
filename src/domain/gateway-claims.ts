import { GATEWAY_PROVIDER, describeSourceObject, type CertificateClaim } from './certificate-claim.js';
import type { DesiredPolicy, DesiredProblem, IgnoredIngress } from './desired.js';
import {
  GATEWAY_GROUP,
  GATEWAY_KIND,
  LISTENER_SET_KIND,
  type ChallengeParentRef,
  type GatewaySources,
  type GatewayView,
  type ListenerSetView,
  type ListenerView,
  type ReferenceGrantView,
} from './gateway-types.js';
import { challengeForName } from './challenge-choice.js';
import { checkHostName } from './host-name.js';
import { notOptedIn } from './opt-in.js';
import { secretKey, type CertificateSource, type SecretKey, type SourceRef } from './types.js';

/** The claims, problems and ignored sources of the Gateways and ListenerSets of a snapshot. */
export interface GatewayClaims {
  readonly claims: readonly { readonly key: SecretKey; readonly claim: CertificateClaim }[];
  readonly problems: readonly DesiredProblem[];
  readonly ignored: readonly IgnoredIngress[];
}

/** A listener with the object it is declared on (a Gateway or a ListenerSet) and its index there. */
interface OwnedListener {
  readonly owner: SourceRef;
  readonly index: number;
  readonly listener: ListenerView;
}

/** The listeners of one Secret of one Gateway, while they are collected. */
interface SecretGroup {
  readonly hosts: string[];
  readonly sources: CertificateSource[];
  readonly parents: ChallengeParentRef[];
}

/** The port http-01 is validated on (RFC 8555 §8.3): only listeners on it can answer a challenge. */
const HTTP01_PORT = 80;

function refOf(
  kind: typeof GATEWAY_KIND | typeof LISTENER_SET_KIND,
  view: GatewayView | ListenerSetView,
): SourceRef {
  const ref = { ...kind, namespace: view.namespace, name: view.name };
  return view.uid === undefined ? ref : { ...ref, uid: view.uid };
}

function where(owned: OwnedListener): string {
  return `listener "${owned.listener.name}" of ${describeSourceObject(owned.owner)}`;
}

/** Whether a listener's hostname (absent: every name; `*.example.com`: names below it) covers `host`. */
function hostnameCovers(hostname: string | undefined, host: string): boolean {
  const pattern = (hostname ?? '').trim().toLowerCase();
  if (pattern === '') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** The TLS Secret a listener terminates with: its first `certificateRefs` entry, when that is a Secret. */
function terminatingSecret(
  listener: ListenerView,
): { readonly name: string; readonly namespace?: string } | undefined {
  const protocol = listener.protocol.toUpperCase();
  if (protocol !== 'HTTPS' && protocol !== 'TLS') return undefined;
  if ((listener.tls?.mode ?? 'Terminate') !== 'Terminate') return undefined;
  const ref = listener.tls?.certificateRefs[0];
  if (ref === undefined || ref.name === '') return undefined;
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return undefined;
  return ref;
}

/** Whether a ReferenceGrant in `namespace` lets `from` refer to the Secret `name` there. */
function granted(
  grants: readonly ReferenceGrantView[],
  from: SourceRef,
  namespace: string,
  name: string,
): boolean {
  return grants.some(
    (grant) =>
      grant.namespace === namespace &&
      grant.from.some(
        (f) => f.group === GATEWAY_GROUP && f.kind === from.kind && f.namespace === from.namespace,
      ) &&
      grant.to.some(
        (t) =>
          t.group === '' && t.kind === 'Secret' && (t.name === undefined || t.name === '' || t.name === name),
      ),
  );
}

function attachedTo(gateway: GatewayView, set: ListenerSetView): boolean {
  const parent = set.parentRef;
  return (
    parent.group === GATEWAY_GROUP &&
    parent.kind === 'Gateway' &&
    parent.namespace === gateway.namespace &&
    parent.name === gateway.name
  );
}

function allows(gateway: GatewayView, set: ListenerSetView): boolean {
  switch (gateway.allowedListeners) {
    case 'All':
    // The namespace selector needs the Namespace objects; the Gateway's implementation decides it.
    // eslint-disable-next-line no-fallthrough
    case 'Selector':
      return true;
    case 'Same':
      return set.namespace === gateway.namespace;
    case 'None':
      return false;
  }
}

function compareParents(a: ChallengeParentRef, b: ChallengeParentRef): number {
  const ka = `${a.kind}/${a.namespace}/${a.name}/${a.sectionName}`;
  const kb = `${b.kind}/${b.namespace}/${b.name}/${b.sectionName}`;
  if (ka === kb) return 0;
  return ka < kb ? -1 : 1;
}

/** The listeners of a Gateway and of the ListenerSets it accepts, with the problems of those it refuses. */
function listenersOf(
  gateway: GatewayView,
  sources: GatewaySources,
  annotationKey: string,
): {
  readonly issuing: OwnedListener[];
  readonly all: OwnedListener[];
  readonly problems: DesiredProblem[];
  readonly gatewayIgnored: IgnoredIngress | undefined;
} {
  const gatewayRef = refOf(GATEWAY_KIND, gateway);
  const gatewayIgnored = notOptedIn(gateway.annotations, annotationKey, gatewayRef);
  const own = gateway.listeners.map((listener, index) => ({ owner: gatewayRef, index, listener }));
  const issuing: OwnedListener[] = gatewayIgnored === undefined ? [...own] : [];
  const all: OwnedListener[] = [...own];
  const problems: DesiredProblem[] = [];
  for (const set of sources.listenerSets.filter((s) => attachedTo(gateway, s))) {
    const setRef = refOf(LISTENER_SET_KIND, set);
    // A ListenerSet's listeners count as its Gateway's: issued when either of them opted in.
    const optedIn =
      gatewayIgnored === undefined || notOptedIn(set.annotations, annotationKey, setRef) === undefined;
    if (!allows(gateway, set)) {
      if (optedIn) {
        problems.push({
          code: 'ListenerSetNotAllowed',
          ingress: setRef,
          hosts: [],
          message: `Cannot issue certificates for ${describeSourceObject(setRef)}: its gateway "${gateway.namespace}/${gateway.name}" does not accept ListenerSets from namespace "${set.namespace}" (spec.allowedListeners.namespaces.from is ${gateway.allowedListeners}), so its listeners are not served`,
        });
      }
      continue;
    }
    const listeners = set.listeners.map((listener, index) => ({ owner: setRef, index, listener }));
    all.push(...listeners);
    if (optedIn) issuing.push(...listeners);
  }
  return { issuing, all, problems, gatewayIgnored };
}

/** The problem of one listener's host, or `undefined` when it can be issued. */
function hostProblem(
  owned: OwnedListener,
  host: string,
  key: SecretKey,
  policy: DesiredPolicy,
): DesiredProblem | undefined {
  const bad = checkHostName(host, policy.dns01Configured);
  if (bad === undefined) return undefined;
  // The dns-01 seam: with LEGO_CHALLENGE_TYPE dns-01, checkHostName accepts wildcards and they are issued.
  const detail = bad.code === 'WildcardNeedsDns01' ? `${where(owned)}: ${bad.detail}` : bad.detail;
  return {
    code: bad.code,
    ingress: owned.owner,
    tlsIndex: owned.index,
    key,
    hosts: [host],
    message: `Cannot issue certificate for "${host}": ${detail}`,
  };
}

/**
 * The claims of the TLS listeners of every opted-in Gateway (`LEGO_KUBE_ANNOTATION: "true"`) and of the
 * ListenerSets attached to it: per Secret named by the first `certificateRefs` of an HTTPS or TLS listener
 * with a hostname and `tls.mode: Terminate`, one certificate for the union of the hostnames of the
 * listeners sharing it. A Secret in another namespace needs a ReferenceGrant there; with http-01 every
 * hostname needs a port-80 HTTP listener of the Gateway (or of an attached ListenerSet) to route the
 * challenge through. Problems are reported on the object that declares the listener.
 */
export function gatewayClaims(sources: GatewaySources, policy: DesiredPolicy): GatewayClaims {
  const claims: { key: SecretKey; claim: CertificateClaim }[] = [];
  const problems: DesiredProblem[] = [];
  const ignored: IgnoredIngress[] = [];
  for (const gateway of sources.gateways) {
    const found = listenersOf(gateway, sources, policy.annotationKey);
    problems.push(...found.problems);
    if (found.issuing.length === 0 && found.gatewayIgnored !== undefined) {
      ignored.push(found.gatewayIgnored);
      continue;
    }
    const http = found.all.filter(
      (o) => o.listener.protocol.toUpperCase() === 'HTTP' && o.listener.port === HTTP01_PORT,
    );
    const groups = new Map<SecretKey, SecretGroup>();
    for (const owned of found.issuing) {
      const ref = terminatingSecret(owned.listener);
      const host = (owned.listener.hostname ?? '').trim().toLowerCase();
      if (ref === undefined || host === '') continue;
      const namespace = ref.namespace ?? owned.owner.namespace;
      const key = secretKey(namespace, ref.name);
      const base = { ingress: owned.owner, tlsIndex: owned.index, key, hosts: [host] };
      if (
        namespace !== owned.owner.namespace &&
        !granted(sources.referenceGrants, owned.owner, namespace, ref.name)
      ) {
        problems.push({
          ...base,
          code: 'ReferenceNotGranted',
          message: `Cannot issue certificate for "${host}": ${where(owned)} names secret "${key}" in another namespace and no ReferenceGrant in namespace "${namespace}" allows a ${owned.owner.kind} of namespace "${owned.owner.namespace}" to refer to it; create one, or name a secret in namespace "${owned.owner.namespace}"`,
        });
        continue;
      }
      const bad = hostProblem(owned, host, key, policy);
      if (bad !== undefined) {
        problems.push(bad);
        continue;
      }
      const parents = http
        .filter((o) => hostnameCovers(o.listener.hostname, host))
        .map((o): ChallengeParentRef => ({
          kind: o.owner.kind === 'ListenerSet' ? 'ListenerSet' : 'Gateway',
          namespace: o.owner.namespace,
          name: o.owner.name,
          sectionName: o.listener.name,
        }));
      if (challengeForName(host, policy.challengeType) === 'http-01' && parents.length === 0) {
        problems.push({
          ...base,
          code: 'NoHttpListener',
          message: `Cannot issue certificate for "${host}" (${where(owned)}): gateway "${gateway.namespace}/${gateway.name}" has no HTTP listener on port ${HTTP01_PORT} for this hostname to answer the http-01 challenge through; add a listener with protocol HTTP, port ${HTTP01_PORT} and hostname "${host}" (or no hostname)`,
        });
        continue;
      }
      const group = groups.get(key) ?? { hosts: [], sources: [], parents: [] };
      groups.set(key, group);
      if (!group.hosts.includes(host)) group.hosts.push(host);
      if (!group.sources.some((s) => s.kind === owned.owner.kind && s.name === owned.owner.name)) {
        group.sources.push({
          ...owned.owner,
          tlsIndex: owned.index,
          classSource: 'default',
          listener: owned.listener.name,
        });
      }
      for (const parent of parents) {
        if (!group.parents.some((p) => compareParents(p, parent) === 0)) group.parents.push(parent);
      }
    }
    for (const [key, group] of groups) {
      if (group.hosts.length > policy.maxNamesPerCertificate) {
        for (const source of group.sources) {
          problems.push({
            code: 'TooManyNames',
            ingress: source,
            tlsIndex: source.tlsIndex,
            key,
            hosts: group.hosts,
            message: `Cannot issue certificate for secret "${key}": the listeners naming it have ${group.hosts.length} hostnames, the CA allows at most ${policy.maxNamesPerCertificate}; split them over several secrets`,
          });
        }
        continue;
      }
      const challenge = {
        gateway: { namespace: gateway.namespace, name: gateway.name },
        parents: [...group.parents].sort(compareParents),
      };
      for (const source of group.sources) {
        claims.push({
          key,
          claim: {
            source,
            hosts: group.hosts,
            provider: GATEWAY_PROVIDER,
            class: GATEWAY_PROVIDER,
            gatewayChallenge: challenge,
            ...(policy.challengeType === 'dns-01' ? { challenge: policy.challengeType } : {}),
          },
        });
      }
    }
  }
  return { claims, problems, ignored };
}
