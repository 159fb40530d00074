/**
 * Field sets in the FieldsV1 encoding of server-side apply (`{"f:spec":{"f:replicas":{}}}`), computed
 * from an object and its schema, with the set operations ownership tracking needs.
 */
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';
import { childSchema, itemSchema, type Schema } from './schema.js';

/** A field set: path element -> subtree; a leaf is an empty tree. */
export type FieldTree = Map<string, FieldTree>;

/** One path from the root to an owned field, as FieldsV1 elements (`f:spec`, `k:{...}`, `v:...`, `.`). */
export type FieldPath = readonly string[];

/** metadata fields the server owns: never part of a manager's set. */
const SERVER_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

function itemKey(item: JsonValue, schema: Schema | undefined): string | undefined {
  if (schema?.type !== 'array') return undefined;
  if (schema.listType === 'map' && schema.listMapKeys !== undefined && isJsonObject(item)) {
    const key: JsonObject = {};
    for (const k of schema.listMapKeys) {
      const v = item[k];
      if (v !== undefined) key[k] = v;
    }
    return `k:${JSON.stringify(key)}`;
  }
  if (schema.listType === 'set') return `v:${JSON.stringify(item)}`;
  return undefined;
}

function walk(
  value: JsonValue,
  schema: Schema | undefined,
  tree: FieldTree,
  topLevel: boolean,
  inMetadata: boolean,
): void {
  if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (topLevel && (key === 'apiVersion' || key === 'kind')) continue;
      if (inMetadata && SERVER_META.has(key)) continue;
      const node: FieldTree = new Map();
      const childType = childSchema(schema, key);
      const isKeyedList =
        Array.isArray(child) &&
        childType?.type === 'array' &&
        childType.listType !== undefined &&
        childType.listType !== 'atomic';
      if (isJsonObject(child) && Object.keys(child).length > 0) {
        walk(child, childType, node, false, topLevel && key === 'metadata');
      } else if (isKeyedList) {
        for (const item of child) {
          const id = itemKey(item, childType);
          if (id === undefined) continue;
          const itemNode: FieldTree = new Map<string, FieldTree>([['.', new Map<string, FieldTree>()]]);
          if (id.startsWith('k:')) walk(item, itemSchema(childType), itemNode, false, false);
          node.set(id, itemNode);
        }
      }
      if (topLevel && key === 'metadata' && node.size === 0) continue;
      tree.set(`f:${key}`, node);
    }
  }
}

/** The fields set in `object`, by the schema's list semantics. */
export function fieldSetOf(object: JsonObject, schema: Schema | undefined): FieldTree {
  const tree: FieldTree = new Map();
  walk(object, schema, tree, true, false);
  return tree;
}

/** Every leaf path of a set. */
export function leafPaths(tree: FieldTree, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  for (const [element, child] of tree) {
    const path = [...prefix, element];
    if (child.size === 0) out.push(path);
    else out.push(...leafPaths(child, path));
  }
  return out;
}

/** Whether a set contains a leaf path. */
export function hasPath(tree: FieldTree, path: FieldPath): boolean {
  let node: FieldTree | undefined = tree;
  for (const element of path) {
    node = node.get(element);
    if (node === undefined) return false;
  }
  return node.size === 0;
}

/** Adds a leaf path to a set. */
export function addPath(tree: FieldTree, path: FieldPath): void {
  let node = tree;
  for (const element of path) {
    let next = node.get(element);
    if (next === undefined) {
      next = new Map();
      node.set(element, next);
    }
    node = next;
  }
}

/** Removes a leaf path, pruning parents left empty. */
export function removePath(tree: FieldTree, path: FieldPath): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const child = tree.get(head);
  if (child === undefined) return;
  if (rest.length === 0) {
    if (child.size === 0) tree.delete(head);
    return;
  }
  removePath(child, rest);
  if (child.size === 0) tree.delete(head);
}

