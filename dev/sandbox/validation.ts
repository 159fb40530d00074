/**
 * Validation the real API server applies to the kinds kube-lego uses, with the same field paths and
 * wording (k8s.io/apimachinery/pkg/util/validation and pkg/apis/.../validation).
 */
import type { FieldProblem } from './api-error.js';
import { childObject, childString, isJsonObject, type JsonObject } from './json.js';

/** A validation hook: the new object and, on update, the stored one. */
export type Validator = (object: JsonObject, previous: JsonObject | undefined) => FieldProblem[];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** Which name rule a kind applies to `metadata.name`. */
export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path-segment';

/** Problems with a name under a rule (empty when valid). */
export function nameProblems(name: string, rule: NameRule, field = 'metadata.name'): FieldProblem[] {
  switch (rule) {
    case 'subdomain':
      if (name.length > 253)
        return [{ type: 'Invalid', field, value: name, detail: 'must be no more than 253 characters' }];
      return DNS1123_SUBDOMAIN.test(name)
        ? []
        : [{ type: 'Invalid', field, value: name, detail: SUBDOMAIN_MSG }];
    case 'label':
      if (name.length > 63)
        return [{ type: 'Invalid', field, value: name, detail: 'must be no more than 63 characters' }];
      return DNS1123_LABEL.test(name) ? [] : [{ type: 'Invalid', field, value: name, detail: LABEL_MSG }];
    case 'dns1035':
      if (name.length > 63)
        return [{ type: 'Invalid', field, value: name, detail: 'must be no more than 63 characters' }];
      return DNS1035_LABEL.test(name) ? [] : [{ type: 'Invalid', field, value: name, detail: DNS1035_MSG }];
    case 'path-segment':
      if (name === '.' || name === '..')
        return [{ type: 'Invalid', field, value: name, detail: `may not be '${name}'` }];
      return name.includes('/') || name.includes('%')
        ? [{ type: 'Invalid', field, value: name, detail: "may not contain '/'" }]
        : [];
  }
}

function validateHost(host: string, field: string): FieldProblem[] {
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  if (DNS1123_SUBDOMAIN.test(bare) && !bare.includes('*')) return [];
  const detail = host.startsWith('*.')
    ? `a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`
    : SUBDOMAIN_MSG;
  return [{ type: 'Invalid', field, value: host, detail }];
}

