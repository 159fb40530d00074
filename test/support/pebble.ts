// The Pebble rig is development code (dev/devenv, run by the development CLI's `sandbox`); tests import it from here.
export * from '../../dev/devenv/pebble.js';
