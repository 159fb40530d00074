/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) far enough to read the access
 * reviews kubectl always sends as protobuf (`kubectl auth can-i`, `kubectl auth whoami`). Every other
 * request body is JSON; the sandbox answers in JSON, which kubectl also accepts.
 */
import { badRequest } from './api-error.js';
import type { JsonObject } from './json.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { readonly wire: 0; readonly value: number } | { readonly wire: 2; readonly value: Buffer };

function readVarint(buf: Buffer, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = offset;
  for (;;) {
    const byte = buf[i];
    if (byte === undefined) throw badRequest('the protobuf body is truncated');
    value += (byte & 0x7f) * 2 ** shift;
    i++;
    if ((byte & 0x80) === 0) return { value, next: i };
    shift += 7;
  }
}

/** The fields of one protobuf message, by field number (repeated fields keep every occurrence). */
function readMessage(buf: Buffer): Map<number, Field[]> {
  const fields = new Map<number, Field[]>();
  let i = 0;
  while (i < buf.length) {
    const key = readVarint(buf, i);
    const number = Math.floor(key.value / 8);
    const wire = key.value % 8;
    i = key.next;
    let field: Field;
    if (wire === 0) {
      const v = readVarint(buf, i);
      field = { wire: 0, value: v.value };
      i = v.next;
    } else if (wire === 2) {
      const len = readVarint(buf, i);
      field = { wire: 2, value: buf.subarray(len.next, len.next + len.value) };
      i = len.next + len.value;
    } else if (wire === 1) {
      i += 8;
      continue;
    } else if (wire === 5) {
      i += 4;
      continue;
    } else {
      throw badRequest(`the protobuf body uses wire type ${wire}, which the sandbox does not read`);
    }
    fields.set(number, [...(fields.get(number) ?? []), field]);
  }
  return fields;
}

function bytesField(fields: Map<number, Field[]>, n: number): Buffer | undefined {
  const f = fields.get(n)?.[0];
  return f?.wire === 2 ? f.value : undefined;
}

function stringFields(buf: Buffer | undefined, names: readonly string[]): JsonObject {
  const out: JsonObject = {};
  if (buf === undefined) return out;
  const fields = readMessage(buf);
  names.forEach((name, i) => {
    const value = bytesField(fields, i + 1);
    if (value !== undefined) out[name] = value.toString('utf8');
  });
  return out;
}

/** Whether a request body is a protobuf-encoded object. */
export function isProtobufBody(contentType: string): boolean {
  return contentType.split(';')[0]?.trim() === 'application/vnd.kubernetes.protobuf';
}

/** The JSON form of a protobuf SelfSubjectAccessReview or SelfSubjectReview. */
export function decodeReview(body: Buffer): JsonObject {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw badRequest('the protobuf body does not start with the k8s envelope magic');
  const unknown = readMessage(body.subarray(4));
  const typeMeta = stringFields(bytesField(unknown, 1), ['apiVersion', 'kind']);
  const raw = bytesField(unknown, 2) ?? Buffer.alloc(0);
  const object: JsonObject = { ...typeMeta };
  if (typeMeta['kind'] !== 'SelfSubjectAccessReview') return object;
  const review = readMessage(raw);
  const spec = readMessage(bytesField(review, 2) ?? Buffer.alloc(0));
  const specJson: JsonObject = {};
  const resource = bytesField(spec, 1);
  if (resource !== undefined) {
    specJson['resourceAttributes'] = stringFields(resource, [
      'namespace',
      'verb',
      'group',
      'version',
      'resource',
      'subresource',
      'name',
    ]);
  }
  const nonResource = bytesField(spec, 2);
  if (nonResource !== undefined)
    specJson['nonResourceAttributes'] = stringFields(nonResource, ['path', 'verb']);
  object['spec'] = specJson;
  return object;
}
