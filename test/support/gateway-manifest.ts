/** One listener of `gatewayManifest()`: HTTP on 80 when no Secret is given, else HTTPS on 443 into it. */
export interface ListenerManifest {
  readonly name: string;
  readonly hostname?: string;
  /** `namespace/name` or `name` (the Gateway's namespace). */
  readonly secret?: string;
  /** Which namespaces' routes an HTTP listener admits. @default 'All' (kube-lego's challenge routes live in its own) */
  readonly routesFrom?: 'All' | 'Same';
}

/**
 * A Gateway opted in with `kubernetes.io/tls-acme: "true"`, as YAML for `kubectl apply`: its HTTP listeners
 * allow routes from every namespace (kube-lego's challenge routes live in its own), ListenerSets of its
 * namespace are accepted.
 */
export function gatewayManifest(options: {
  readonly name: string;
  readonly namespace?: string;
  /** @default 'example' (a class no one implements: no status is written) */
  readonly gatewayClassName?: string;
  readonly listeners: readonly ListenerManifest[];
}): string {
  const listeners = options.listeners.map((l) => {
    const hostname = l.hostname === undefined ? '' : `\n    hostname: ${l.hostname}`;
    if (l.secret === undefined) {
      return `  - name: ${l.name}${hostname}\n    port: 80\n    protocol: HTTP\n    allowedRoutes:\n      namespaces:\n        from: ${l.routesFrom ?? 'All'}`;
    }
    const [first, second] = l.secret.split('/');
    const ref =
      second === undefined ? `name: ${first ?? ''}` : `name: ${second}\n        namespace: ${first ?? ''}`;
    return `  - name: ${l.name}${hostname}\n    port: 443\n    protocol: HTTPS\n    tls:\n      certificateRefs:\n      - ${ref}`;
  });
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${options.name}
  namespace: ${options.namespace ?? 'default'}
  annotations:
    kubernetes.io/tls-acme: "true"
spec:
  gatewayClassName: ${options.gatewayClassName ?? 'example'}
  allowedListeners:
    namespaces:
      from: Same
  listeners:
${listeners.join('\n')}
`;
}
