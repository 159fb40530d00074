export * from '../../src/devenv/challtestsrv.js';
