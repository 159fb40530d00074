/**
 * Serialization of stored objects, cached per object. Stored objects are never mutated (every write
 * stores a new object), so each is serialized at most once however many lists and watches send it.
 */
import type { JsonObject } from './json.js';

const cache = new WeakMap<JsonObject, string>();

/** The JSON text of a stored object (no apiVersion/kind, as list items are sent). */
export function storedJson(object: JsonObject): string {
  let text = cache.get(object);
  if (text === undefined) {
    text = JSON.stringify(object);
    cache.set(object, text);
  }
  return text;
}

/** The JSON text of a stored object with `kind` and `apiVersion` in front, as single objects are sent. */
export function typedJson(kind: string, apiVersion: string, object: JsonObject): string {
  const body = storedJson(object);
  const head = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)}`;
  return body === '{}' ? `${head}}` : `${head},${body.slice(1)}`;
}

/** The JSON text of a list response, reusing the cached item texts. */
export function listJson(
  head: { kind: string; apiVersion: string; metadata: JsonObject },
  items: readonly JsonObject[],
): string {
  const parts = items.map(storedJson);
  return `{"kind":${JSON.stringify(head.kind)},"apiVersion":${JSON.stringify(head.apiVersion)},"metadata":${JSON.stringify(head.metadata)},"items":[${parts.join(',')}]}`;
}
