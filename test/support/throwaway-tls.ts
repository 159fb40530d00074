export * from '../../src/devenv/throwaway-tls.js';