function validateBackend(backend: JsonObject | undefined, field: string): FieldProblem[] {
  if (backend === undefined) return [{ type: 'Required', field, detail: 'backend must be specified' }];
  const service = childObject(backend, 'service');
  const resource = childObject(backend, 'resource');
  if (service !== undefined && resource !== undefined) {
    return [{ type: 'Invalid', field, value: '', detail: 'cannot set both resource and service backends' }];
  }
  if (resource !== undefined) return [];
  if (service === undefined)
    return [{ type: 'Invalid', field, value: '', detail: 'resource or service backend is required' }];
  const problems: FieldProblem[] = [];
  const name = childString(service, 'name');
  if (name === undefined || name === '') {
    problems.push({ type: 'Required', field: `${field}.service.name` });
  } else {
    problems.push(...nameProblems(name, 'dns1035', `${field}.service.name`));
  }
  const port = childObject(service, 'port');
  const portName = childString(port, 'name');
  const portNumber = port?.['number'];
  const hasName = portName !== undefined && portName !== '';
  const hasNumber = typeof portNumber === 'number' && portNumber !== 0;
  if (!hasName && !hasNumber) {
    problems.push({
      type: 'Invalid',
      field: `${field}.service.port`,
      value: port ?? {},
      detail: 'port name or number is required',
    });
  } else if (hasName && hasNumber) {
    problems.push({
      type: 'Invalid',
      field: `${field}.service.port`,
      value: port ?? {},
      detail: 'cannot set both port name & port number',
    });
  } else if (hasNumber && (portNumber < 1 || portNumber > 65535 || !Number.isInteger(portNumber))) {
    problems.push({
      type: 'Invalid',
      field: `${field}.service.port.number`,
      value: portNumber,
      detail: 'must be between 1 and 65535, inclusive',
    });
  }
  return problems;
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

/** networking.k8s.io/v1 Ingress. */
export const validateIngress: Validator = (ingress) => {
  const problems: FieldProblem[] = [];
  const spec = childObject(ingress, 'spec') ?? {};
  const defaultBackend = childObject(spec, 'defaultBackend');
  if (defaultBackend !== undefined) problems.push(...validateBackend(defaultBackend, 'spec.defaultBackend'));
  const rules = Array.isArray(spec['rules']) ? spec['rules'] : [];
  if (defaultBackend === undefined && rules.length === 0) {
    problems.push({
      type: 'Invalid',
      field: 'spec.rules',
      value: [],
      detail: 'either `defaultBackend` or `rules` must be specified',
    });
  }
  rules.forEach((rule, i) => {
    if (!isJsonObject(rule)) return;
    const host = childString(rule, 'host');
    if (host !== undefined && host !== '') problems.push(...validateHost(host, `spec.rules[${i}].host`));
    const http = childObject(rule, 'http');
    if (http === undefined) return;
    const paths = Array.isArray(http['paths']) ? http['paths'] : [];
    if (paths.length === 0) problems.push({ type: 'Required', field: `spec.rules[${i}].http.paths` });
    paths.forEach((p, j) => {
      const field = `spec.rules[${i}].http.paths[${j}]`;
      if (!isJsonObject(p)) return;
      const pathType = childString(p, 'pathType');
      const path = childString(p, 'path') ?? '';
      if (pathType === undefined) {
        problems.push({ type: 'Required', field: `${field}.pathType`, detail: 'pathType must be specified' });
      } else if (!PATH_TYPES.includes(pathType)) {
        problems.push({
          type: 'NotSupported',
          field: `${field}.pathType`,
          value: pathType,
          detail: `supported values: ${PATH_TYPES.map((t) => `"${t}"`).join(', ')}`,
        });
      } else if ((pathType === 'Exact' || pathType === 'Prefix') && !path.startsWith('/')) {
        problems.push({
          type: 'Invalid',
          field: `${field}.path`,
          value: path,
          detail: 'must be an absolute path',
        });
      }
      problems.push(...validateBackend(childObject(p, 'backend'), `${field}.backend`));
    });
  });
  const tls = Array.isArray(spec['tls']) ? spec['tls'] : [];
  tls.forEach((entry, i) => {
    if (!isJsonObject(entry)) return;
    const hosts = Array.isArray(entry['hosts']) ? entry['hosts'] : [];
    hosts.forEach((h, j) => {
      if (typeof h === 'string') problems.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`));
    });
    const secretName = childString(entry, 'secretName');
    if (secretName !== undefined && secretName !== '') {
      problems.push(...nameProblems(secretName, 'subdomain', `spec.tls[${i}].secretName`));
    }
  });
  return problems;
};

function validateDataMap(data: JsonObject | undefined, field: string, base64: boolean): FieldProblem[] {
  if (data === undefined) return [];
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!CONFIG_KEY.test(key)) {
      problems.push({
        type: 'Invalid',
        field: `${field}[${key}]`,
        value: key,
        detail:
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      });
    }
    if (typeof value !== 'string') {
      problems.push({ type: 'Invalid', field: `${field}[${key}]`, value, detail: 'must be a string' });
    } else if (base64 && !BASE64.test(value)) {
      problems.push({
        type: 'Invalid',
        field: `${field}[${key}]`,
        value: '<value omitted>',
        detail: 'illegal base64 data',
      });
    }
  }
  return problems;
}

/** core/v1 Secret: config keys, base64 data, required keys per type, immutable type and data. */
export const validateSecret: Validator = (secret, previous) => {
  const data = childObject(secret, 'data');
  const problems = validateDataMap(data, 'data', true);
  const type = childString(secret, 'type') ?? 'Opaque';
  if (type === 'kubernetes.io/tls') {
    for (const key of ['tls.crt', 'tls.key']) {
      if (data?.[key] === undefined) problems.push({ type: 'Required', field: `data[${key}]` });
    }
  }
  if (previous !== undefined) {
    const previousType = childString(previous, 'type') ?? 'Opaque';
    if (previousType !== type) {
      problems.push({ type: 'Invalid', field: 'type', value: type, detail: 'field is immutable' });
    }
    if (previous['immutable'] === true) {
      if (JSON.stringify(previous['data'] ?? {}) !== JSON.stringify(secret['data'] ?? {})) {
        problems.push({
          type: 'Forbidden',
          field: 'data',
          detail: 'field is immutable when `immutable` is set',
        });
      }
      if (secret['immutable'] !== true) {
        problems.push({
          type: 'Forbidden',
          field: 'immutable',
          detail: 'field is immutable when `immutable` is set',
        });
      }
    }
  }
  return problems;
};

/** core/v1 ConfigMap: config keys, base64 binaryData. */
export const validateConfigMap: Validator = (configMap) => [
  ...validateDataMap(childObject(configMap, 'data'), 'data', false),
  ...validateDataMap(childObject(configMap, 'binaryData'), 'binaryData', true),
];

/** core/v1 Service: ports need a valid number. */
export const validateService: Validator = (service) => {
  const spec = childObject(service, 'spec') ?? {};
  const type = childString(spec, 'type') ?? 'ClusterIP';
  const ports = Array.isArray(spec['ports']) ? spec['ports'] : [];
  const problems: FieldProblem[] = [];
  if (type !== 'ExternalName' && ports.length === 0 && spec['clusterIP'] !== 'None') {
    problems.push({ type: 'Required', field: 'spec.ports' });
  }
  ports.forEach((p, i) => {
    if (!isJsonObject(p)) return;
    const port = p['port'];
    if (typeof port !== 'number' || port < 1 || port > 65535) {
      problems.push({
        type: 'Invalid',
        field: `spec.ports[${i}].port`,
        value: port ?? 0,
        detail: 'must be between 1 and 65535, inclusive',
      });
    }
  });
  return problems;
};

/** coordination.k8s.io/v1 Lease: a positive duration when set. */
export const validateLease: Validator = (lease) => {
  const duration = childObject(lease, 'spec')?.['leaseDurationSeconds'];
  if (duration !== undefined && (typeof duration !== 'number' || duration <= 0)) {
    return [
      {
        type: 'Invalid',
        field: 'spec.leaseDurationSeconds',
        value: duration,
        detail: 'must be greater than 0',
      },
    ];
  }
  return [];
};
