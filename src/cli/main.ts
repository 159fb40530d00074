#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { demoCommand } from './demo-command.js';
import { runCommand } from './run-command.js';
import { DEFAULT_SANDBOX_KUBECONFIG, sandboxCommand } from './sandbox-command.js';

const program = new Command('kube-lego')
  .description(
    'Automatic ACME certificates for Kubernetes Ingresses annotated kubernetes.io/tls-acme: "true"',
  )
  .version(VERSION, '-v, --version');

program
  .command('run', { isDefault: true })
  .description('run the controller, configured through LEGO_* environment variables (the default command)')
  .action(async () => {
    process.exitCode = await runCommand({ env: process.env, sink: process.stderr });
  });

program
  .command('sandbox')
  .description(
    'run a local Kubernetes API sandbox, Pebble (a test ACME CA) and kube-lego against both, until interrupted',
  )
  .option('--kubeconfig <path>', 'where to write the kubeconfig of the sandbox', DEFAULT_SANDBOX_KUBECONFIG)
  .option('--ca-out <path>', 'write the CA root that issued certificates chain to')
  .action(async (options: { kubeconfig: string; caOut?: string }) => {
    process.exitCode = await sandboxCommand({
      kubeconfig: options.kubeconfig,
      ...(options.caOut === undefined ? {} : { caOut: options.caOut }),
      out: process.stdout,
      err: process.stderr,
    });
  });

program
  .command('demo')
  .description('show kube-lego at work: the sandbox, an annotated Ingress, the certificate it gets, verified')
  .action(async () => {
    process.exitCode = await demoCommand({ out: process.stdout, err: process.stderr });
  });

await program.parseAsync(process.argv);
