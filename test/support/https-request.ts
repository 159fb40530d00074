export * from '../../src/devenv/https-request.js';
