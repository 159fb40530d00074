import { isManagedChallengeObject, nginxChallengeService } from '../../domain/challenge-routing.js';
import {
  challengeServiceGrant,
  gatewayChallengeRoutes,
  isOwnChallengeRoute,
  routeVerdict,
  type ChallengeHttpRoute,
  type GatewayChallengeSettings,
  type RouteParentConditions,
} from '../../domain/gateway-challenge-routing.js';
import { MANAGED_SELECTOR } from '../../domain/secret-annotations.js';
import type { Log } from '../../ports/log.js';
import { abortableSleep } from '../../runtime/abortable-sleep.js';
import type { GatewayApiResources } from '../kube/gateway-api-discovery.js';
import { isKubeError } from '../kube/kube-errors.js';
import type { KubeObjects } from '../kube/kube-objects.js';
import type { HttpRouteObject, ObjectMeta, ServiceObject } from '../kube/kube-types.js';
import { SERVICES, type ResourceKind } from '../kube/resources.js';
import { ChallengeRouteRefusedError } from './challenge-route-refused-error.js';
import type { RoutedHost } from './nginx-routing.js';
import { sameContent } from './same-content.js';

/** Where the Gateway provider's objects live, and the `app` label its Service selects kube-lego's pods by. */
export interface GatewayRoutingSettings extends GatewayChallengeSettings {
  readonly serviceSelector: string;
  /** How long a written route's status is waited for before the challenge goes on without it. */
  readonly statusWaitMs?: number;
  readonly statusPollMs?: number;
}

interface Managed {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: unknown;
}

function parentConditions(route: HttpRouteObject): RouteParentConditions[] {
  const generation = route.metadata?.generation;
  return (route.status?.parents ?? []).map((entry) => ({
    parent: {
      kind: entry.parentRef?.kind ?? 'Gateway',
      namespace: entry.parentRef?.namespace ?? route.metadata?.namespace ?? '',
      name: entry.parentRef?.name ?? '',
      ...(entry.parentRef?.sectionName === undefined ? {} : { sectionName: entry.parentRef.sectionName }),
    },
    // A condition about an older spec says nothing about the hosts just added.
    conditions: (entry.conditions ?? [])
      .filter(
        (c) =>
          generation === undefined ||
          c.observedGeneration === undefined ||
          c.observedGeneration >= generation,
      )
      .map((c) => ({
        type: c.type ?? '',
        status: c.status ?? '',
        reason: c.reason ?? '',
        message: c.message ?? '',
      })),
  }));
}

/**
 * Keeps the challenge HTTPRoutes of Gateways equal to the hosts with pending challenges (one route per
 * hostname, attached to the Gateway's port-80 HTTP listeners serving it), with kube-lego's challenge Service behind them and,
 * when the routes live in other namespaces, the ReferenceGrant that lets them reach it. Objects are
 * written only on change, never over an object without kube-lego's label, and deleted by their own
 * names once no host is pending. A route just written is watched until its implementation accepts or
 * refuses it: a refusal fails the challenge with the implementation's reason.
 */
export class GatewayRouting {
  readonly #objects: KubeObjects;
  readonly #settings: GatewayRoutingSettings;
  readonly #resources: GatewayApiResources;
  readonly #log: Log;
  readonly #signal: AbortSignal | undefined;
  /** `namespace/name` of the routes written at the last sync. */
  readonly #routes = new Map<string, { readonly namespace: string; readonly name: string }>();
  #grantWritten = false;
  #serviceWritten = false;
  /** The routing changes run one at a time: the start-up clean-up never races a challenge's sync. */
  #chain: Promise<void> = Promise.resolve();

  constructor(options: {
    readonly objects: KubeObjects;
    readonly settings: GatewayRoutingSettings;
    readonly resources: GatewayApiResources;
    readonly log: Log;
    readonly shutdown?: AbortSignal;
  }) {
    this.#objects = options.objects;
    this.#settings = options.settings;
    this.#resources = options.resources;
    this.#log = options.log.with({ context: 'provider', provider: 'gateway' });
    this.#signal = options.shutdown;
  }

  /** Brings the challenge routes in line with `hosts` (every pending host of a Gateway listener). */
  sync(hosts: readonly RoutedHost[]): Promise<void> {
    return this.#exclusive(() => this.#sync(hosts));
  }

