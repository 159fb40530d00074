/**
 * The status a Gateway API implementation writes, computed from a snapshot of the cluster: GatewayClasses
 * it implements get `Accepted`; their Gateways get the data plane's address and per-listener conditions
 * (certificate references resolved or not, routes attached), and so do the ListenerSets attached to them
 * (routes attach to Gateway listeners only, here); HTTPRoutes whose parentRefs name such a
 * Gateway get one `status.parents` entry per parentRef with `Accepted` and `ResolvedRefs`, worded with the
 * reasons of the Gateway API spec (NoMatchingParent, NotAllowedByListeners, NoMatchingListenerHostname,
 * BackendNotFound, RefNotPermitted, InvalidKind). Other implementations' entries are kept as they are.
 * Pure: the caller reads the snapshot and writes the results.
 */
import {
  childObject,
  childString,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from '../sandbox/json.js';

const GROUP = 'gateway.networking.k8s.io';

/** What the implementation looks at. */
export interface GatewaySnapshot {
  readonly gatewayClasses: readonly JsonObject[];
  readonly gateways: readonly JsonObject[];
  readonly httpRoutes: readonly JsonObject[];
  readonly referenceGrants: readonly JsonObject[];
  readonly services: readonly JsonObject[];
  readonly secrets: readonly JsonObject[];
  readonly namespaces: readonly JsonObject[];
  /** ListenerSets, whose listeners a Gateway of this implementation serves too. */
  readonly listenerSets: readonly JsonObject[];
}

/** One status to write through a `status` subresource (the whole `status`, a merge patch replaces lists). */
export interface StatusWrite {
  readonly plural: 'gatewayclasses' | 'gateways' | 'httproutes' | 'listenersets';
  readonly namespace: string;
  readonly name: string;
  readonly status: JsonObject;
}

/** Who the implementation is, where it listens, and the time conditions that change are stamped with. */
export interface ImplementationIdentity {
  readonly controllerName: string;
  readonly address: string;
  readonly nowIso: string;
}

type Condition = { type: string; status: 'True' | 'False'; reason: string; message: string };

function metaOf(o: JsonObject): { namespace: string; name: string; generation: number } {
  const meta = childObject(o, 'metadata') ?? {};
  const generation = meta['generation'];
  return {
    namespace: childString(meta, 'namespace') ?? '',
    name: childString(meta, 'name') ?? '',
    generation: typeof generation === 'number' ? generation : 1,
  };
}

function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Conditions as stored: `lastTransitionTime` kept while a condition's status stays the same. */
function stamped(
  conditions: readonly Condition[],
  previous: JsonValue | undefined,
  generation: number,
  nowIso: string,
): JsonObject[] {
  const before = objects(previous);
  return conditions.map((c) => {
    const old = before.find((b) => b['type'] === c.type);
    const since =
      old !== undefined && old['status'] === c.status ? childString(old, 'lastTransitionTime') : undefined;
    return { ...c, observedGeneration: generation, lastTransitionTime: since ?? nowIso };
  });
}

/** Whether a hostname (possibly `*.` wildcard) matches another, as listener/route intersection does. */
function hostnamesIntersect(a: string, b: string): boolean {
  const matches = (pattern: string, host: string): boolean =>
    pattern.startsWith('*.')
      ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1
      : pattern === host;
  return a === b || matches(a, b) || matches(b, a);
}

function referenceGranted(
  grants: readonly JsonObject[],
  from: { group: string; kind: string; namespace: string },
  to: { group: string; kind: string; namespace: string; name: string },
): boolean {
  return grants.some((grant) => {
    if (metaOf(grant).namespace !== to.namespace) return false;
    const spec = childObject(grant, 'spec') ?? {};
    const fromOk = objects(spec['from']).some(
      (f) => f['group'] === from.group && f['kind'] === from.kind && f['namespace'] === from.namespace,
    );
    const toOk = objects(spec['to']).some(
      (t) =>
        (childString(t, 'group') ?? '') === to.group &&
        t['kind'] === to.kind &&
        (childString(t, 'name') ?? to.name) === to.name,
    );
    return fromOk && toOk;
  });
}

/** Whether a ListenerSet's parentRef names the Gateway. */
function attachedTo(listenerSet: JsonObject, gateway: JsonObject): boolean {
  const parent = childObject(childObject(listenerSet, 'spec') ?? {}, 'parentRef') ?? {};
  const namespace = childString(parent, 'namespace') ?? metaOf(listenerSet).namespace;
  return namespace === metaOf(gateway).namespace && childString(parent, 'name') === metaOf(gateway).name;
}

/** `ResolvedRefs` False/RefNotPermitted for a reference into another namespace no ReferenceGrant allows. */
function refusedAcrossNamespaces(
  snapshot: GatewaySnapshot,
  from: { group: string; kind: string; namespace: string },
  to: { group: string; kind: string; namespace: string; name: string },
): Condition | undefined {
  if (from.namespace === to.namespace || referenceGranted(snapshot.referenceGrants, from, to))
    return undefined;
  return {
    type: 'ResolvedRefs',
    status: 'False',
    reason: 'RefNotPermitted',
    message: `No ReferenceGrant in namespace ${to.namespace} allows a reference to ${to.kind} ${to.name}`,
  };
}

function namespaceLabels(snapshot: GatewaySnapshot, namespace: string): JsonObject {
  const ns = snapshot.namespaces.find((n) => metaOf(n).name === namespace);
  return childObject(childObject(ns ?? {}, 'metadata') ?? {}, 'labels') ?? {};
}

/** Whether a listener admits an HTTPRoute from `routeNamespace` (allowedRoutes kinds and namespaces). */
function admits(
  snapshot: GatewaySnapshot,
  gateway: JsonObject,
  listener: JsonObject,
  routeNamespace: string,
): boolean {
  const protocol = childString(listener, 'protocol') ?? '';
  const allowed = childObject(listener, 'allowedRoutes') ?? {};
  const kinds = objects(allowed['kinds']);
  const kindOk =
    kinds.length === 0
      ? protocol === 'HTTP' || protocol === 'HTTPS'
      : kinds.some((k) => k['kind'] === 'HTTPRoute' && (childString(k, 'group') ?? GROUP) === GROUP);
  if (!kindOk) return false;
  const namespaces = childObject(allowed, 'namespaces') ?? {};
  switch (childString(namespaces, 'from') ?? 'Same') {
    case 'All':
      return true;
    case 'Selector': {
      const wanted = childObject(childObject(namespaces, 'selector') ?? {}, 'matchLabels') ?? {};
      const labels = namespaceLabels(snapshot, routeNamespace);
      return Object.entries(wanted).every(([k, v]) => labels[k] === v);
    }
    default:
      return routeNamespace === metaOf(gateway).namespace;
  }
}

interface ParentResult {
  readonly accepted: Condition;
  readonly listeners: readonly string[];
}

function attach(
  snapshot: GatewaySnapshot,
  gateway: JsonObject,
  parentRef: JsonObject,
  route: JsonObject,
): ParentResult {
  const routeNamespace = metaOf(route).namespace;
  const sectionName = childString(parentRef, 'sectionName');
  const port = parentRef['port'];
  const listeners = objects(childObject(gateway, 'spec')?.['listeners']).filter(
    (l) =>
      (sectionName === undefined || l['name'] === sectionName) &&
      (typeof port !== 'number' || l['port'] === port),
  );
  const refused = (reason: string, message: string): ParentResult => ({
    accepted: { type: 'Accepted', status: 'False', reason, message },
    listeners: [],
  });
  if (listeners.length === 0) {
    return refused(
      'NoMatchingParent',
      `No listener of Gateway ${metaOf(gateway).name} matches the parentRef`,
    );
  }
  const admitting = listeners.filter((l) => admits(snapshot, gateway, l, routeNamespace));
  if (admitting.length === 0) {
    return refused(
      'NotAllowedByListeners',
      `No listener of Gateway ${metaOf(gateway).name} admits this route`,
    );
  }
  const hostnames = strings(childObject(route, 'spec')?.['hostnames']);
  const matching = admitting.filter((l) => {
    const hostname = childString(l, 'hostname');
    return (
      hostname === undefined ||
      hostnames.length === 0 ||
      hostnames.some((h) => hostnamesIntersect(h, hostname))
    );
  });
  if (matching.length === 0) {
    return refused(
      'NoMatchingListenerHostname',
      `No listener of Gateway ${metaOf(gateway).name} matches the route's hostnames ${hostnames.join(', ')}`,
    );
  }
  return {
    accepted: { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route is accepted' },
    listeners: matching.map((l) => childString(l, 'name') ?? ''),
  };
}

function resolvedRefs(snapshot: GatewaySnapshot, route: JsonObject): Condition {
  const routeNamespace = metaOf(route).namespace;
  for (const rule of objects(childObject(route, 'spec')?.['rules'])) {
    for (const ref of objects(rule['backendRefs'])) {
      const group = childString(ref, 'group') ?? '';
      const kind = childString(ref, 'kind') ?? 'Service';
      const name = childString(ref, 'name') ?? '';
      const namespace = childString(ref, 'namespace') ?? routeNamespace;
      if (group !== '' || kind !== 'Service') {
        return {
          type: 'ResolvedRefs',
          status: 'False',
          reason: 'InvalidKind',
          message: `Unsupported backend kind ${kind}`,
        };
      }
      const refused = refusedAcrossNamespaces(
        snapshot,
        { group: GROUP, kind: 'HTTPRoute', namespace: routeNamespace },
        { group: '', kind: 'Service', namespace, name },
      );
      if (refused !== undefined) return refused;
      if (!snapshot.services.some((s) => metaOf(s).namespace === namespace && metaOf(s).name === name)) {
        return {
          type: 'ResolvedRefs',
          status: 'False',
          reason: 'BackendNotFound',
          message: `Service ${namespace}/${name} not found`,
        };
      }
    }
  }
  return { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' };
}

function tlsOf(listener: JsonObject): JsonObject {
  return childObject(listener, 'tls') ?? {};
}

/** Whether a listener's certificateRefs all name a TLS Secret it may use (ReferenceGrant across namespaces). */
function certificateRefsResolved(
  snapshot: GatewaySnapshot,
  owner: JsonObject,
  tls: JsonObject,
  ownerNamespace: string,
): Condition {
  const ownerKind = childString(owner, 'kind') ?? 'Gateway';
  for (const ref of objects(tls['certificateRefs'])) {
    const name = childString(ref, 'name') ?? '';
    const namespace = childString(ref, 'namespace') ?? ownerNamespace;
    const refused = refusedAcrossNamespaces(
      snapshot,
      { group: GROUP, kind: ownerKind, namespace: ownerNamespace },
      { group: '', kind: 'Secret', namespace, name },
    );
    if (refused !== undefined) return refused;
    const secret = snapshot.secrets.find((s) => metaOf(s).namespace === namespace && metaOf(s).name === name);
    const data = childObject(secret ?? {}, 'data') ?? {};
    if (secret === undefined || typeof data['tls.crt'] !== 'string' || typeof data['tls.key'] !== 'string') {
      return {
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'InvalidCertificateRef',
        message: `Secret ${namespace}/${name} does not exist or holds no TLS pair`,
      };
    }
  }
  return { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' };
}

/** The `status.listeners` of a Gateway or ListenerSet; `attachedRoutes` by listener name. */
function listenerStatuses(
  snapshot: GatewaySnapshot,
  owner: JsonObject,
  attachedRoutes: ReadonlyMap<string, number>,
  nowIso: string,
): JsonObject[] {
  const { namespace, generation } = metaOf(owner);
  const previousListeners = objects(childObject(owner, 'status')?.['listeners']);
  return objects(childObject(owner, 'spec')?.['listeners']).map((listener): JsonObject => {
    const listenerName = childString(listener, 'name') ?? '';
    const protocol = childString(listener, 'protocol') ?? '';
    const resolved: Condition =
      protocol === 'HTTPS' || protocol === 'TLS'
        ? certificateRefsResolved(snapshot, owner, tlsOf(listener), namespace)
        : {
            type: 'ResolvedRefs',
            status: 'True',
            reason: 'ResolvedRefs',
            message: 'All references resolved',
          };
    const conditions: Condition[] = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Listener is accepted' },
      resolved.status === 'True'
        ? { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Listener is programmed' }
        : { type: 'Programmed', status: 'False', reason: 'Invalid', message: resolved.message },
      resolved,
      { type: 'Conflicted', status: 'False', reason: 'NoConflicts', message: 'No conflicts' },
    ];
    const before = previousListeners.find((l) => l['name'] === listenerName);
    return {
      name: listenerName,
      supportedKinds:
        protocol === 'HTTP' || protocol === 'HTTPS' ? [{ group: GROUP, kind: 'HTTPRoute' }] : [],
      attachedRoutes: attachedRoutes.get(listenerName) ?? 0,
      conditions: stamped(conditions, before?.['conditions'], generation, nowIso),
    };
  });
}

/** The status writes that bring the snapshot in line with what this implementation reports. */
export function gatewayStatusWrites(
  snapshot: GatewaySnapshot,
  identity: ImplementationIdentity,
): StatusWrite[] {
  const writes: StatusWrite[] = [];
  const { controllerName, nowIso } = identity;
  const classes = new Set(
    snapshot.gatewayClasses
      .filter((c) => childString(childObject(c, 'spec'), 'controllerName') === controllerName)
      .map((c) => metaOf(c).name),
  );
  const want = (plural: StatusWrite['plural'], object: JsonObject, status: JsonObject): void => {
    if (!jsonEqual(object['status'], status)) writes.push({ plural, ...metaOf(object), status });
  };
  for (const gatewayClass of snapshot.gatewayClasses) {
    if (!classes.has(metaOf(gatewayClass).name)) continue;
    const previous = childObject(gatewayClass, 'status') ?? {};
    const accepted: Condition = {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: 'Handled by the sandbox data plane',
    };
    want('gatewayclasses', gatewayClass, {
      ...previous,
      conditions: stamped([accepted], previous['conditions'], metaOf(gatewayClass).generation, nowIso),
    });
  }
  const ours = snapshot.gateways.filter((g) =>
    classes.has(childString(childObject(g, 'spec'), 'gatewayClassName') ?? ''),
  );
  const attached = new Map<string, number>();
  for (const route of snapshot.httpRoutes) {
    const { namespace, generation } = metaOf(route);
    const previous = childObject(route, 'status') ?? {};
    const previousParents = objects(previous['parents']);
    const parents: JsonObject[] = previousParents.filter((p) => p['controllerName'] !== controllerName);
    let handled = false;
    for (const parentRef of objects(childObject(route, 'spec')?.['parentRefs'])) {
      if (
        (childString(parentRef, 'group') ?? GROUP) !== GROUP ||
        (childString(parentRef, 'kind') ?? 'Gateway') !== 'Gateway'
      ) {
        continue;
      }
      const gatewayNamespace = childString(parentRef, 'namespace') ?? namespace;
      const gateway = ours.find(
        (g) => metaOf(g).namespace === gatewayNamespace && metaOf(g).name === childString(parentRef, 'name'),
      );
      if (gateway === undefined) continue;
      handled = true;
      const result = attach(snapshot, gateway, parentRef, route);
      for (const listener of result.listeners) {
        const key = `${gatewayNamespace}/${metaOf(gateway).name}/${listener}`;
        attached.set(key, (attached.get(key) ?? 0) + 1);
      }
      const before = previousParents.find(
        (p) => jsonEqual(p['parentRef'], parentRef) && p['controllerName'] === controllerName,
      );
      parents.push({
        parentRef,
        controllerName,
        conditions: stamped(
          [result.accepted, resolvedRefs(snapshot, route)],
          before?.['conditions'],
          generation,
          nowIso,
        ),
      });
    }
    if (handled) want('httproutes', route, { ...previous, parents });
  }
  const listenerSets = snapshot.listenerSets.filter((set) => ours.some((g) => attachedTo(set, g)));
  for (const listenerSet of listenerSets) {
    const previous = childObject(listenerSet, 'status') ?? {};
    const { generation } = metaOf(listenerSet);
    const conditions: Condition[] = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ListenerSet is accepted' },
      { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'ListenerSet is programmed' },
    ];
    want('listenersets', listenerSet, {
      ...previous,
      conditions: stamped(conditions, previous['conditions'], generation, nowIso),
      listeners: listenerStatuses(snapshot, { ...listenerSet, kind: 'ListenerSet' }, new Map(), nowIso),
    });
  }
  for (const gateway of ours) {
    const { namespace, name, generation } = metaOf(gateway);
    const previous = childObject(gateway, 'status') ?? {};
    const conditions: Condition[] = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Gateway is accepted' },
      { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Gateway is programmed' },
    ];
    const routes = new Map(
      [...attached]
        .filter(([key]) => key.startsWith(`${namespace}/${name}/`))
        .map(([key, n]) => [key.slice(namespace.length + name.length + 2), n]),
    );
    want('gateways', gateway, {
      ...previous,
      addresses: [{ type: 'IPAddress', value: identity.address }],
      conditions: stamped(conditions, previous['conditions'], generation, nowIso),
      listeners: listenerStatuses(snapshot, gateway, routes, nowIso),
      attachedListenerSets: listenerSets.filter((set) => attachedTo(set, gateway)).length,
    });
  }
  return writes;
}

/**
 * The Secret (`namespace/name`) each hostname is served with: the first certificateRef of every HTTPS or
 * TLS-terminating listener with a hostname, of this implementation's Gateways and of the ListenerSets
 * attached to them, when the reference is allowed and the Secret holds a pair.
 */
export function servedCertificates(snapshot: GatewaySnapshot, controllerName: string): Map<string, string> {
  const served = new Map<string, string>();
  const classes = new Set(
    snapshot.gatewayClasses
      .filter((c) => childString(childObject(c, 'spec'), 'controllerName') === controllerName)
      .map((c) => metaOf(c).name),
  );
  const ours = snapshot.gateways.filter((g) =>
    classes.has(childString(childObject(g, 'spec'), 'gatewayClassName') ?? ''),
  );
  const serve = (owner: JsonObject, listeners: readonly JsonObject[]): void => {
    const namespace = metaOf(owner).namespace;
    for (const listener of listeners) {
      const protocol = childString(listener, 'protocol');
      const hostname = childString(listener, 'hostname');
      const tls = tlsOf(listener);
      if ((protocol !== 'HTTPS' && protocol !== 'TLS') || hostname === undefined) continue;
      if ((childString(tls, 'mode') ?? 'Terminate') !== 'Terminate') continue;
      const [first] = objects(tls['certificateRefs']);
      if (first === undefined || certificateRefsResolved(snapshot, owner, tls, namespace).status !== 'True')
        continue;
      served.set(
        hostname.toLowerCase(),
        `${childString(first, 'namespace') ?? namespace}/${childString(first, 'name') ?? ''}`,
      );
    }
  };
  for (const gateway of ours) serve(gateway, objects(childObject(gateway, 'spec')?.['listeners']));
  for (const listenerSet of snapshot.listenerSets) {
    if (!ours.some((g) => attachedTo(listenerSet, g))) continue;
    serve({ ...listenerSet, kind: 'ListenerSet' }, objects(childObject(listenerSet, 'spec')?.['listeners']));
  }
  return served;
}
