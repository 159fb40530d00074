#!/usr/bin/env node
// The kubectl plugin: kubectl runs an executable named `kubectl-lego` found on PATH for `kubectl lego ...`,
// with the arguments after `lego`. The same commands as `kube-lego`, without a default command: `kubectl lego`
// alone prints the help instead of starting a controller.
import { runProgram } from './program.js';

await runProgram({ name: 'kubectl lego', runIsDefault: false });