  /**
   * Deletes the challenge HTTPRoutes an earlier process left (it was killed before its challenges were
   * settled): every route of this installation that no pending challenge of this process routes, then,
   * when none is pending, the challenge Service and ReferenceGrant. The leader runs it once its caches
   * are synced; without it a left route stayed until the next challenge of the same hostname.
   */
  removeLeftovers(): Promise<void> {
    const resource = this.#resources.httpRoutes;
    if (resource === undefined) return Promise.resolve();
    return this.#exclusive(async () => {
      const { routeNamespace, namespace } = this.#settings;
      // In `gateway` mode the routes live in the Gateways' namespaces: one list across all of them.
      const listed = await this.#objects.list<HttpRouteObject>(
        resource,
        routeNamespace === 'gateway' ? undefined : namespace,
        MANAGED_SELECTOR,
      );
      for (const route of listed) {
        const target = { namespace: route.metadata?.namespace ?? '', name: route.metadata?.name ?? '' };
        if (this.#routes.has(`${target.namespace}/${target.name}`)) continue;
        const own = isOwnChallengeRoute(this.#settings, {
          namespace: target.namespace,
          labels: route.metadata?.labels ?? {},
          backends: (route.spec?.rules ?? []).flatMap((rule) => rule.backendRefs ?? []),
        });
        if (!own) continue;
        try {
          const uid = route.metadata?.uid;
          await this.#objects.delete(resource, { ...target, ...(uid === undefined ? {} : { uid }) });
        } catch (err) {
          // Gone already, or replaced since the list (another uid): not the route that was left.
          if (!isKubeError(err, 'notFound') && !isKubeError(err, 'conflict')) throw err;
          continue;
        }
        this.#log.info(`deleted challenge route '${target.namespace}/${target.name}' an earlier run left`);
      }
      if (this.#routes.size > 0) return;
      this.#serviceWritten = true;
      this.#grantWritten = routeNamespace === 'gateway';
      await this.#sync([]);
    });
  }

  #exclusive(run: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(run, run);
    // Keep the chain alive after a failure; the caller still sees its own failure.
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #sync(hosts: readonly RoutedHost[]): Promise<void> {
    const pending = hosts.flatMap((h) =>
      h.challenge === undefined ? [] : [{ host: h.host, challenge: h.challenge }],
    );
    const routes = gatewayChallengeRoutes(this.#settings, pending);
    const grant = challengeServiceGrant(this.#settings, routes);
    const changed: ChallengeHttpRoute[] = [];
    if (routes.length > 0) {
      const routeKind = this.#kind('httpRoutes', 'HTTPRoute');
      await this.#upsertService();
      if (grant !== undefined) {
        await this.#upsert(this.#kind('referenceGrants', 'ReferenceGrant'), grant);
        this.#grantWritten = true;
      }
      for (const route of routes) {
        if (await this.#upsert(routeKind, route)) changed.push(route);
      }
    }
    const wanted = new Set(routes.map((r) => `${r.metadata.namespace}/${r.metadata.name}`));
    for (const [id, target] of [...this.#routes]) {
      if (wanted.has(id)) continue;
      await this.#delete(this.#kind('httpRoutes', 'HTTPRoute'), target);
      this.#routes.delete(id);
    }
    for (const route of routes) {
      this.#routes.set(`${route.metadata.namespace}/${route.metadata.name}`, route.metadata);
    }
    if (grant === undefined && this.#grantWritten) {
      await this.#delete(this.#kind('referenceGrants', 'ReferenceGrant'), {
        namespace: this.#settings.namespace,
        name: `${this.#settings.serviceName}-challenge-routes`,
      });
      this.#grantWritten = false;
    }
    if (routes.length === 0 && this.#serviceWritten) {
      await this.#delete(SERVICES, { namespace: this.#settings.namespace, name: this.#settings.serviceName });
      this.#serviceWritten = false;
      this.#log.info('disable provider no TLS hosts found');
    }
    await Promise.all(changed.map((route) => this.#awaitVerdict(route)));
  }

  #kind(key: 'httpRoutes' | 'referenceGrants', kind: string): ResourceKind {
    const resource = this.#resources[key];
    if (resource === undefined) {
      throw new Error(
        `Cannot route http-01 challenges through a Gateway: the cluster does not serve the Gateway API kind ${kind}, install the Gateway API CRDs (standard channel)`,
      );
    }
    return resource;
  }

  async #upsertService(): Promise<void> {
    const { namespace, serviceName, port, serviceSelector } = this.#settings;
    const want = nginxChallengeService({
      namespace,
      serviceName,
      port,
      serviceSelector,
      ingressName: '',
      defaultClass: '',
    });
    const have = await this.#objects.find<ServiceObject>(SERVICES, namespace, serviceName);
    this.#serviceWritten = true;
    if (have === undefined) {
      await this.#objects.create(SERVICES, namespace, want);
      return;
    }
    if (!isManagedChallengeObject(have.metadata)) {
      this.#log.error(
        `do not update service '${namespace}/${serviceName}' as it was not created by kube-lego`,
      );
      return;
    }
    if (
      sameContent(have.spec?.selector, want.spec.selector) &&
      sameContent(
        have.spec?.ports?.map((p) => p.port),
        [port],
      )
    )
      return;
    await this.#objects.replace<ServiceObject>(SERVICES, namespace, {
      ...have,
      spec: { ...have.spec, selector: want.spec.selector ?? {}, ports: want.spec.ports },
    });
  }

  /** Creates or updates one of our objects; true when it was written (its spec changed). */
  async #upsert(
    resource: ResourceKind,
    want: Managed & { readonly metadata: { readonly name: string; readonly namespace: string } },
  ): Promise<boolean> {
    const { namespace, name } = want.metadata;
    const body = { ...want, apiVersion: resource.apiVersion };
    const have = await this.#objects.find<Managed>(resource, namespace, name);
    if (have === undefined) {
      await this.#objects.create(resource, namespace, body);
      this.#log.debug(`created challenge ${resource.kind.toLowerCase()}`, { name, namespace });
      return true;
    }
    if (!isManagedChallengeObject(have.metadata)) {
      this.#log.error(
        `do not update ${resource.kind.toLowerCase()} '${namespace}/${name}' as it was not created by kube-lego`,
      );
      return false;
    }
    if (sameContent(have.spec, want.spec)) return false;
    // Replaced, not edited: a route's listeners change only when its Gateway's do, and kube-lego's RBAC
    // then needs no update on HTTPRoutes (create and delete, like the routes' whole life).
    const uid = have.metadata?.uid;
    await this.#objects.delete(resource, { namespace, name, ...(uid === undefined ? {} : { uid }) });
    await this.#objects.create(resource, namespace, body);
    return true;
  }

  async #delete(
    resource: ResourceKind,
    target: { readonly namespace: string; readonly name: string },
  ): Promise<void> {
    const have = await this.#objects.find<Managed>(resource, target.namespace, target.name);
    if (have === undefined || !isManagedChallengeObject(have.metadata)) return;
    try {
      await this.#objects.delete(resource, {
        ...target,
        ...(have.metadata?.uid === undefined ? {} : { uid: have.metadata.uid }),
      });
    } catch (err) {
      if (!isKubeError(err, 'notFound')) throw err;
    }
  }

  /**
   * Waits for the implementation's verdict on a route just written: a refusal is thrown (the challenge
   * fails with its reason); no verdict within `statusWaitMs` lets the challenge go on (the CA will tell).
   */
  async #awaitVerdict(route: ChallengeHttpRoute): Promise<void> {
    const waitMs = this.#settings.statusWaitMs ?? 5000;
    const pollMs = this.#settings.statusPollMs ?? 200;
    const resource = this.#kind('httpRoutes', 'HTTPRoute');
    const { namespace, name } = route.metadata;
    const deadline = performance.now() + waitMs;
    for (;;) {
      const have = await this.#objects.find<HttpRouteObject>(resource, namespace, name);
      const verdict =
        have === undefined ? { kind: 'pending' as const } : routeVerdict(route, parentConditions(have));
      if (verdict.kind === 'accepted') return;
      if (verdict.kind === 'refused') {
        throw new ChallengeRouteRefusedError(
          `${verdict.message}; the CA could not reach the challenge token through it, fix the Gateway's HTTP listeners (allowedRoutes, hostname) or LEGO_GATEWAY_CHALLENGE_NAMESPACE`,
        );
      }
      if (performance.now() >= deadline) {
        this.#log.debug(`no status on challenge route '${namespace}/${name}' within ${waitMs} ms, going on`);
        return;
      }
      await abortableSleep(pollMs, this.#signal ?? new AbortController().signal);
    }
  }
}
