export * from '../../src/devenv/managed-process.js';
