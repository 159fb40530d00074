/**
 * OpenAPI v3 documents (`/openapi/v3` and one per group version) built from the resource table.
 * kubectl reads them to check that the server validates fields itself (the `fieldValidation` parameter)
 * and to compute strategic merge patches (`x-kubernetes-patch-merge-key` / `-strategy`).
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from './json.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resource-registry.js';
import type { Schema } from './schema.js';

function toOpenApi(schema: Schema): JsonObject {
  switch (schema.type) {
    case 'object': {
      const out: JsonObject = { type: 'object' };
      if (schema.properties !== undefined) {
        const props: JsonObject = {};
        for (const [k, v] of Object.entries(schema.properties)) props[k] = toOpenApi(v);
        out['properties'] = props;
      }
      if (schema.additionalProperties !== undefined)
        out['additionalProperties'] = toOpenApi(schema.additionalProperties);
      if (schema.open === true) out['x-kubernetes-preserve-unknown-fields'] = true;
      return out;
    }
    case 'array': {
      const out: JsonObject = { type: 'array', items: toOpenApi(schema.items) };
      if (schema.mergeKey !== undefined) out['x-kubernetes-patch-merge-key'] = schema.mergeKey;
      if (schema.strategy !== undefined) out['x-kubernetes-patch-strategy'] = schema.strategy;
      if (schema.listType !== undefined) out['x-kubernetes-list-type'] = schema.listType;
      if (schema.listMapKeys !== undefined) out['x-kubernetes-list-map-keys'] = [...schema.listMapKeys];
      return out;
    }
    case 'string': {
      const out: JsonObject = { type: 'string' };
      if (schema.format !== undefined) out['format'] = schema.format;
      if (schema.enum !== undefined) out['enum'] = [...schema.enum];
      return out;
    }
    case 'integer':
      return { type: 'integer', format: 'int64' };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int-or-string':
      return { 'x-kubernetes-int-or-string': true };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
}

function gvk(r: ResourceType, kind = r.kind): JsonObject {
  return { group: r.group, version: r.version, kind };
}

function param(
  name: string,
  where: 'query' | 'path',
  type: 'string' | 'boolean' | 'integer' = 'string',
): JsonObject {
  return {
    name,
    in: where,
    ...(where === 'path' ? { required: true } : {}),
    schema: { type, uniqueItems: true },
  };
}

const WRITE_PARAMS = [
  param('dryRun', 'query'),
  param('fieldManager', 'query'),
  param('fieldValidation', 'query'),
];

function ref(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

function operation(r: ResourceType, action: string, extra: JsonObject): JsonObject {
  return {
    operationId: `${action}${r.kind}`,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(r),
    ...extra,
  };
}

function pathsOf(r: ResourceType): [string, JsonObject][] {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const scope = r.namespaced ? [param('namespace', 'path')] : [];
  const body = (name: string): JsonObject => ({
    content: { 'application/json': { schema: ref(name) } },
    required: true,
  });
  const definition = `${r.definitionPrefix}.${r.kind}`;
  if (r.virtual) {
    return [
      [
        collection,
        {
          post: operation(r, 'post', { parameters: WRITE_PARAMS, requestBody: body(definition) }),
          parameters: scope,
        },
      ],
    ];
  }
  const patchBody: JsonObject = {
    content: Object.fromEntries(
      [
        'application/apply-patch+yaml',
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
      ].map((t) => [t, { schema: { type: 'object' } }]),
    ),
    required: true,
  };
  const item = {
    get: operation(r, 'get', {}),
    put: operation(r, 'put', { parameters: WRITE_PARAMS, requestBody: body(definition) }),
    patch: operation(r, 'patch', {
      parameters: [...WRITE_PARAMS, param('force', 'query', 'boolean')],
      requestBody: patchBody,
    }),
    delete: operation(r, 'delete', { parameters: [param('dryRun', 'query')] }),
    parameters: [param('name', 'path'), ...scope],
  };
  const coll = {
    get: operation(r, 'list', {
      parameters: ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch'].map(
        (p) => param(p, 'query'),
      ),
    }),
    post: operation(r, 'post', { parameters: WRITE_PARAMS, requestBody: body(definition) }),
    parameters: scope,
  };
  const paths: [string, JsonObject][] = [
    [collection, coll],
    [`${collection}/{name}`, item],
  ];
  for (const sub of r.subresources) {
    paths.push([
      `${collection}/{name}/${sub}`,
      { get: operation(r, 'get', {}), put: item.put, patch: item.patch, parameters: item.parameters },
    ]);
  }
  return paths;
}

/** The OpenAPI v3 document of one group version. */
export function groupVersionDocument(resources: readonly ResourceType[]): JsonObject {
  const schemas: JsonObject = {};
  const paths: JsonObject = {};
  for (const r of resources) {
    const definition = `${r.definitionPrefix}.${r.kind}`;
    schemas[definition] = { ...toOpenApi(r.schema), 'x-kubernetes-group-version-kind': [gvk(r)] };
    if (!r.virtual) {
      schemas[`${definition}List`] = {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          items: { type: 'array', items: ref(definition) },
          metadata: {
            type: 'object',
            properties: { resourceVersion: { type: 'string' }, continue: { type: 'string' } },
          },
        },
        'x-kubernetes-group-version-kind': [gvk(r, `${r.kind}List`)],
      };
    }
    for (const [path, value] of pathsOf(r)) paths[path] = value;
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

/** The serialized documents by URL path (`api/v1`), with their content hashes. */
export class OpenApiDocuments {
  private readonly documents = new Map<string, { text: string; hash: string }>();

  constructor(registry: ResourceRegistry) {
    const gvs = new Map<string, ResourceType[]>();
    for (const r of registry.all) {
      const key = r.group === '' ? `api/${r.version}` : `apis/${apiVersionOf(r)}`;
      gvs.set(key, [...(gvs.get(key) ?? []), r]);
    }
    for (const [key, resources] of gvs) {
      const text = JSON.stringify(groupVersionDocument(resources));
      this.documents.set(key, { text, hash: createHash('sha512').update(text).digest('hex').toUpperCase() });
    }
  }

  /** `/openapi/v3`: the index of group-version documents; `prefix` is the server URL's path prefix, if any. */
  index(prefix = ''): JsonValue {
    const paths: JsonObject = {};
    for (const [key, doc] of this.documents)
      paths[key] = { serverRelativeURL: `${prefix}/openapi/v3/${key}?hash=${doc.hash}` };
    return { paths };
  }

  /** The serialized document at `api/v1` or `apis/<group>/<version>`, if served. */
  document(key: string): string | undefined {
    return this.documents.get(key)?.text;
  }
}
