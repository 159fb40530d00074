// Reads the parts of a kubeconfig file a controller needs: the current context's cluster and user. The
// field names and precedence follow kubectl (client-go's clientcmd): `*-data` wins over the file, `token` over
// `tokenFile`, relative paths are relative to the kubeconfig's directory. What kube-lego cannot honour (an
// auth-provider, impersonation, a proxy, an interactive exec plugin) is refused with the field's name rather
// than ignored, so a kubeconfig never silently means something else here than for kubectl.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { load } from 'js-yaml';

/** PEM material given inline (`*-data`, base64 in the file) or as a path (re-read on each use: it may rotate). */
export type PemSource =
  | { readonly kind: 'data'; readonly pem: string; readonly field: string }
  | { readonly kind: 'file'; readonly path: string; readonly field: string };

/** The exec credential plugin protocol versions kube-lego speaks (v1alpha1 left Kubernetes in 1.24). */
export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** A `users[].user.exec` entry: a program that prints an ExecCredential (e.g. gke-gcloud-auth-plugin). */
export interface ExecPlugin {
  readonly apiVersion: ExecApiVersion;
  /** Absolute, or a name looked up on PATH (a relative path with a separator is made absolute). */
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly (readonly [name: string, value: string])[];
  readonly provideClusterInfo: boolean;
  readonly installHint?: string;
  /** Where it was declared, for error messages: `users[0].user.exec` in "<file>". */
  readonly field: string;
}

export interface KubeconfigCluster {
  readonly server: string;
  readonly certificateAuthority?: PemSource;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
}

export interface KubeconfigUser {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly clientCertificate?: PemSource;
  readonly clientKey?: PemSource;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly exec?: ExecPlugin;
}

/** The current context of one kubeconfig file, resolved to its cluster and user. */
export interface KubeconfigSelection {
  readonly path: string;
  readonly context: string;
  readonly cluster: KubeconfigCluster;
  readonly user: KubeconfigUser;
  /** The context's default namespace, when it names one (what kubectl uses without `-n`). */
  readonly namespace?: string;
}

type Fields = Readonly<Record<string, unknown>>;

