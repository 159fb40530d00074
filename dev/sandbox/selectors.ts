/** Label and field selectors with the syntax of k8s.io/apimachinery/pkg/labels and pkg/fields. */
import { badRequest } from './api-error.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

/** A parsed selector: matches a flat string map (labels, or selectable fields). */
export type Selector = (fields: Readonly<Record<string, string>>) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseTerm(term: string, allowSetOps: boolean): Requirement {
  const setMatch = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (setMatch !== null) {
    if (!allowSetOps)
      throw badRequest(`invalid selector: '${term}'; set-based requirements are not supported`);
    const [, key = '', op, list = ''] = setMatch;
    const values = list
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { op: op === 'in' ? 'in' : 'notin', key, values };
  }
  // Label values are restricted to [-A-Za-z0-9_.]; field values (a Secret type, a path) are not.
  const cmp = (
    allowSetOps ? /^([^\s!=]+)\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)$/ : /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/
  ).exec(term);
  if (cmp !== null) {
    const [, key = '', op, value = ''] = cmp;
    return { op: op === '!=' ? 'neq' : 'eq', key, value };
  }
  if (allowSetOps && /^![^\s!=()]+$/.test(term)) return { op: 'notexists', key: term.slice(1) };
  if (allowSetOps && /^[^\s!=()]+$/.test(term)) return { op: 'exists', key: term };
  throw badRequest(`unable to parse requirement: found '${term}', expected: '=', '!=', '==', 'in', notin'`);
}

function matches(req: Requirement, fields: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(fields, req.key);
  const value = has ? fields[req.key] : undefined;
  switch (req.op) {
    case 'eq':
      return value === req.value;
    case 'neq':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Parses a `labelSelector` query value; an empty one matches everything. */
export function parseLabelSelector(text: string | null): Selector {
  if (text === null || text.trim() === '') return () => true;
  const reqs = splitTerms(text).map((t) => parseTerm(t, true));
  return (labels) => reqs.every((r) => matches(r, labels));
}

/**
 * Parses a `fieldSelector` query value. Only `metadata.name`, `metadata.namespace` and the keys the
 * resource declares are selectable; others are a 400, as on the real server.
 */
export function parseFieldSelector(
  text: string | null,
  allowed: readonly string[],
  resource: string,
): Selector {
  if (text === null || text.trim() === '') return () => true;
  const reqs = splitTerms(text).map((t) => parseTerm(t, false));
  for (const r of reqs) {
    if (r.key !== 'metadata.name' && r.key !== 'metadata.namespace' && !allowed.includes(r.key)) {
      throw badRequest(
        `"${r.key}" is not a known field selector: only "metadata.name", "metadata.namespace"${allowed.map((a) => `, "${a}"`).join('')} for ${resource}`,
      );
    }
  }
  return (fields) => reqs.every((r) => matches(r, fields));
}

/** The labels of an object as a flat map. */
export function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = object['metadata'];
  const labels = isJsonObject(metadata) ? metadata['labels'] : undefined;
  const out: Record<string, string> = {};
  if (isJsonObject(labels)) {
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function valueAt(object: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const part of path.split('.')) {
    current = isJsonObject(current) ? current[part] : undefined;
  }
  return current;
}

/** The selectable fields of an object; absent fields select as the empty string, as upstream. */
export function fieldsOf(object: JsonObject, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['metadata.name', 'metadata.namespace', ...keys]) {
    const value = valueAt(object, key);
    out[key] = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  }
  if (out['type'] === '' && keys.includes('type') && object['kind'] === 'Secret') out['type'] = 'Opaque';
  return out;
}
