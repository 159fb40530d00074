// The Pebble rig is product code now (`kube-lego sandbox` runs it); tests keep importing it from here.
export * from '../../src/devenv/pebble.js';
