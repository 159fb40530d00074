import { resolve } from 'node:path';
import { startDevEnvironment, type DevEnvironment } from '../devenv/dev-environment.js';
import type { LogSink } from '../../src/log/logger.js';

/** Where `kube-lego-dev sandbox` writes its kubeconfig unless told otherwise (git-ignored). */
export const DEFAULT_SANDBOX_KUBECONFIG = '.sandbox/kubeconfig';

export interface SandboxCommandOptions {
  /** `--kubeconfig PATH` (relative paths resolve against the working directory). */
  readonly kubeconfig?: string;
  /** `--ca-out PATH`: where to write the CA root issued certificates chain to. */
  readonly caOut?: string;
  /** `--no-gateway-api` sets false: the sandbox serves no Gateway API kinds. @default true */
  readonly gatewayApi?: boolean;
  /** Where the ready line goes (stdout). */
  readonly out: LogSink;
  /** Where the controller's log and errors go (stderr). */
  readonly err: LogSink;
}

/** The line printed once everything is up; tests and scripts wait for it. */
export function readyLine(kubeconfigPath: string): string {
  return `sandbox ready: export KUBECONFIG=${kubeconfigPath}\n`;
}

function stoppedBySignal(state: { readonly signalled: boolean }): boolean {
  return state.signalled;
}

/**
 * `kube-lego-dev sandbox`: runs the API sandbox, Pebble, challtestsrv and the controller until SIGINT or SIGTERM,
 * then stops every process it started. Resolves to the exit code.
 */
export async function sandboxCommand(options: SandboxCommandOptions): Promise<number> {
  const kubeconfigPath = resolve(options.kubeconfig ?? DEFAULT_SANDBOX_KUBECONFIG);
  let environment: DevEnvironment | undefined;
  const state = { signalled: false };
  // Registered before anything starts and never removed: a signal during start-up is honoured once the
  // start-up returns, and a re-raised signal (the process supervisor's own hook) never hits the default action.
  const onSignal = (): void => {
    state.signalled = true;
    void environment?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    environment = await startDevEnvironment({
      kubeconfigPath,
      ...(options.caOut === undefined ? {} : { caOutPath: resolve(options.caOut) }),
      ...(options.gatewayApi === undefined ? {} : { gatewayApi: options.gatewayApi }),
      logSink: options.err,
      onProgress: (message) => options.err.write(`sandbox: ${message}\n`),
    });
  } catch (error) {
    options.err.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (state.signalled) {
    await environment.stop();
    return 0;
  }
  options.out.write(readyLine(kubeconfigPath));
  await environment.controllerStopped;
  await environment.stop();
  // The controller stops by itself only on a fatal error (already logged); after a signal it is a clean exit.
  return stoppedBySignal(state) ? 0 : 1;
}
