export * from '../../dev/devenv/challtestsrv.js';