/** A kubeconfig that cannot be used as written; the message names the field. */
function refuse(message: string): never {
  throw new RangeError(message);
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldsAt(value: unknown, field: string): Fields {
  if (value === undefined || value === null) return {};
  if (!isFields(value)) refuse(`${field} must be a mapping`);
  return value;
}

function at(field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`;
}

function stringAt(fields: Fields, key: string, field: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') refuse(`${at(field, key)} must be a string`);
  return value;
}

function booleanAt(fields: Fields, key: string, field: string): boolean {
  const value = fields[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') refuse(`${at(field, key)} must be true or false`);
  return value;
}

function listAt(fields: Fields, key: string, field: string): readonly unknown[] {
  const value = fields[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) refuse(`${at(field, key)} must be a list`);
  return value;
}

function decodeBase64(value: string, field: string): string {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) refuse(`${field} is not base64`);
  return Buffer.from(value, 'base64').toString('utf8');
}

/** `<key>-data` (base64) wins over `<key>` (a path), as in kubectl. */
function pemAt(fields: Fields, key: string, field: string, baseDir: string): PemSource | undefined {
  const data = stringAt(fields, `${key}-data`, field);
  if (data !== undefined) return { kind: 'data', pem: decodeBase64(data, `${field}.${key}-data`), field };
  const path = stringAt(fields, key, field);
  if (path !== undefined) return { kind: 'file', path: resolve(baseDir, path), field: `${field}.${key}` };
  return undefined;
}

/** Finds the entry called `name` in a `clusters`/`users`/`contexts` list; returns its body and its field path. */
function namedEntry(
  doc: Fields,
  list: 'clusters' | 'users' | 'contexts',
  body: 'cluster' | 'user' | 'context',
  name: string,
): { fields: Fields; field: string } | undefined {
  const entries = listAt(doc, list, '');
  for (const [index, entry] of entries.entries()) {
    const field = `${list}[${index}]`;
    const fields = fieldsAt(entry, field);
    if (fields['name'] === name)
      return { fields: fieldsAt(fields[body], `${field}.${body}`), field: `${field}.${body}` };
  }
  return undefined;
}

function clusterFrom(fields: Fields, field: string, baseDir: string): KubeconfigCluster {
  for (const key of ['proxy-url']) {
    if (fields[key] !== undefined)
      refuse(`${field}.${key} is not supported: kube-lego connects to the API server directly`);
  }
  const server = stringAt(fields, 'server', field) ?? refuse(`${field}.server is missing`);
  const certificateAuthority = pemAt(fields, 'certificate-authority', field, baseDir);
  const tlsServerName = stringAt(fields, 'tls-server-name', field);
  return {
    server,
    insecureSkipTlsVerify: booleanAt(fields, 'insecure-skip-tls-verify', field),
    ...(certificateAuthority === undefined ? {} : { certificateAuthority }),
    ...(tlsServerName === undefined ? {} : { tlsServerName }),
  };
}

function isExecApiVersion(value: string | undefined): value is ExecApiVersion {
  return EXEC_API_VERSIONS.some((known) => known === value);
}

function execFrom(fields: Fields, field: string, baseDir: string): ExecPlugin {
  const apiVersion = stringAt(fields, 'apiVersion', field);
  if (!isExecApiVersion(apiVersion))
    refuse(
      `${field}.apiVersion ${JSON.stringify(apiVersion ?? '')} is not supported: use one of ${EXEC_API_VERSIONS.join(', ')}`,
    );
  const named = stringAt(fields, 'command', field) ?? refuse(`${field}.command is missing`);
  // kubectl: a relative path with a separator is relative to the kubeconfig; a bare name is looked up on PATH.
  const command = named.includes('/') && !isAbsolute(named) ? resolve(baseDir, named) : named;
  const args = listAt(fields, 'args', field).map((arg, index) =>
    typeof arg === 'string' ? arg : refuse(`${field}.args[${index}] must be a string`),
  );
  const env = listAt(fields, 'env', field).map((entry, index): readonly [string, string] => {
    const variable = fieldsAt(entry, `${field}.env[${index}]`);
    const name = stringAt(variable, 'name', `${field}.env[${index}]`);
    const value = variable['value'];
    if (name === undefined || typeof value !== 'string')
      refuse(`${field}.env[${index}] needs a name and a string value`);
    return [name, value];
  });
  // kube-lego runs without a terminal: a plugin that must ask someone cannot work, so refuse it up front.
  const interactiveMode = stringAt(fields, 'interactiveMode', field);
  if (interactiveMode === 'Always')
    refuse(`${field}.interactiveMode "Always" is not supported: kube-lego runs without a terminal`);
  const installHint = stringAt(fields, 'installHint', field);
  return {
    apiVersion,
    command,
    args,
    env,
    provideClusterInfo: booleanAt(fields, 'provideClusterInfo', field),
    field,
    ...(installHint === undefined ? {} : { installHint }),
  };
}

function userFrom(fields: Fields, field: string, baseDir: string): KubeconfigUser {
  if (fields['auth-provider'] !== undefined) {
    const provider = fieldsAt(fields['auth-provider'], `${field}.auth-provider`)['name'];
    refuse(
      `${field}.auth-provider (${JSON.stringify(provider ?? '')}) is not supported: use an exec credential plugin (for GKE gke-gcloud-auth-plugin, for AKS kubelogin)`,
    );
  }
  for (const key of ['as', 'as-uid', 'as-groups', 'as-user-extra']) {
    if (fields[key] !== undefined) refuse(`${field}.${key} is not supported: kube-lego does not impersonate`);
  }
  const token = stringAt(fields, 'token', field);
  const tokenFile = stringAt(fields, 'tokenFile', field);
  const clientCertificate = pemAt(fields, 'client-certificate', field, baseDir);
  const clientKey = pemAt(fields, 'client-key', field, baseDir);
  if ((clientCertificate === undefined) !== (clientKey === undefined))
    refuse(`${field} needs both client-certificate(-data) and client-key(-data), or neither`);
  const username = stringAt(fields, 'username', field);
  const password = stringAt(fields, 'password', field);
  const exec =
    fields['exec'] === undefined
      ? undefined
      : execFrom(fieldsAt(fields['exec'], `${field}.exec`), `${field}.exec`, baseDir);
  return {
    ...(token === undefined ? {} : { token }),
    ...(tokenFile === undefined ? {} : { tokenFile: resolve(baseDir, tokenFile) }),
    ...(clientCertificate === undefined ? {} : { clientCertificate }),
    ...(clientKey === undefined ? {} : { clientKey }),
    ...(username === undefined ? {} : { basicAuth: { username, password: password ?? '' } }),
    ...(exec === undefined ? {} : { exec }),
  };
}

/** One parsed kubeconfig document and the file it came from (relative paths in it are relative to that file). */
interface KubeconfigDocument {
  readonly doc: Fields;
  readonly path: string;
}

/** `named`: say which file in messages (one of a list); a single file is named by the caller's message. */
function parseDocument(text: string, path: string, named = false): KubeconfigDocument {
  const subject = named ? `"${path}"` : 'it';
  if (text.trim() === '') return { doc: {}, path };
  let parsed: unknown;
  try {
    parsed = load(text);
  } catch (err) {
    refuse(`${subject} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (parsed === undefined || parsed === null) return { doc: {}, path };
  return { doc: fieldsAt(parsed, named ? `the document "${path}"` : 'the document'), path };
}

/** The first file's entry of that name: kubectl's merge rule for a KUBECONFIG list (the first to set a value wins). */
function firstNamedEntry(
  docs: readonly KubeconfigDocument[],
  list: 'clusters' | 'users' | 'contexts',
  body: 'cluster' | 'user' | 'context',
  name: string,
): { fields: Fields; field: string; baseDir: string } | undefined {
  for (const { doc, path } of docs) {
    const entry = namedEntry(doc, list, body, name);
    if (entry !== undefined)
      return {
        ...entry,
        field: docs.length > 1 ? `${entry.field} in "${path}"` : entry.field,
        baseDir: dirname(path),
      };
  }
  return undefined;
}

/** What a command line may override in the merged kubeconfig (kubectl's `--context`). */
export interface KubeconfigOverrides {
  readonly context?: string;
}

/**
 * Resolves the context of several kubeconfig documents merged as kubectl merges a KUBECONFIG list: the
 * first `current-context` set wins, and so does the first entry of each name; relative paths are relative
 * to the file that holds the entry. `overrides.context` replaces the current context.
 */
function resolveDocuments(
  docs: readonly KubeconfigDocument[],
  overrides: KubeconfigOverrides,
): KubeconfigSelection {
  const [first] = docs;
  if (first === undefined || docs.every(({ doc }) => Object.keys(doc).length === 0)) refuse('it is empty');
  const context =
    overrides.context ??
    docs.map(({ doc }) => stringAt(doc, 'current-context', '')).find((name) => name !== undefined) ??
    refuse('current-context is not set: set it to a context whose cluster exists, or pass --context');
  const contextEntry =
    firstNamedEntry(docs, 'contexts', 'context', context) ??
    refuse(
      `${overrides.context === undefined ? 'current-context' : 'context'} "${context}" names no entry of contexts`,
    );
  const clusterName =
    stringAt(contextEntry.fields, 'cluster', contextEntry.field) ??
    refuse(`${contextEntry.field}.cluster is missing`);
  const clusterEntry =
    firstNamedEntry(docs, 'clusters', 'cluster', clusterName) ??
    refuse(`${contextEntry.field}.cluster "${clusterName}" names no entry of clusters`);
  const userName = stringAt(contextEntry.fields, 'user', contextEntry.field);
  let user: KubeconfigUser = {};
  if (userName !== undefined) {
    const userEntry =
      firstNamedEntry(docs, 'users', 'user', userName) ??
      refuse(`${contextEntry.field}.user "${userName}" names no entry of users`);
    user = userFrom(userEntry.fields, userEntry.field, userEntry.baseDir);
  }
  const namespace = stringAt(contextEntry.fields, 'namespace', contextEntry.field);
  return {
    path: first.path,
    context,
    cluster: clusterFrom(clusterEntry.fields, clusterEntry.field, clusterEntry.baseDir),
    user,
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/**
 * Parses kubeconfig text (YAML or JSON) and resolves its current context. `path` is used for relative paths
 * inside it and in messages; errors are `RangeError`s whose message names the field.
 */
export function parseKubeconfig(text: string, path: string): KubeconfigSelection {
  if (text.trim() === '') refuse('it is empty');
  const document = parseDocument(text, path);
  if (Object.keys(document.doc).length === 0) refuse('it is empty');
  return resolveDocuments([document], {});
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    refuse(`cannot read it: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads and parses a kubeconfig file; a missing or unreadable file is refused like a bad field. */
export function readKubeconfig(path: string): KubeconfigSelection {
  return parseKubeconfig(readText(path), path);
}

/**
 * Reads several kubeconfig files merged as kubectl merges a KUBECONFIG list (see resolveDocuments). As in
 * kubectl, a file of the list that does not exist is skipped; at least one must.
 */
export function readKubeconfigList(
  paths: readonly string[],
  overrides: KubeconfigOverrides = {},
  exists: (path: string) => boolean = existsSync,
): KubeconfigSelection {
  const present = paths.filter((path) => exists(path));
  if (present.length === 0) refuse(`none of ${paths.map((p) => `"${p}"`).join(', ')} exists`);
  return resolveDocuments(
    present.map((path) => parseDocument(readText(path), path, present.length > 1)),
    overrides,
  );
}
