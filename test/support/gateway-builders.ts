// Builders for the Gateway API views of the pure core's table tests:
//   gateway('gw', https('web', 'a.example', 'web-tls'), http('http'))
import type {
  AllowedListenersFrom,
  GatewayView,
  ListenerSetView,
  ListenerView,
  ReferenceGrantView,
} from '../../src/domain/gateway-types.js';
import { OPT_IN } from './builders.js';

/** An HTTPS listener terminating with the Secret `secretName` (in `secretNamespace` when given). */
export function https(
  name: string,
  hostname: string | undefined,
  secretName: string,
  options: { secretNamespace?: string; mode?: string; protocol?: string; port?: number } = {},
): ListenerView {
  return {
    name,
    ...(hostname === undefined ? {} : { hostname }),
    port: options.port ?? 443,
    protocol: options.protocol ?? 'HTTPS',
    tls: {
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      certificateRefs: [
        {
          kind: 'Secret',
          name: secretName,
          ...(options.secretNamespace === undefined ? {} : { namespace: options.secretNamespace }),
        },
      ],
    },
  };
}

/** A plain HTTP listener (port 80 unless told), for every hostname unless `hostname` is given. */
export function http(name: string, hostname?: string, port = 80): ListenerView {
  return { name, port, protocol: 'HTTP', ...(hostname === undefined ? {} : { hostname }) };
}

/** An opted-in Gateway in namespace `default` accepting ListenerSets of its namespace. */
export function gateway(
  name: string,
  listeners: readonly ListenerView[],
  options: {
    namespace?: string;
    annotations?: Record<string, string>;
    allowedListeners?: AllowedListenersFrom;
  } = {},
): GatewayView {
  return {
    namespace: options.namespace ?? 'default',
    name,
    uid: `uid-${name}`,
    annotations: options.annotations ?? { [OPT_IN]: 'true' },
    listeners,
    allowedListeners: options.allowedListeners ?? 'Same',
  };
}

/** A ListenerSet attached to the Gateway `parent` of its namespace, without the opt-in annotation. */
export function listenerSet(
  name: string,
  parent: string,
  listeners: readonly ListenerView[],
  options: { namespace?: string; parentNamespace?: string; annotations?: Record<string, string> } = {},
): ListenerSetView {
  const namespace = options.namespace ?? 'default';
  return {
    namespace,
    name,
    uid: `uid-${name}`,
    annotations: options.annotations ?? {},
    parentRef: {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      namespace: options.parentNamespace ?? namespace,
      name: parent,
    },
    listeners,
  };
}

/** A ReferenceGrant in `namespace` letting Gateways of `fromNamespace` refer to its Secrets (or one). */
export function secretGrant(
  namespace: string,
  fromNamespace: string,
  options: { kind?: string; secretName?: string } = {},
): ReferenceGrantView {
  return {
    namespace,
    from: [{ group: 'gateway.networking.k8s.io', kind: options.kind ?? 'Gateway', namespace: fromNamespace }],
    to: [
      {
        group: '',
        kind: 'Secret',
        ...(options.secretName === undefined ? {} : { name: options.secretName }),
      },
    ],
  };
}