/** FieldsV1 JSON for a set. */
export function toFieldsV1(tree: FieldTree): JsonObject {
  const out: JsonObject = {};
  for (const [element, child] of tree) out[element] = toFieldsV1(child);
  return out;
}

/** A set from FieldsV1 JSON. */
export function fromFieldsV1(value: JsonValue | undefined): FieldTree {
  const tree: FieldTree = new Map();
  if (isJsonObject(value)) for (const [k, v] of Object.entries(value)) tree.set(k, fromFieldsV1(v));
  return tree;
}

function parseElement(element: string): { kind: 'field' | 'key' | 'value' | 'self'; data: JsonValue } {
  if (element === '.') return { kind: 'self', data: null };
  const body = element.slice(2);
  if (element.startsWith('f:')) return { kind: 'field', data: body };
  const parsed: unknown = JSON.parse(body);
  return { kind: element.startsWith('k:') ? 'key' : 'value', data: parsed as JsonValue };
}

function matchesKey(item: JsonValue, key: JsonValue): boolean {
  if (!isJsonObject(item) || !isJsonObject(key)) return false;
  return Object.entries(key).every(([k, v]) => jsonEqual(item[k], v));
}

/** The value at a path in an object, or undefined when absent. */
export function valueAtPath(object: JsonValue | undefined, path: FieldPath): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const element of path) {
    const e = parseElement(element);
    if (e.kind === 'self') continue;
    if (e.kind === 'field') {
      current = isJsonObject(current) && typeof e.data === 'string' ? current[e.data] : undefined;
    } else if (Array.isArray(current)) {
      current = current.find((item) =>
        e.kind === 'key' ? matchesKey(item, e.data) : jsonEqual(item, e.data),
      );
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** Deletes the value at a path (a `.` leaf removes the list item itself). */
export function deleteAtPath(object: JsonObject, path: FieldPath): void {
  const elements = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  const last = elements[elements.length - 1];
  if (last === undefined) return;
  const parent = valueAtPath(object, elements.slice(0, -1));
  const e = parseElement(last);
  if (e.kind === 'field' && isJsonObject(parent) && typeof e.data === 'string') {
    Reflect.deleteProperty(parent, e.data);
  } else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) =>
      e.kind === 'key' ? matchesKey(item, e.data) : jsonEqual(item, e.data),
    );
    if (index >= 0) parent.splice(index, 1);
  }
}

/** `.spec.containers[name="web"].image`: how conflicts name a field. */
export function renderPath(path: FieldPath): string {
  let out = '';
  for (const element of path) {
    const e = parseElement(element);
    if (e.kind === 'self') continue;
    if (e.kind === 'field' && typeof e.data === 'string') out += `.${e.data}`;
    else if (e.kind === 'key' && isJsonObject(e.data)) {
      out += `[${Object.entries(e.data)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else out += `[=${JSON.stringify(e.data)}]`;
  }
  return out;
}

/** Merges an applied configuration into an object: maps recurse, keyed lists merge by key, the rest replaces. */
export function mergeApplied(
  current: JsonValue | undefined,
  applied: JsonValue,
  schema: Schema | undefined,
): JsonValue {
  if (isJsonObject(applied)) {
    const base: JsonObject = isJsonObject(current) ? { ...current } : {};
    for (const [key, value] of Object.entries(applied)) {
      base[key] = mergeApplied(base[key], value, childSchema(schema, key));
    }
    return base;
  }
  if (
    Array.isArray(applied) &&
    schema?.type === 'array' &&
    (schema.listType === 'map' || schema.listType === 'set')
  ) {
    const result = Array.isArray(current) ? [...current] : [];
    for (const item of applied) {
      const id = itemKey(item, schema);
      const index = result.findIndex((existing) => itemKey(existing, schema) === id);
      if (index >= 0) result[index] = mergeApplied(result[index], item, itemSchema(schema));
      else result.push(cloneJson(item));
    }
    return result;
  }
  return cloneJson(applied);
}
