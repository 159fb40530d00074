import { Command, InvalidArgumentError, Option } from 'commander';
import { parseGoDuration } from '../config/go-duration.js';
import { VERSION } from '../version.js';
import type { ClusterFlags } from './cluster-connection.js';
import type { CommandIo } from './command-context.js';
import { explainCommand } from './explain-command.js';
import { renewCommand } from './renew-command.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { uninstallCommand } from './uninstall-command.js';
import { isStatusFormat, STATUS_FORMATS, type StatusFormat } from './status-output.js';

const CONFIG_HELP = `
The commands decide as the controller does, with kube-lego's defaults: set the controller's LEGO_*
variables in the environment when its Deployment changes them (LEGO_KUBE_ANNOTATION,
LEGO_SUPPORTED_INGRESS_CLASS, LEGO_DEFAULT_INGRESS_CLASS, LEGO_SUPPORTED_INGRESS_PROVIDER,
LEGO_DEFAULT_INGRESS_PROVIDER, LEGO_MINIMUM_VALIDITY, LEGO_URL).
The cluster is reached with your kubeconfig, as kubectl does: --kubeconfig, else the files listed in
KUBECONFIG (merged), else ~/.kube/config; --context picks a context, -n a namespace (default: the
context's, else "default").`;

function clusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'the kubeconfig file to use (instead of KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <namespace>', "the namespace (default: the context's, else default)");
}

function clusterFlags(options: { kubeconfig?: string; context?: string; namespace?: string }): ClusterFlags {
  return {
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  };
}

function parseFormat(value: string): StatusFormat {
  if (!isStatusFormat(value)) throw new InvalidArgumentError(`expected one of ${STATUS_FORMATS.join(', ')}`);
  return value;
}

function parseDuration(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 90s or 5m');
  return ms;
}

/** What the program runs with: the process's environment and streams (the entry points pass them). */
export interface ProgramIo extends CommandIo {
  /** Sets the exit code the process ends with. */
  exit(code: number): void;
}

/**
 * kube-lego's command line. `kube-lego` alone runs the controller (`run` is the default command, so the
 * Deployment's invocation is unchanged); as the kubectl plugin (`kubectl lego`) there is no default command.
 */
