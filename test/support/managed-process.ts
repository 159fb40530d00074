export * from '../../dev/devenv/managed-process.js';
