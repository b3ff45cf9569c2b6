// The too-old-engine check's probes (assets/engine-check.js): each needs exactly
// the WebAssembly feature it is named after, so an engine lacking it fails that
// probe and no other. The built modules against the probes: scripts/test.sh (e).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readProbes, validateBytes } from '../../scripts/wasm-features.mjs';

const probes = readProbes();
const names = Object.keys(probes);

test('the check probes the six features Rust 1.87+ emits by default', () => {
  assert.deepEqual(
    [...names].sort(),
    ['bulk-memory', 'multivalue', 'mutable-globals', 'nontrapping-float-to-int', 'reference-types', 'sign-ext'],
  );
});

for (const name of names) {
  test(`probe ${name}: valid in this engine, invalid without ${name}, valid with it alone`, () => {
    assert.equal(WebAssembly.validate(probes[name]), true);
    assert.notEqual(validateBytes(probes[name], []), null, `${name} validates as MVP wasm`);
    assert.equal(validateBytes(probes[name], [name]), null);
    const others = names.filter((n) => n !== name);
    assert.notEqual(validateBytes(probes[name], others), null, `${name} validates without ${name}`);
  });
}

test('a damaged probe is invalid everywhere (the check then reports the feature missing)', () => {
  const broken = probes['bulk-memory'].slice(0, -1);
  assert.equal(WebAssembly.validate(broken), false);
});
