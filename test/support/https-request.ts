export * from '../../dev/devenv/https-request.js';
