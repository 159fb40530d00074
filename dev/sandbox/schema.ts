/**
 * A small structural schema per kind: the one source for the OpenAPI v3 documents kubectl reads, for
 * strategic-merge-patch list handling, for server-side-apply list identity and for strict field checks.
 */

/** Structural schema of one node. `open` objects accept any field (x-kubernetes-preserve-unknown-fields). */
export type Schema =
  | {
      readonly type: 'object';
      readonly properties?: Readonly<Record<string, Schema>>;
      readonly additionalProperties?: Schema;
      readonly open?: boolean;
    }
  | {
      readonly type: 'array';
      readonly items: Schema;
      /** Strategic merge patch: merge items by this key instead of replacing the list. */
      readonly mergeKey?: string;
      readonly strategy?: 'merge' | 'merge,retainKeys';
      /** Server-side apply list identity; `atomic` when absent. */
      readonly listType?: 'atomic' | 'map' | 'set';
      readonly listMapKeys?: readonly string[];
    }
  | { readonly type: 'string'; readonly format?: 'byte' | 'date-time'; readonly enum?: readonly string[] }
  | { readonly type: 'integer' }
  | { readonly type: 'number' }
  | { readonly type: 'boolean' }
  | { readonly type: 'int-or-string' }
  | { readonly type: 'any' };

/** An object node with known fields. */
export function obj(properties: Record<string, Schema>): Schema {
  return { type: 'object', properties };
}

/** An object node that accepts any field. */
export function open(properties: Record<string, Schema> = {}): Schema {
  return { type: 'object', properties, open: true };
}

/** A map from string keys to values of one schema. */
export function mapOf(values: Schema): Schema {
  return { type: 'object', additionalProperties: values };
}

/** An atomic list: replaced whole by patches and owned whole by one manager. */
export function list(items: Schema): Schema {
  return { type: 'array', items };
}

/** A list keyed by `keys[0]` for strategic merge and by all keys for server-side apply. */
export function keyedList(items: Schema, keys: readonly [string, ...string[]]): Schema {
  return { type: 'array', items, mergeKey: keys[0], strategy: 'merge', listType: 'map', listMapKeys: keys };
}

/** A list of scalars treated as a set (merge = union). */
export function setList(items: Schema): Schema {
  return { type: 'array', items, strategy: 'merge', listType: 'set' };
}

export const str: Schema = { type: 'string' };
export const bytes: Schema = { type: 'string', format: 'byte' };
export const time: Schema = { type: 'string', format: 'date-time' };
export const int: Schema = { type: 'integer' };
export const bool: Schema = { type: 'boolean' };
export const intOrString: Schema = { type: 'int-or-string' };
export const anyValue: Schema = { type: 'any' };

/** A string with a closed set of values. */
export function oneOf(...values: string[]): Schema {
  return { type: 'string', enum: values };
}

const ownerReference = obj({
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool,
  blockOwnerDeletion: bool,
});

const managedFieldsEntry = obj({
  manager: str,
  operation: str,
  apiVersion: str,
  time,
  fieldsType: str,
  fieldsV1: open(),
  subresource: str,
});

/** metav1.ObjectMeta, shared by every kind. */
export const objectMeta: Schema = obj({
  name: str,
  generateName: str,
  namespace: str,
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: int,
  labels: mapOf(str),
  annotations: mapOf(str),
  ownerReferences: keyedList(ownerReference, ['uid']),
  finalizers: setList(str),
  managedFields: list(managedFieldsEntry),
  selfLink: str,
});

/** The fields every object has at the top level. */
export function topLevel(fields: Record<string, Schema>): Schema {
  return obj({ apiVersion: str, kind: str, metadata: objectMeta, ...fields });
}

/** The schema of a child field, or `undefined` when the schema does not describe it. */
export function childSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (schema === undefined) return undefined;
  if (schema.type === 'object') {
    const known = schema.properties?.[key];
    if (known !== undefined) return known;
    return schema.additionalProperties;
  }
  return undefined;
}

/** The schema of list items, or `undefined`. */
export function itemSchema(schema: Schema | undefined): Schema | undefined {
  return schema?.type === 'array' ? schema.items : undefined;
}
