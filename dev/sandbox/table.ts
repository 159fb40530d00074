/**
 * `meta.k8s.io/v1` Table rendering, which kubectl asks for on `get` (Accept `as=Table`), with the
 * columns kubectl users expect for the kinds kube-lego touches.
 */
import { childObject, childString, isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { ResourceType } from './resource-registry.js';

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format?: 'name';
  readonly cell: (object: JsonObject) => JsonValue;
}

function count(value: JsonValue | undefined): number {
  return isJsonObject(value) ? Object.keys(value).length : 0;
}

function ingressHosts(ingress: JsonObject): string {
  const rules = childObject(ingress, 'spec')?.['rules'];
  const hosts = Array.isArray(rules)
    ? rules.map((r) => (isJsonObject(r) ? (childString(r, 'host') ?? '*') : '*'))
    : [];
  return hosts.length === 0 ? '*' : hosts.join(',');
}

function ingressPorts(ingress: JsonObject): string {
  const tls = childObject(ingress, 'spec')?.['tls'];
  return Array.isArray(tls) && tls.length > 0 ? '80, 443' : '80';
}

function servicePorts(service: JsonObject): string {
  const ports = childObject(service, 'spec')?.['ports'];
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports
    .map((p) =>
      isJsonObject(p) ? `${JSON.stringify(p['port'] ?? '')}/${childString(p, 'protocol') ?? 'TCP'}` : '',
    )
    .join(',');
}

/** `.status.conditions[?(@.type=="<type>")].status`, as a CRD printer column reads it. */
function conditionStatus(type: string): (o: JsonObject) => string {
  return (o) => {
    const conditions = childObject(o, 'status')?.['conditions'];
    const found = Array.isArray(conditions)
      ? conditions.find((c) => isJsonObject(c) && c['type'] === type)
      : undefined;
    return isJsonObject(found) ? (childString(found, 'status') ?? '') : '';
  };
}

function gatewayAddresses(gateway: JsonObject): string {
  const addresses = childObject(gateway, 'status')?.['addresses'];
  return Array.isArray(addresses)
    ? addresses.map((a) => (isJsonObject(a) ? (childString(a, 'value') ?? '') : '')).join(' ')
    : '';
}

/** The Gateway API CRDs' additionalPrinterColumns (their `Age` is the common last column). */
const GATEWAY_API_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  GatewayClass: [
    {
      name: 'Controller',
      type: 'string',
      cell: (o) => childString(childObject(o, 'spec'), 'controllerName') ?? '',
    },
    { name: 'Accepted', type: 'string', cell: conditionStatus('Accepted') },
  ],
  Gateway: [
    {
      name: 'Class',
      type: 'string',
      cell: (o) => childString(childObject(o, 'spec'), 'gatewayClassName') ?? '',
    },
    { name: 'Address', type: 'string', cell: gatewayAddresses },
    { name: 'Programmed', type: 'string', cell: conditionStatus('Programmed') },
  ],
  HTTPRoute: [
    {
      name: 'Hostnames',
      type: 'string',
      cell: (o) => {
        const hostnames = childObject(o, 'spec')?.['hostnames'];
        return Array.isArray(hostnames) ? JSON.stringify(hostnames) : '';
      },
    },
  ],
  ListenerSet: [
    { name: 'Accepted', type: 'string', cell: conditionStatus('Accepted') },
    { name: 'Programmed', type: 'string', cell: conditionStatus('Programmed') },
  ],
};

const KIND_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  Secret: [
    { name: 'Type', type: 'string', cell: (o) => childString(o, 'type') ?? 'Opaque' },
    { name: 'Data', type: 'integer', cell: (o) => count(o['data']) },
  ],
  ConfigMap: [{ name: 'Data', type: 'integer', cell: (o) => count(o['data']) + count(o['binaryData']) }],
  Namespace: [
    {
      name: 'Status',
      type: 'string',
      cell: (o) => childString(childObject(o, 'status'), 'phase') ?? 'Active',
    },
  ],
  Ingress: [
    {
      name: 'Class',
      type: 'string',
      cell: (o) => childString(childObject(o, 'spec'), 'ingressClassName') ?? '<none>',
    },
    { name: 'Hosts', type: 'string', cell: ingressHosts },
    { name: 'Address', type: 'string', cell: () => '' },
    { name: 'Ports', type: 'string', cell: ingressPorts },
  ],
  Service: [
    { name: 'Type', type: 'string', cell: (o) => childString(childObject(o, 'spec'), 'type') ?? 'ClusterIP' },
    {
      name: 'Cluster-IP',
      type: 'string',
      cell: (o) => childString(childObject(o, 'spec'), 'clusterIP') ?? '<none>',
    },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
  ],
  Pod: [
    {
      name: 'Status',
      type: 'string',
      cell: (o) => childString(childObject(o, 'status'), 'phase') ?? 'Pending',
    },
  ],
  Lease: [
    {
      name: 'Holder',
      type: 'string',
      cell: (o) => childString(childObject(o, 'spec'), 'holderIdentity') ?? '',
    },
  ],
};

function age(object: JsonObject, nowMs: number): string {
  const created = childString(childObject(object, 'metadata'), 'creationTimestamp');
  if (created === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.floor((nowMs - Date.parse(created)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

/** How much of each object a row carries (`includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Renders objects (with apiVersion and kind set) as a Table. */
export function renderTable(options: {
  type: ResourceType;
  objects: readonly JsonObject[];
  resourceVersion: string;
  continueToken?: string;
  include: IncludeObject;
  nowMs: number;
}): JsonObject {
  const columns: Column[] = [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      cell: (o) => childString(childObject(o, 'metadata'), 'name') ?? '',
    },
    ...((options.type.group === 'gateway.networking.k8s.io'
      ? GATEWAY_API_COLUMNS[options.type.kind]
      : KIND_COLUMNS[options.type.kind]) ?? []),
    { name: 'Age', type: 'date', cell: (o) => age(o, options.nowMs) },
  ];
  const metadata: JsonObject = { resourceVersion: options.resourceVersion };
  if (options.continueToken !== undefined) metadata['continue'] = options.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.name,
      priority: 0,
    })),
    rows: options.objects.map((o) => {
      const row: JsonObject = { cells: columns.map((c) => c.cell(o)) };
      if (options.include === 'Object') row['object'] = o;
      if (options.include === 'Metadata') {
        row['object'] = {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: o['metadata'] ?? {},
        };
      }
      return row;
    }),
  };
}