export function buildProgram(
  options: { readonly name: string; readonly runIsDefault: boolean },
  io: ProgramIo,
): Command {
  const program = new Command(options.name)
    .description(
      'Automatic ACME certificates for Kubernetes Ingresses annotated kubernetes.io/tls-acme: "true"',
    )
    .version(VERSION, '-v, --version');

  program
    .command('run', { isDefault: options.runIsDefault })
    .description(
      `run the controller, configured through LEGO_* environment variables${options.runIsDefault ? ' (the default command)' : ''}`,
    )
    .action(async () => {
      io.exit(await runCommand({ env: io.env, sink: process.stderr }));
    });

  clusterOptions(
    program
      .command('status')
      .description(
        'show every certificate: Ingress, Secret, hosts, state, expiry, next renewal and why, last failure and next retry',
      )
      .argument('[ingress]', 'only the certificates this Ingress asks for')
      .option('-A, --all-namespaces', 'the certificates of every namespace')
      .addOption(
        new Option('-o, --output <format>', `output format: ${STATUS_FORMATS.join(', ')}`)
          .argParser(parseFormat)
          .default('table'),
      ),
  )
    .addHelpText('after', CONFIG_HELP)
    .action(
      async (
        ingress: string | undefined,
        flags: {
          allNamespaces?: boolean;
          output: StatusFormat;
          kubeconfig?: string;
          context?: string;
          namespace?: string;
        },
      ) => {
        io.exit(
          await statusCommand(
            {
              ...clusterFlags(flags),
              allNamespaces: flags.allNamespaces === true,
              format: flags.output,
              ...(ingress === undefined ? {} : { ingress }),
            },
            io,
          ),
        );
      },
    );

  clusterOptions(
    program
      .command('explain')
      .description(
        'explain in sentences what kube-lego will do for a certificate and why, its history, and the Events on its Ingress',
      )
      .argument('<namespace/secret>', 'the TLS Secret of the certificate'),
  )
    .addHelpText('after', CONFIG_HELP)
    .action(async (target: string, flags: { kubeconfig?: string; context?: string; namespace?: string }) => {
      io.exit(await explainCommand(target, clusterFlags(flags), io));
    });

  clusterOptions(
    program
      .command('renew')
      .description(
        'ask kube-lego to renew a certificate now (sets the kube-lego/renew-requested annotation on its Secret) and wait for the outcome',
      )
      .argument('[namespace/secret]', 'the TLS Secret of the certificate')
      .option('--all', 'every certificate kube-lego manages in the namespace (-n)')
      .option('--no-wait', 'return once the renewal is requested')
      .addOption(
        new Option('--timeout <duration>', 'how long to wait for the outcome')
          .argParser(parseDuration)
          .default(600_000, '10m'),
      ),
  )
    .addHelpText('after', `${CONFIG_HELP}\nRequires get and patch on the Secret, and list on Ingresses.`)
    .action(
      async (
        target: string | undefined,
        flags: {
          all?: boolean;
          wait: boolean;
          timeout: number;
          kubeconfig?: string;
          context?: string;
          namespace?: string;
        },
      ) => {
        if ((target === undefined) === (flags.all !== true)) {
          io.err.write(
            'error: name one NAMESPACE/SECRET, or pass --all (with -n) for every certificate of a namespace\n',
          );
          io.exit(1);
          return;
        }
        io.exit(
          await renewCommand(
            {
              ...clusterFlags(flags),
              ...(target === undefined ? {} : { target }),
              all: flags.all === true,
              wait: flags.wait,
              timeoutMs: flags.timeout,
            },
            io,
          ),
        );
      },
    );

  program
    .command('uninstall')
    .description(
      "remove every object kube-lego created in the cluster (challenge Ingresses, Services, Endpoints, EndpointSlices, the Lease, the challenges Secret) and revert the gce provider's edits of Ingresses; TLS Secrets and the account Secret are kept",
    )
    .option('--kubeconfig <file>', 'the kubeconfig file to use (instead of KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option(
      '--lego-namespace <namespace>',
      "kube-lego's own namespace (default: LEGO_NAMESPACE, else kube-lego)",
    )
    .option(
      '--delete-secrets',
      'also delete the TLS Secrets kube-lego manages and its account Secret (never a Secret it does not own)',
    )
    .option('--dry-run', 'print what would be removed, reverted and kept; change nothing')
    .addHelpText(
      'after',
      `
Stop the controller first (kubectl -n kube-lego scale deployment kube-lego --replicas=0), or it creates its
objects again. Runs with your kubeconfig, not kube-lego's ServiceAccount: it lists Ingresses, Services,
Endpoints, EndpointSlices, Leases and Secrets (by label) in all namespaces, deletes, and updates Ingresses.
Set LEGO_SERVICE_NAME_GCE, LEGO_SECRET_NAME, LEGO_LEASE_NAME and LEGO_KUBE_ANNOTATION when your Deployment
changes them.`,
    )
    .action(
      async (flags: {
        kubeconfig?: string;
        context?: string;
        legoNamespace?: string;
        deleteSecrets?: boolean;
        dryRun?: boolean;
      }) => {
        io.exit(
          await uninstallCommand(
            {
              ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
              ...(flags.context === undefined ? {} : { context: flags.context }),
              ...(flags.legoNamespace === undefined ? {} : { legoNamespace: flags.legoNamespace }),
              deleteSecrets: flags.deleteSecrets === true,
              dryRun: flags.dryRun === true,
            },
            io,
          ),
        );
      },
    );
  return program;
}

/** Parses the process's arguments and runs the command with the process's environment and streams. */
export async function runProgram(options: {
  readonly name: string;
  readonly runIsDefault: boolean;
}): Promise<void> {
  const program = buildProgram(options, {
    env: process.env,
    out: process.stdout,
    err: process.stderr,
    nowMs: Date.now,
    exit: (code) => {
      process.exitCode = code;
    },
  });
  await program.parseAsync(process.argv);
}
