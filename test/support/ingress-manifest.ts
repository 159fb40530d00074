/** What `ingressManifest()` writes; everything but the name and the hosts has a default. */
export interface IngressManifestOptions {
  readonly name: string;
  readonly hosts: readonly string[];
  /** @default 'default' */
  readonly namespace?: string;
  /** @default `${name}-tls` */
  readonly secretName?: string;
  /** The backend Service of every rule. @default name */
  readonly service?: string;
  /** Annotations besides the opt-in (`kube-lego/challenge: dns-01`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * An Ingress opted in with `kubernetes.io/tls-acme: "true"`, as YAML for `kubectl apply`: one TLS entry for all
 * `hosts` stored in `secretName`, one rule per host to port 80 of `service`. Hosts are quoted (`*.` would
 * start a YAML alias).
 */
export function ingressManifest(options: IngressManifestOptions): string {
  const service = options.service ?? options.name;
  const rules = options.hosts
    .map(
      (host) => `  - host: ${JSON.stringify(host)}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: ${service}
            port:
              number: 80`,
    )
    .join('\n');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${options.name}
  namespace: ${options.namespace ?? 'default'}
  annotations:
    kubernetes.io/tls-acme: "true"${Object.entries(options.annotations ?? {})
      .map(([key, value]) => `\n    ${key}: ${JSON.stringify(value)}`)
      .join('')}
spec:
  tls:
  - hosts: [${options.hosts.map((host) => JSON.stringify(host)).join(', ')}]
    secretName: ${options.secretName ?? `${options.name}-tls`}
  rules:
${rules}
`;
}

/** A Namespace as YAML for `kubectl apply`, to put before other documents (`---` separated). */
export function namespaceManifest(name: string): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
`;
}
