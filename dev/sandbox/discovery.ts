/** Discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`, `/version`). */
import type { JsonObject } from './json.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resource-registry.js';

/** The version the sandbox reports: kubectl 1.32 is the client it is checked against. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

/** `/api`: the legacy core group's versions. */
export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `/apis`: every named group. */
export function groupList(registry: ResourceRegistry): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map((g) => groupDocument(g.name, g.versions)),
  };
}

/** `/apis/<group>`: one group. */
export function groupDocument(name: string, versions: readonly string[]): JsonObject {
  const first = versions[0] ?? 'v1';
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${first}`, version: first },
  };
}

function resourceEntries(r: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) main['shortNames'] = [...r.shortNames];
  if (r.categories.length > 0) main['categories'] = [...r.categories];
  const subs = r.subresources.map((s): JsonObject => ({
    name: `${r.plural}/${s}`,
    singularName: '',
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: ['get', 'patch', 'update'],
  }));
  return [main, ...subs];
}

/** `/api/v1` or `/apis/<group>/<version>`: the resources of a group version. */
export function resourceList(resources: readonly ResourceType[], group: string, version: string): JsonObject {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: resources.flatMap(resourceEntries),
  };
}
