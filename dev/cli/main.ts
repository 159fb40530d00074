#!/usr/bin/env node
// The development CLI: the API sandbox and the demo. It is not part of the product bundle or the image
// (they need the npm dev dependencies and the Pebble binaries of a clone); the product CLI is src/cli/main.ts.
import { Command } from 'commander';
import { VERSION } from '../../src/version.js';
import { demoCommand } from './demo-command.js';
import { DEFAULT_SANDBOX_KUBECONFIG, sandboxCommand } from './sandbox-command.js';

const program = new Command('kube-lego-dev')
  .description('kube-lego development tools, run from a clone: the local API sandbox and the demo')
  .version(VERSION, '-v, --version');

program
  .command('sandbox')
  .description(
    'run a local Kubernetes API sandbox, Pebble (a test ACME CA) and kube-lego against both, until interrupted',
  )
  .option('--kubeconfig <path>', 'where to write the kubeconfig of the sandbox', DEFAULT_SANDBOX_KUBECONFIG)
  .option('--ca-out <path>', 'write the CA root that issued certificates chain to')
  .option('--no-gateway-api', 'serve no Gateway API kinds, as a cluster without its CRDs installed')
  .action(async (options: { kubeconfig: string; caOut?: string; gatewayApi: boolean }) => {
    process.exitCode = await sandboxCommand({
      kubeconfig: options.kubeconfig,
      gatewayApi: options.gatewayApi,
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
