/**
 * Validation of the Gateway API kinds against their OpenAPI constraints, with the field errors the
 * apiextensions apiserver renders for custom resources (apiextensions-apiserver's
 * `kubeOpenAPIResultToFieldErrors`): `Required value`, `Unsupported value: ...: supported values: ...`,
 * `Invalid value: ...: <path> in body should match '<pattern>'`, `Too long: may not be more than N bytes`.
 * The constraints are those compiled into `@kubernetes-models/gateway-api`'s validators.
 */
import { validate as validateGatewayClass } from '@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1GatewayClass';
import { validate as validateGateway } from '@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1Gateway';
import { validate as validateHttpRoute } from '@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1HTTPRoute';
import { validate as validateListenerSet } from '@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1ListenerSet';
import { validate as validateReferenceGrant } from '@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1ReferenceGrant';
import type { FieldProblem } from './api-error.js';
import type { GatewayApiKind } from './gateway-api-structure.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { Validator } from './validation.js';

const COMPILED: Record<GatewayApiKind, (data: unknown) => boolean> = {
  Gateway: validateGateway,
  GatewayClass: validateGatewayClass,
  HTTPRoute: validateHttpRoute,
  ListenerSet: validateListenerSet,
  ReferenceGrant: validateReferenceGrant,
};

/** One error of a compiled (Ajv) validator. */
interface CompiledError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
}

function compiledErrors(validate: (data: unknown) => boolean): CompiledError[] {
  const errors: unknown = Reflect.get(validate, 'errors');
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: unknown): CompiledError[] => {
    if (typeof e !== 'object' || e === null) return [];
    const instancePath: unknown = Reflect.get(e, 'instancePath');
    const keyword: unknown = Reflect.get(e, 'keyword');
    const params: unknown = Reflect.get(e, 'params');
    if (typeof instancePath !== 'string' || typeof keyword !== 'string') return [];
    return [
      {
        instancePath,
        keyword,
        params: typeof params === 'object' && params !== null ? { ...params } : {},
      },
    ];
  });
}

/** `/spec/listeners/0/name` → `spec.listeners[0].name`, as field.Path renders it. */
function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function valueAt(root: JsonValue, pointer: string): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (current !== undefined && isJsonObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function jsonType(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function problemOf(error: CompiledError, object: JsonObject): FieldProblem | undefined {
  const field = fieldPath(error.instancePath);
  const value = valueAt(object, error.instancePath);
  const limit = error.params['limit'];
  switch (error.keyword) {
    case 'required': {
      const missing = error.params['missingProperty'];
      const name = typeof missing === 'string' ? missing : '';
      return { type: 'Required', field: field === '' ? name : `${field}.${name}` };
    }
    case 'enum': {
      const allowed = error.params['allowedValues'];
      const values = Array.isArray(allowed) ? allowed.map((v) => JSON.stringify(v)) : [];
      return { type: 'NotSupported', field, value, detail: `supported values: ${values.join(', ')}` };
    }
    case 'pattern': {
      const pattern = error.params['pattern'];
      return {
        type: 'Invalid',
        field,
        value,
        detail: `${field} in body should match '${typeof pattern === 'string' ? pattern : ''}'`,
      };
    }
    case 'maxLength':
      return { type: 'TooLong', field, value, detail: `may not be more than ${String(limit)} bytes` };
    case 'minLength':
      return {
        type: 'Invalid',
        field,
        value,
        detail: `${field} in body should be at least ${String(limit)} chars long`,
      };
    case 'maxItems':
      return {
        type: 'TooMany',
        field,
        value: Array.isArray(value) ? value.length : 0,
        detail: `must have at most ${String(limit)} items`,
      };
    case 'minItems':
      return {
        type: 'Invalid',
        field,
        value,
        detail: `${field} in body should have at least ${String(limit)} items`,
      };
    case 'maximum':
      return {
        type: 'Invalid',
        field,
        value,
        detail: `${field} in body should be less than or equal to ${String(limit)}`,
      };
    case 'minimum':
      return {
        type: 'Invalid',
        field,
        value,
        detail: `${field} in body should be greater than or equal to ${String(limit)}`,
      };
    case 'type': {
      const expected = error.params['type'];
      return {
        type: 'Invalid',
        field,
        value: jsonType(value),
        detail: `${field} in body must be of type ${typeof expected === 'string' ? expected : 'object'}: "${jsonType(value)}"`,
      };
    }
    case 'format':
      // The type check above already reports a value of the wrong kind; int32/int64 ranges are not checked.
      return undefined;
    default:
      return { type: 'Invalid', field, value, detail: `${field} in body fails ${error.keyword} validation` };
  }
}

/** A validator for one Gateway API kind (the object is checked as sent, with apiVersion and kind). */
export function gatewayApiValidator(kind: GatewayApiKind): Validator {
  const validate = COMPILED[kind];
  return (object) => {
    // The stored object carries no type meta; the compiled schemas require the v1 one.
    const typed: JsonObject = { ...object, apiVersion: 'gateway.networking.k8s.io/v1', kind };
    if (validate(typed)) return [];
    return compiledErrors(validate).flatMap((e) => problemOf(e, typed) ?? []);
  };
}
