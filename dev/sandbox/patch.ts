/**
 * The three patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
 * Kubernetes strategic merge patch, whose list handling comes from the kind's schema (merge keys).
 */
import { badRequest, ApiError } from './api-error.js';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';
import { childSchema, itemSchema, type Schema } from './schema.js';

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`the JSON pointer "${pointer}" must start with "/"`);
  return pointer.slice(1).split('/').map(unescapePointer);
}

function getAt(doc: JsonValue, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = doc;
  for (const token of path) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isJsonObject(current)) current = Object.hasOwn(current, token) ? current[token] : undefined;
    else return undefined;
  }
  return current;
}

function parentOf(doc: JsonValue, path: readonly string[], op: string): { parent: JsonValue; last: string } {
  const last = path[path.length - 1];
  if (last === undefined) throw badRequest(`the "${op}" operation cannot target the document root`);
  const parent = getAt(doc, path.slice(0, -1));
  if (parent === undefined || (parent !== null && typeof parent !== 'object')) {
    throw new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: "${op}" operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
    );
  }
  return { parent, last };
}

function missing(op: string, path: readonly string[]): ApiError {
  return new ApiError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
  );
}

function removeAt(doc: JsonValue, path: readonly string[]): JsonValue {
  const { parent, last } = parentOf(doc, path, 'remove');
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw missing('remove', path);
    const [removed] = parent.splice(i, 1);
    return removed ?? null;
  }
  if (isJsonObject(parent) && Object.hasOwn(parent, last)) {
    const removed = parent[last] ?? null;
    Reflect.deleteProperty(parent, last);
    return removed;
  }
  throw missing('remove', path);
}

function addAt(doc: JsonValue, path: readonly string[], value: JsonValue, replace: boolean): void {
  const { parent, last } = parentOf(doc, path, replace ? 'replace' : 'add');
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) {
      throw missing(replace ? 'replace' : 'add', path);
    }
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
    return;
  }
  if (isJsonObject(parent)) {
    if (replace && !Object.hasOwn(parent, last)) throw missing('replace', path);
    parent[last] = value;
    return;
  }
  throw missing(replace ? 'replace' : 'add', path);
}

/** RFC 6902 JSON patch on a copy of `target`. */
export function applyJsonPatch(target: JsonObject, operations: JsonValue): JsonObject {
  if (!Array.isArray(operations)) throw badRequest('a JSON patch must be an array of operations');
  const doc: JsonObject = cloneJson(target);
  for (const raw of operations) {
    if (!isJsonObject(raw)) throw badRequest('every JSON patch operation must be an object');
    const op = raw['op'];
    const pathText = raw['path'];
    if (typeof op !== 'string' || typeof pathText !== 'string') {
      throw badRequest('every JSON patch operation needs string "op" and "path" members');
    }
    const path = parsePointer(pathText);
    const value = raw['value'];
    switch (op) {
      case 'add':
      case 'replace':
        if (value === undefined) throw badRequest(`the "${op}" operation at "${pathText}" needs a "value"`);
        addAt(doc, path, cloneJson(value), op === 'replace');
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
      case 'copy': {
        const from = raw['from'];
        if (typeof from !== 'string')
          throw badRequest(`the "${op}" operation at "${pathText}" needs a "from"`);
        const fromPath = parsePointer(from);
        const moved = getAt(doc, fromPath);
        if (moved === undefined) throw missing(op, fromPath);
        if (op === 'move') removeAt(doc, fromPath);
        addAt(doc, path, cloneJson(moved), false);
        break;
      }
      case 'test':
        if (!jsonEqual(getAt(doc, path), value)) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${pathText} failed: test failed`,
          );
        }
        break;
      default:
        throw badRequest(`unexpected JSON patch operation "${op}"`);
    }
  }
  return doc;
}

const DIRECTIVE = '$patch';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';
const RETAIN_KEYS = '$retainKeys';

function mergeList(original: JsonValue[], patch: JsonValue[], schema: Schema | undefined): JsonValue[] {
  if (schema?.type !== 'array' || schema.strategy === undefined) {
    // Atomic lists are replaced, except for a `{$patch: replace}` marker that carries nothing.
    return patch.filter((item) => !(isJsonObject(item) && item[DIRECTIVE] === 'replace'));
  }
  const items = itemSchema(schema);
  const mergeKey = schema.mergeKey;
  if (patch.some((item) => isJsonObject(item) && item[DIRECTIVE] === 'replace')) {
    return patch.filter((item) => !(isJsonObject(item) && item[DIRECTIVE] === 'replace'));
  }
  if (mergeKey === undefined) {
    // A merging list of scalars is a set union, original order first.
    const result = [...original];
    for (const item of patch) if (!result.some((existing) => jsonEqual(existing, item))) result.push(item);
    return result;
  }
  const result = [...original];
  for (const item of patch) {
    if (!isJsonObject(item)) {
      result.push(item);
      continue;
    }
    const key = item[mergeKey];
    const index = result.findIndex(
      (existing) => isJsonObject(existing) && jsonEqual(existing[mergeKey], key),
    );
    if (item[DIRECTIVE] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMerge(result[index], item, items);
    else result.push(strategicMerge(undefined, item, items));
  }
  return result;
}

/**
 * Kubernetes strategic merge patch: like a merge patch, but lists with a merge key merge item by item,
 * and the `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList` directives apply.
 */
export function strategicMerge(
  original: JsonValue | undefined,
  patch: JsonValue,
  schema: Schema | undefined,
): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return null;
  const base: JsonObject = directive === 'replace' || !isJsonObject(original) ? {} : { ...original };
  const retain = patch[RETAIN_KEYS];
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      const current = base[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        base[field] = current.filter((item) => !value.some((v) => jsonEqual(v, item)));
      }
      continue;
    }
    if (value === null) {
      Reflect.deleteProperty(base, key);
      continue;
    }
    const fieldSchema = childSchema(schema, key);
    const current = base[key];
    if (Array.isArray(value)) {
      base[key] = mergeList(Array.isArray(current) ? current : [], value, fieldSchema);
    } else if (isJsonObject(value)) {
      const merged = strategicMerge(current, value, fieldSchema);
      if (merged === null) Reflect.deleteProperty(base, key);
      else base[key] = merged;
    } else {
      base[key] = value;
    }
  }
  if (Array.isArray(retain)) {
    for (const key of Object.keys(base)) if (!retain.includes(key)) Reflect.deleteProperty(base, key);
  }
  return base;
}
