/**
 * Decodes Kubernetes protobuf request bodies (`k8s\0` + runtime.Unknown) for the kinds kubectl sends as
 * protobuf: access reviews (`kubectl auth can-i`, `auth whoami`) and the objects of `kubectl create
 * namespace|secret|configmap|service`. Field numbers follow the upstream generated.proto files. The
 * sandbox always answers in JSON, which kubectl accepts.
 */
import { ApiError, badRequest } from './api-error.js';
import type { JsonObject, JsonValue } from './json.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Scalar = 'string' | 'bytes' | 'bool' | 'int' | 'int-or-string' | 'string-map' | 'bytes-map';
interface FieldSpec {
  readonly name: string;
  readonly type: Scalar | MessageSpec;
  readonly repeated?: boolean;
}
type MessageSpec = Readonly<Record<number, FieldSpec>>;

const OBJECT_META: MessageSpec = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  11: { name: 'labels', type: 'string-map' },
  12: { name: 'annotations', type: 'string-map' },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const SERVICE_PORT: MessageSpec = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int' },
  4: { name: 'targetPort', type: 'int-or-string' },
  5: { name: 'nodePort', type: 'int' },
  6: { name: 'appProtocol', type: 'string' },
};

const KINDS: Readonly<Record<string, MessageSpec>> = {
  Namespace: {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
  },
  Secret: {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'bytes-map' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'string-map' },
    5: { name: 'immutable', type: 'bool' },
  },
  ConfigMap: {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'string-map' },
    3: { name: 'binaryData', type: 'bytes-map' },
    4: { name: 'immutable', type: 'bool' },
  },
  Service: {
    1: { name: 'metadata', type: OBJECT_META },
    2: {
      name: 'spec',
      type: {
        1: { name: 'ports', type: SERVICE_PORT, repeated: true },
        2: { name: 'selector', type: 'string-map' },
        3: { name: 'clusterIP', type: 'string' },
        4: { name: 'type', type: 'string' },
        10: { name: 'externalName', type: 'string' },
      },
    },
  },
  SelfSubjectAccessReview: {
    1: { name: 'metadata', type: OBJECT_META },
    2: {
      name: 'spec',
      type: {
        1: {
          name: 'resourceAttributes',
          type: Object.fromEntries(
            ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'].map((n, i) => [
              i + 1,
              { name: n, type: 'string' },
            ]),
          ) as MessageSpec,
        },
        2: {
          name: 'nonResourceAttributes',
          type: { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } },
        },
      },
    },
  },
  SelfSubjectReview: { 1: { name: 'metadata', type: OBJECT_META } },
};

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

function readFields(buf: Buffer): [number, Field][] {
  const out: [number, Field][] = [];
  let i = 0;
  while (i < buf.length) {
    const key = readVarint(buf, i);
    const wire = key.value % 8;
    const number = Math.floor(key.value / 8);
    i = key.next;
    if (wire === 0) {
      const v = readVarint(buf, i);
      out.push([number, { wire: 0, value: v.value }]);
      i = v.next;
    } else if (wire === 2) {
      const len = readVarint(buf, i);
      out.push([number, { wire: 2, value: buf.subarray(len.next, len.next + len.value) }]);
      i = len.next + len.value;
    } else if (wire === 1) {
      i += 8;
    } else if (wire === 5) {
      i += 4;
    } else {
      throw badRequest(`the protobuf body uses wire type ${wire}, which the sandbox does not read`);
    }
  }
  return out;
}

function mapEntry(entry: Buffer, bytesValue: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const [n, f] of readFields(entry)) {
    if (f.wire !== 2) continue;
    if (n === 1) key = f.value.toString('utf8');
    if (n === 2) value = bytesValue ? f.value.toString('base64') : f.value.toString('utf8');
  }
  return [key, value];
}

function decodeValue(field: Field, type: FieldSpec['type']): JsonValue | undefined {
  if (typeof type === 'object') return field.wire === 2 ? decodeMessage(field.value, type) : undefined;
  switch (type) {
    case 'string':
      return field.wire === 2 ? field.value.toString('utf8') : undefined;
    case 'bytes':
      return field.wire === 2 ? field.value.toString('base64') : undefined;
    case 'bool':
      return field.wire === 0 ? field.value !== 0 : undefined;
    case 'int':
      return field.wire === 0 ? field.value : undefined;
    case 'int-or-string': {
      if (field.wire !== 2) return undefined;
      let kind = 0;
      let intVal = 0;
      let strVal = '';
      for (const [n, f] of readFields(field.value)) {
        if (n === 1 && f.wire === 0) kind = f.value;
        if (n === 2 && f.wire === 0) intVal = f.value;
        if (n === 3 && f.wire === 2) strVal = f.value.toString('utf8');
      }
      return kind === 1 ? strVal : intVal;
    }
    case 'string-map':
    case 'bytes-map':
      return undefined;
  }
}

function decodeMessage(buf: Buffer, spec: MessageSpec): JsonObject {
  const out: JsonObject = {};
  for (const [n, field] of readFields(buf)) {
    const fieldSpec = spec[n];
    if (fieldSpec === undefined) continue;
    if (fieldSpec.type === 'string-map' || fieldSpec.type === 'bytes-map') {
      if (field.wire !== 2) continue;
      const [key, value] = mapEntry(field.value, fieldSpec.type === 'bytes-map');
      const map = out[fieldSpec.name];
      out[fieldSpec.name] = {
        ...(typeof map === 'object' && map !== null && !Array.isArray(map) ? map : {}),
        [key]: value,
      };
      continue;
    }
    const value = decodeValue(field, fieldSpec.type);
    // Go marshals unset scalars as zero values, which its JSON encoding then omits: do the same.
    if (value === undefined || value === '' || value === 0 || value === false) continue;
    if (fieldSpec.repeated === true) {
      const list = out[fieldSpec.name];
      out[fieldSpec.name] = [...(Array.isArray(list) ? list : []), value];
    } else {
      out[fieldSpec.name] = value;
    }
  }
  return out;
}

/** Whether a request body is protobuf-encoded. */
export function isProtobufBody(contentType: string): boolean {
  return contentType.split(';')[0]?.trim() === 'application/vnd.kubernetes.protobuf';
}

/** The JSON form of a protobuf-encoded object of a kind the sandbox reads as protobuf. */
export function decodeProtobufObject(body: Buffer): JsonObject {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw badRequest('the protobuf body does not start with the k8s envelope magic');
  const unknown = readFields(body.subarray(4));
  const typeMeta = unknown.find(([n, f]) => n === 1 && f.wire === 2)?.[1];
  const raw = unknown.find(([n, f]) => n === 2 && f.wire === 2)?.[1];
  const meta =
    typeMeta?.wire === 2
      ? decodeMessage(typeMeta.value, {
          1: { name: 'apiVersion', type: 'string' },
          2: { name: 'kind', type: 'string' },
        })
      : {};
  const kind = typeof meta['kind'] === 'string' ? meta['kind'] : '';
  const spec = KINDS[kind];
  if (spec === undefined) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the sandbox reads protobuf bodies only for ${Object.keys(KINDS).join(', ')}; send ${kind === '' ? 'this object' : kind} as application/json`,
    );
  }
  return { ...meta, ...(raw?.wire === 2 ? decodeMessage(raw.value, spec) : {}) };
}
