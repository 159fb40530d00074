import {
  GATEWAY_GROUP,
  type AllowedListenersFrom,
  type GatewayView,
  type ListenerSetView,
  type ListenerView,
  type ReferenceGrantView,
} from '../../domain/gateway-types.js';
import type {
  GatewayListener,
  GatewayObject,
  ListenerSetObject,
  ReferenceGrantObject,
} from './kube-types.js';

function listenerView(listener: GatewayListener): ListenerView {
  const tls = listener.tls;
  return {
    name: listener.name ?? '',
    ...(listener.hostname === undefined ? {} : { hostname: listener.hostname }),
    port: listener.port ?? 0,
    protocol: listener.protocol ?? '',
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...(tls.mode === undefined ? {} : { mode: tls.mode }),
            certificateRefs: (tls.certificateRefs ?? []).map((ref) => ({
              name: ref.name ?? '',
              ...(ref.group === undefined ? {} : { group: ref.group }),
              ...(ref.kind === undefined ? {} : { kind: ref.kind }),
              ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
            })),
          },
        }),
  };
}

function allowedFrom(value: string | undefined): AllowedListenersFrom {
  return value === 'Same' || value === 'All' || value === 'Selector' ? value : 'None';
}

/** Copies the fields of a Gateway the core reads into its plain view. */
export function gatewayView(gateway: GatewayObject): GatewayView {
  const meta = gateway.metadata ?? {};
  return {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    ...(meta.uid === undefined ? {} : { uid: meta.uid }),
    annotations: meta.annotations ?? {},
    listeners: (gateway.spec?.listeners ?? []).map(listenerView),
    allowedListeners: allowedFrom(gateway.spec?.allowedListeners?.namespaces?.from),
  };
}

/** Copies the fields of a ListenerSet the core reads, its parentRef's defaults filled in. */
export function listenerSetView(set: ListenerSetObject): ListenerSetView {
  const meta = set.metadata ?? {};
  const parent = set.spec?.parentRef ?? {};
  const namespace = meta.namespace ?? '';
  return {
    namespace,
    name: meta.name ?? '',
    ...(meta.uid === undefined ? {} : { uid: meta.uid }),
    annotations: meta.annotations ?? {},
    parentRef: {
      group: parent.group ?? GATEWAY_GROUP,
      kind: parent.kind ?? 'Gateway',
      namespace: parent.namespace ?? namespace,
      name: parent.name ?? '',
    },
    listeners: (set.spec?.listeners ?? []).map(listenerView),
  };
}

/** Copies a ReferenceGrant's from and to lists. */
export function referenceGrantView(grant: ReferenceGrantObject): ReferenceGrantView {
  return {
    namespace: grant.metadata?.namespace ?? '',
    from: (grant.spec?.from ?? []).map((f) => ({
      group: f.group ?? '',
      kind: f.kind ?? '',
      namespace: f.namespace ?? '',
    })),
    to: (grant.spec?.to ?? []).map((t) => ({
      group: t.group ?? '',
      kind: t.kind ?? '',
      ...(t.name === undefined ? {} : { name: t.name }),
    })),
  };
}
