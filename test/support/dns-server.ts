export * from '../../dev/devenv/dns-server.js';
