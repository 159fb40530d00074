import type { IngressPathView, IngressRuleView, IngressView } from '../../domain/types.js';
import type { IngressObject, IngressPath } from './kube-types.js';

function pathView(path: IngressPath): IngressPathView {
  const service = path.backend?.service;
  const resource = path.backend?.resource;
  return {
    ...(path.path === undefined ? {} : { path: path.path }),
    pathType: path.pathType ?? 'ImplementationSpecific',
    backend:
      service?.name === undefined
        ? resource?.kind === undefined || resource.name === undefined
          ? {}
          : {
              resource: {
                kind: resource.kind,
                name: resource.name,
                ...(resource.apiGroup === undefined ? {} : { apiGroup: resource.apiGroup }),
              },
            }
        : {
            service: {
              name: service.name,
              port: {
                ...(service.port?.number === undefined ? {} : { number: service.port.number }),
                ...(service.port?.name === undefined ? {} : { name: service.port.name }),
              },
            },
          },
  };
}

/** Copies the fields of a networking.k8s.io/v1 Ingress the core reads into its plain view. */
export function ingressView(ingress: IngressObject): IngressView {
  const meta = ingress.metadata ?? {};
  const spec = ingress.spec ?? {};
  const rules: IngressRuleView[] = (spec.rules ?? []).map((rule) => ({
    ...(rule.host === undefined ? {} : { host: rule.host }),
    ...(rule.http === undefined ? {} : { http: { paths: (rule.http.paths ?? []).map(pathView) } }),
  }));
  return {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    ...(meta.uid === undefined ? {} : { uid: meta.uid }),
    ...(meta.generation === undefined ? {} : { generation: meta.generation }),
    annotations: meta.annotations ?? {},
    ...(meta.labels === undefined ? {} : { labels: meta.labels }),
    ...(spec.ingressClassName === undefined ? {} : { ingressClassName: spec.ingressClassName }),
    tls: (spec.tls ?? []).map((entry) => ({
      ...(entry.hosts === undefined ? {} : { hosts: entry.hosts }),
      ...(entry.secretName === undefined ? {} : { secretName: entry.secretName }),
    })),
    rules,
  };
}
