export * from '../../dev/devenv/free-port.js';
