export * from '../../src/devenv/free-port.js';
