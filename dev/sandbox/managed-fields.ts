/**
 * Field ownership (`metadata.managedFields`): server-side apply with conflict detection, and the
 * bookkeeping every other write does for its field manager, as kube-apiserver's fieldmanager does.
 */
import { ApiError } from './api-error.js';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';
import {
  addPath,
  deleteAtPath,
  fieldSetOf,
  fromFieldsV1,
  hasPath,
  leafPaths,
  mergeApplied,
  removePath,
  renderPath,
  toFieldsV1,
  valueAtPath,
  type FieldPath,
  type FieldTree,
} from './field-set.js';
import type { Schema } from './schema.js';

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fields: FieldTree;
  subresource?: string;
}

function readEntries(object: JsonObject | undefined): Entry[] {
  const meta = object?.['metadata'];
  const raw = isJsonObject(meta) ? meta['managedFields'] : undefined;
  if (!Array.isArray(raw)) return [];
  const entries: Entry[] = [];
  for (const e of raw) {
    if (!isJsonObject(e) || typeof e['manager'] !== 'string') continue;
    const entry: Entry = {
      manager: e['manager'],
      operation: e['operation'] === 'Apply' ? 'Apply' : 'Update',
      apiVersion: typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '',
      time: typeof e['time'] === 'string' ? e['time'] : '',
      fields: fromFieldsV1(e['fieldsV1']),
    };
    if (typeof e['subresource'] === 'string') entry.subresource = e['subresource'];
    entries.push(entry);
  }
  return entries;
}

function writeEntries(entries: readonly Entry[]): JsonValue[] {
  return entries
    .filter((e) => e.fields.size > 0)
    .map((e) => {
      const out: JsonObject = {
        manager: e.manager,
        operation: e.operation,
        apiVersion: e.apiVersion,
        time: e.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1(e.fields),
      };
      if (e.subresource !== undefined) out['subresource'] = e.subresource;
      return out;
    });
}

function withManagedFields(object: JsonObject, entries: readonly Entry[]): JsonObject {
  const meta = isJsonObject(object['metadata']) ? object['metadata'] : {};
  const managed = writeEntries(entries);
  const nextMeta: JsonObject = { ...meta };
  if (managed.length > 0) nextMeta['managedFields'] = managed;
  else delete nextMeta['managedFields'];
  return { ...object, metadata: nextMeta };
}

function entryFor(
  entries: Entry[],
  manager: string,
  operation: Entry['operation'],
  context: { apiVersion: string; now: string; subresource?: string },
): Entry {
  let entry = entries.find(
    (e) => e.manager === manager && e.operation === operation && e.subresource === context.subresource,
  );
  if (entry === undefined) {
    entry = { manager, operation, apiVersion: context.apiVersion, time: context.now, fields: new Map() };
    if (context.subresource !== undefined) entry.subresource = context.subresource;
    entries.push(entry);
  }
  entry.time = context.now;
  entry.apiVersion = context.apiVersion;
  return entry;
}

/** Context of one write. */
export interface OwnershipContext {
  readonly manager: string;
  readonly apiVersion: string;
  /** RFC 3339 time of the write (passed in: no clock here). */
  readonly now: string;
  readonly schema: Schema;
  readonly subresource?: string;
}

/**
 * Records a non-apply write (create, update, patch): the manager takes the fields whose values it
 * changed, other managers lose them, and fields that no longer exist leave every set.
 */
export function trackUpdate(
  previous: JsonObject | undefined,
  next: JsonObject,
  context: OwnershipContext,
): JsonObject {
  const entries = readEntries(previous);
  const nextSet = fieldSetOf(next, context.schema);
  const changed = leafPaths(nextSet).filter(
    (p) => previous === undefined || !jsonEqual(valueAtPath(previous, p), valueAtPath(next, p)),
  );
  for (const e of entries) {
    for (const p of leafPaths(e.fields)) if (!hasPath(nextSet, p)) removePath(e.fields, p);
  }
  if (changed.length > 0) {
    for (const e of entries)
      if (e.manager !== context.manager) for (const p of changed) removePath(e.fields, p);
    const mine = entryFor(entries, context.manager, 'Update', context);
    for (const p of changed) addPath(mine.fields, p);
  }
  return withManagedFields(next, entries);
}

/** Options of one server-side apply. */
export interface ApplyRequest extends OwnershipContext {
  readonly force: boolean;
}

/**
 * Server-side apply of `applied` onto `current` (undefined when creating). Throws a 409 listing the
 * conflicting fields and managers unless `force`; returns the new object with managedFields updated.
 */
export function serverSideApply(
  current: JsonObject | undefined,
  applied: JsonObject,
  request: ApplyRequest,
): JsonObject {
  const entries = readEntries(current);
  const appliedSet = fieldSetOf(applied, request.schema);
  const appliedLeaves = leafPaths(appliedSet);
  const conflicts: { manager: string; apiVersion: string; paths: FieldPath[] }[] = [];
  for (const e of entries) {
    if (e.manager === request.manager) continue;
    const paths = appliedLeaves.filter(
      (p) => hasPath(e.fields, p) && !jsonEqual(valueAtPath(current, p), valueAtPath(applied, p)),
    );
    if (paths.length > 0) conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, paths });
  }
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  for (const c of conflicts) {
    const owner = entries.find((e) => e.manager === c.manager && e.apiVersion === c.apiVersion);
    if (owner !== undefined) for (const p of c.paths) removePath(owner.fields, p);
  }
  const previousApply = entries.find(
    (e) => e.manager === request.manager && e.operation === 'Apply' && e.subresource === request.subresource,
  );
  const merged = mergeApplied(
    current === undefined ? undefined : cloneJson(current),
    applied,
    request.schema,
  );
  const result: JsonObject = isJsonObject(merged) ? merged : {};
  if (previousApply !== undefined) {
    // Fields this manager applied before and no longer applies are removed unless someone else owns them.
    const dropped = leafPaths(previousApply.fields).filter((p) => !hasPath(appliedSet, p));
    const ownedElsewhere = (p: FieldPath): boolean =>
      entries.some((e) => e !== previousApply && hasPath(e.fields, p));
    for (const p of dropped.sort((a, b) => b.length - a.length))
      if (!ownedElsewhere(p)) deleteAtPath(result, p);
  }
  // Taking fields over from an Update entry of the same manager keeps one entry per operation.
  for (const e of entries)
    if (e.manager === request.manager && e.operation === 'Update')
      for (const p of appliedLeaves) removePath(e.fields, p);
  const mine = entryFor(entries, request.manager, 'Apply', request);
  mine.fields = appliedSet;
  return withManagedFields(result, entries);
}

function conflictError(
  conflicts: readonly { manager: string; apiVersion: string; paths: FieldPath[] }[],
): ApiError {
  const total = conflicts.reduce((n, c) => n + c.paths.length, 0);
  const parts = conflicts.map((c) =>
    c.paths.length === 1
      ? `conflict with "${c.manager}" using ${c.apiVersion}: ${renderPath(c.paths[0] ?? [])}`
      : `conflicts with "${c.manager}" using ${c.apiVersion}:\n${c.paths.map((p) => `- ${renderPath(p)}`).join('\n')}`,
  );
  const message = `Apply failed with ${total} conflict${total === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.flatMap((c) =>
      c.paths.map((p) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: renderPath(p),
      })),
    ),
  });
}
