export * from '../../dev/tls/throwaway-tls.js';
