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

/** go-openapi's wording of the bounds it checks (`<path> in body should ...`), by Ajv keyword. */
const IN_BODY: Readonly<Record<string, (limit: string) => string>> = {
  minLength: (limit) => `should be at least ${limit} chars long`,
  minItems: (limit) => `should have at least ${limit} items`,
  maximum: (limit) => `should be less than or equal to ${limit}`,
  minimum: (limit) => `should be greater than or equal to ${limit}`,
};

function problemOf(error: CompiledError, object: JsonObject): FieldProblem | undefined {
  const field = fieldPath(error.instancePath);
  const value = valueAt(object, error.instancePath);
  const limit = error.params['limit'];
  const bound = IN_BODY[error.keyword];
  if (bound !== undefined) {
    return { type: 'Invalid', field, value, detail: `${field} in body ${bound(String(limit))}` };
  }
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
    case 'maxItems':
      return {
        type: 'TooMany',
        field,
        value: Array.isArray(value) ? value.length : 0,
        detail: `must have at most ${String(limit)} items`,
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

/**
 * The CEL rules (`x-kubernetes-validations`) of the upstream CRDs are not in the package's compiled
 * validators (they come from `+kubebuilder:validation:XValidation` markers); the ones a certificate
 * manager's objects meet are written out here, with the CRD's messages, rendered as the apiserver renders a
 * failed rule: `<path>: Invalid value: "<type>": <message>`.
 */
type CelRule = (object: JsonObject) => FieldProblem[];

function listenersOf(object: JsonObject): JsonObject[] {
  const listeners = isJsonObject(object['spec']) ? object['spec']['listeners'] : undefined;
  return Array.isArray(listeners) ? listeners.filter(isJsonObject) : [];
}

/** The listener rules of the Gateway CRD (also on ListenerSet's listeners). */
function listenerRules(field: string, uniqueName: string): CelRule {
  return (object) => {
    const listeners = listenersOf(object);
    const failed = (message: string): FieldProblem => ({
      type: 'Invalid',
      field,
      value: 'array',
      detail: message,
    });
    const problems: FieldProblem[] = [];
    const protocol = (l: JsonObject): unknown => l['protocol'];
    if (
      listeners.some((l) => ['HTTP', 'TCP', 'UDP'].includes(String(protocol(l))) && l['tls'] !== undefined)
    ) {
      problems.push(failed("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"));
    }
    if (
      listeners.some((l) => {
        const tls = l['tls'];
        const mode = isJsonObject(tls) ? tls['mode'] : undefined;
        return protocol(l) === 'HTTPS' && mode !== undefined && mode !== '' && mode !== 'Terminate';
      })
    ) {
      problems.push(failed('tls mode must be Terminate for protocol HTTPS'));
    }
    if (
      listeners.some(
        (l) =>
          ['TCP', 'UDP'].includes(String(protocol(l))) && l['hostname'] !== undefined && l['hostname'] !== '',
      )
    ) {
      problems.push(failed("hostname must not be specified for protocols ['TCP', 'UDP']"));
    }
    const names = listeners.map((l) => l['name']);
    if (new Set(names).size !== names.length) problems.push(failed(uniqueName));
    const combinations = listeners.map((l) =>
      JSON.stringify([l['port'], protocol(l), l['hostname'] ?? null]),
    );
    if (new Set(combinations).size !== combinations.length) {
      problems.push(failed('Combination of port, protocol and hostname must be unique for each listener'));
    }
    return problems;
  };
}

/** HTTPPathMatch's rule: Exact and PathPrefix values are absolute paths. */
const httpRoutePaths: CelRule = (object) => {
  const spec = isJsonObject(object['spec']) ? object['spec'] : {};
  const rules = Array.isArray(spec['rules']) ? spec['rules'] : [];
  return rules.flatMap((rule, i) => {
    const matches = isJsonObject(rule) && Array.isArray(rule['matches']) ? rule['matches'] : [];
    return matches.flatMap((match, j): FieldProblem[] => {
      const path = isJsonObject(match) ? match['path'] : undefined;
      if (!isJsonObject(path)) return [];
      const type = path['type'] ?? 'PathPrefix';
      const value = path['value'] ?? '/';
      if (
        (type !== 'Exact' && type !== 'PathPrefix') ||
        (typeof value === 'string' && value.startsWith('/'))
      ) {
        return [];
      }
      return [
        {
          type: 'Invalid',
          field: `spec.rules[${i}].matches[${j}].path`,
          value: 'object',
          detail:
            "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
        },
      ];
    });
  });
};

const CEL_RULES: Record<GatewayApiKind, readonly CelRule[]> = {
  Gateway: [listenerRules('spec.listeners', 'Listener name must be unique within the Gateway')],
  ListenerSet: [listenerRules('spec.listeners', 'Listener name must be unique within the ListenerSet')],
  HTTPRoute: [httpRoutePaths],
  GatewayClass: [],
  ReferenceGrant: [],
};

/** A validator for one Gateway API kind (the object is checked as sent, with apiVersion and kind). */
export function gatewayApiValidator(kind: GatewayApiKind): Validator {
  const validate = COMPILED[kind];
  return (object) => {
    // The stored object carries no type meta; the compiled schemas require the v1 one.
    const typed: JsonObject = { ...object, apiVersion: 'gateway.networking.k8s.io/v1', kind };
    const schemaProblems = validate(typed)
      ? []
      : compiledErrors(validate).flatMap((e) => problemOf(e, typed) ?? []);
    // Simpler than the apiserver, which skips the CEL rules only after type errors: only after any schema error.
    return schemaProblems.length > 0 ? schemaProblems : CEL_RULES[kind].flatMap((rule) => rule(typed));
  };
}
