#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../version.js';

const program = new Command('kube-lego')
  .description(
    'Automatic ACME certificates for Kubernetes Ingresses annotated kubernetes.io/tls-acme: "true"',
  )
  .version(VERSION, '-v, --version');

program.parse(process.argv);
