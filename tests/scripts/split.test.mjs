// Tests of the split step's guards (scripts/split.mjs) on synthetic directories:
// it refuses, with a message that says what to fix, anything it cannot split
// correctly, and leaves an already split build alone. (That the real build splits
// and runs: the build section of scripts/test.sh and tests/e2e/split.test.mjs.)
//
//   node --test tests/scripts/
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitApp } from '../../scripts/split.mjs';

const made = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmp(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A staging dir as Trunk leaves it, and a cargo target dir holding `raw` as the app's wasm. */
function fixture({ raw = null, files = ['duzhan-0123abcd.js', 'duzhan-0123abcd_bg.wasm', 'index.html'] } = {}) {
  const dir = tmp('split-dist-');
  for (const f of files) fs.writeFileSync(path.join(dir, f), '');
  const target = tmp('split-target-');
  if (raw) {
    fs.mkdirSync(path.join(target, 'wasm32-unknown-unknown', 'release'), { recursive: true });
    fs.writeFileSync(path.join(target, 'wasm32-unknown-unknown', 'release', 'duzhan.wasm'), raw);
  }
  return { dir, target };
}

// The wasm magic and version, then a custom section named "linking" (no relocations).
const WASM_WITHOUT_RELOCS = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 8, 7, ...Buffer.from('linking')]);

test('an already split build is left alone (the hook may run twice)', () => {
  const { dir, target } = fixture({ files: ['duzhan-0123abcd.js', 'duzhan-0123abcd.split.js', 'index.html'] });
  assert.equal(splitApp(dir, { target }), null);
});

test('no app glue, or two of them, is an error naming what was expected', () => {
  const none = fixture({ files: ['index.html'] });
  assert.throws(() => splitApp(none.dir, { target: none.target }), /expected one duzhan-<hash>\.js .* found 0/);
  const two = fixture({ files: ['duzhan-aa.js', 'duzhan-bb.js'] });
  assert.throws(() => splitApp(two.dir, { target: two.target }), /found 2/);
});

test("a missing cargo output is an error naming the file", () => {
  const { dir, target } = fixture();
  assert.throws(() => splitApp(dir, { target }), /cargo's output .*duzhan\.wasm is missing/);
});

test('a wasm linked without relocations is refused, saying how to link it', () => {
  const { dir, target } = fixture({ raw: WASM_WITHOUT_RELOCS });
  assert.throws(() => splitApp(dir, { target }), /no relocations.*--emit-relocs.*build\.rs/s);
  // Nothing in the staging directory was touched.
  assert.deepEqual(fs.readdirSync(dir).sort(), ['duzhan-0123abcd.js', 'duzhan-0123abcd_bg.wasm', 'index.html']);
});
