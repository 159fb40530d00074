import type { IngressObject } from './kube-types.js';

/** The annotation `kubectl apply` writes: a whole copy of the applied object, never read by kube-lego. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The copy of an Ingress the watch cache keeps: only what `ingressView()` reads (identity, labels,
 * annotations and the spec) and the load balancer addresses the served-certificate check connects to
 * (`status.loadBalancer.ingress`: IP or hostname), so no `managedFields`, other status or `kubectl apply` copy of the object stays in
 * memory for each Ingress. kube-lego never writes an Ingress from this cache (its own challenge Ingress is
 * read with a GET before it is replaced), so nothing is lost by dropping the rest.
 */
export function cachedIngress(ingress: IngressObject): IngressObject {
  const meta = ingress.metadata ?? {};
  const annotations = meta.annotations;
  const { [LAST_APPLIED]: _lastApplied, ...kept } = annotations ?? {};
  const addresses = ingress.status?.loadBalancer?.ingress?.map((entry) => ({
    ...(entry.ip === undefined ? {} : { ip: entry.ip }),
    ...(entry.hostname === undefined ? {} : { hostname: entry.hostname }),
  }));
  return {
    ...(ingress.apiVersion === undefined ? {} : { apiVersion: ingress.apiVersion }),
    ...(ingress.kind === undefined ? {} : { kind: ingress.kind }),
    metadata: {
      ...(meta.name === undefined ? {} : { name: meta.name }),
      ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }),
      ...(meta.uid === undefined ? {} : { uid: meta.uid }),
      ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }),
      ...(meta.generation === undefined ? {} : { generation: meta.generation }),
      ...(meta.labels === undefined ? {} : { labels: meta.labels }),
      ...(annotations === undefined ? {} : { annotations: kept }),
    },
    ...(ingress.spec === undefined ? {} : { spec: ingress.spec }),
    ...(addresses === undefined ? {} : { status: { loadBalancer: { ingress: addresses } } }),
  };
}
