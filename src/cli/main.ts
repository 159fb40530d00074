#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { runCommand } from './run-command.js';

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

await program.parseAsync(process.argv);
