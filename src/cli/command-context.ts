import { loadDecisionConfig } from '../config/load-config.js';
import { planPolicy } from '../app/main.js';
import type { PlanPolicy } from '../domain/plan.js';
import { connectCluster, type ClusterConnection, type ClusterFlags } from './cluster-connection.js';

/** Where a command reads its environment and writes its output (the CLI entry point passes the process's). */
export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The command's result: the table, the JSON, the explanation. */
  readonly out: { write(text: string): unknown };
  /** Progress lines and errors. */
  readonly err: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly nowMs: () => number;
}

/** What a command works with: the user's cluster connection and the controller's policy. */
export interface CommandContext {
  readonly cluster: ClusterConnection;
  readonly policy: PlanPolicy;
  readonly io: CommandIo;
}

/**
 * Runs a command with its context: the policy from the LEGO_* variables (kube-lego's defaults when unset),
 * the connection from the kubeconfig. Every failure is one line on stderr and exit code 1; a 403 names the
 * permission that is missing.
 */
export async function runWithCluster(
  flags: ClusterFlags,
  io: CommandIo,
  command: (context: CommandContext) => Promise<number>,
): Promise<number> {
  const loaded = loadDecisionConfig(io.env);
  for (const warning of loaded.warnings) io.err.write(`warning: ${warning.message}\n`);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.err.write(`error: ${problem.message}\n`);
    return 1;
  }
  let cluster: ClusterConnection | undefined;
  try {
    cluster = connectCluster(flags, io.env);
    return await command({ cluster, policy: planPolicy(loaded.config), io });
  } catch (err) {
    io.err.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    cluster?.close();
  }
}
