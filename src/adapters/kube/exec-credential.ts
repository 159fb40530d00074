// Runs a kubeconfig exec credential plugin (the client.authentication.k8s.io ExecCredential protocol, as
// kubectl does: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins)
// and keeps its answer until the expiry it states. One run at a time: concurrent requests share it.
import { spawn } from 'node:child_process';
import type { ExecPlugin } from './kubeconfig.js';

/** What a plugin handed back: a bearer token, or a client certificate and key (PEM). */
export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificatePem?: string;
  readonly clientKeyPem?: string;
  /** From `status.expirationTimestamp`; absent means valid for the life of the process (kubectl's reading). */
  readonly expiresAtMs?: number;
}

/** The cluster as the plugin sees it in `spec.cluster` when `provideClusterInfo` is set. */
export interface ExecClusterInfo {
  readonly server: string;
  readonly 'certificate-authority-data'?: string;
  readonly 'insecure-skip-tls-verify'?: boolean;
  readonly 'tls-server-name'?: string;
}

export interface ExecCredentialOptions {
  /** The kubeconfig file, for messages. */
  readonly path: string;
  readonly cluster: ExecClusterInfo;
  /** The environment the plugin inherits (gcloud and friends need PATH, HOME and their own variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly nowMs: () => number;
}

/** A credential this close to its expiry is renewed before use, so a request never leaves with a dying token. */
const RENEW_BEFORE_EXPIRY_MS = 10_000;
/** A plugin that neither answers nor exits within this is stopped; the next request runs it again. */
const PLUGIN_TIMEOUT_MS = 60_000;
const OUTPUT_LIMIT_BYTES = 1 << 20;

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs the plugin once and returns its raw stdout; failures name the plugin and quote its stderr. */
function runPlugin(plugin: ExecPlugin, options: ExecCredentialOptions): Promise<string> {
  const execInfo = {
    apiVersion: plugin.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(plugin.provideClusterInfo ? { cluster: options.cluster } : {}) },
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  for (const [name, value] of plugin.env) env[name] = value;
  env['KUBERNETES_EXEC_INFO'] = JSON.stringify(execInfo);
  const where = `exec plugin "${plugin.command}" (${plugin.field} in "${options.path}")`;
  return new Promise((resolve, reject) => {
    const child = spawn(plugin.command, [...plugin.args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: PLUGIN_TIMEOUT_MS,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= OUTPUT_LIMIT_BYTES) stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      const hint = plugin.installHint === undefined ? '' : `; ${plugin.installHint.trim()}`;
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `Cannot run ${where}: it is not installed or not on PATH${hint}`
            : `Cannot run ${where}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const how = signal === null ? `exited ${String(code)}` : `was stopped by ${signal}`;
      const said = stderr.trim() === '' ? '' : `: ${stderr.trim().slice(-500)}`;
      reject(new Error(`${where} ${how}${said}`));
    });
  });
}

/** Reads an ExecCredential document, checking what kubectl checks: kind, apiVersion, and a usable status. */
export function parseExecCredential(output: string, plugin: ExecPlugin, path: string): ExecCredential {
  const where = `exec plugin "${plugin.command}" (${plugin.field} in "${path}")`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    throw new Error(`${where} printed no ExecCredential JSON: ${JSON.stringify(output.slice(0, 200))}`);
  }
  if (!isFields(parsed) || parsed['kind'] !== 'ExecCredential')
    throw new Error(`${where} printed JSON that is not an ExecCredential`);
  if (parsed['apiVersion'] !== plugin.apiVersion)
    throw new Error(
      `${where} answered with apiVersion ${JSON.stringify(parsed['apiVersion'])}, the kubeconfig asks for ${plugin.apiVersion}`,
    );
  const status = parsed['status'];
  if (!isFields(status)) throw new Error(`${where} printed an ExecCredential without status`);
  const text = (key: string): string | undefined => {
    const value = status[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`${where}: status.${key} must be a string`);
    return value;
  };
  const token = text('token');
  const clientCertificatePem = text('clientCertificateData');
  const clientKeyPem = text('clientKeyData');
  if ((clientCertificatePem === undefined) !== (clientKeyPem === undefined))
    throw new Error(`${where}: status needs both clientCertificateData and clientKeyData, or neither`);
  if (token === undefined && clientCertificatePem === undefined)
    throw new Error(`${where}: status has neither token nor clientCertificateData`);
  const expiry = text('expirationTimestamp');
  const expiresAtMs = expiry === undefined ? undefined : Date.parse(expiry);
  if (expiresAtMs !== undefined && Number.isNaN(expiresAtMs))
    throw new Error(`${where}: status.expirationTimestamp ${JSON.stringify(expiry)} is not an RFC 3339 time`);
  return {
    ...(token === undefined ? {} : { token }),
    ...(clientCertificatePem === undefined ? {} : { clientCertificatePem }),
    ...(clientKeyPem === undefined ? {} : { clientKeyPem }),
    ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
  };
}

/** A plugin's credential, fetched on first use and again only once it is (about to be) expired. */
export class ExecCredentialSource {
  readonly #plugin: ExecPlugin;
  readonly #options: ExecCredentialOptions;
  #current: ExecCredential | undefined;
  #running: Promise<ExecCredential> | undefined;

  constructor(plugin: ExecPlugin, options: ExecCredentialOptions) {
    this.#plugin = plugin;
    this.#options = options;
  }

  /** The cached credential while it is valid; otherwise one (shared) run of the plugin. */
  async credential(): Promise<ExecCredential> {
    const current = this.#current;
    if (current !== undefined && this.#valid(current)) return current;
    this.#running ??= runPlugin(this.#plugin, this.#options)
      .then((output) => parseExecCredential(output, this.#plugin, this.#options.path))
      .then((fresh) => {
        this.#current = fresh;
        return fresh;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  #valid(credential: ExecCredential): boolean {
    return (
      credential.expiresAtMs === undefined ||
      this.#options.nowMs() < credential.expiresAtMs - RENEW_BEFORE_EXPIRY_MS
    );
  }
}
