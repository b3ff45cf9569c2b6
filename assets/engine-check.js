// Too-old engines get a page saying so (浏览器版本过旧), not a blank one. Classic ES5,
// run before the app's module; see docs/deploy.md "Engines" and scripts/wasm-features.mjs.
(function () {
  'use strict';
  var PROBES = {
    'mutable-globals': [0, 97, 115, 109, 1, 0, 0, 0, 2, 8, 1, 1, 97, 1, 98, 3, 127, 1, 6, 6, 1, 127, 1, 65, 0, 11, 7, 5, 1, 1, 97, 3, 1],
    'sign-ext': [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 192, 26, 11],
    'nontrapping-float-to-int': [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 12, 1, 10, 0, 67, 0, 0, 0, 0, 252, 0, 26, 11],
    'bulk-memory': [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 10, 14, 1, 12, 0, 65, 0, 65, 0, 65, 0, 252, 10, 0, 0, 11],
    'multivalue': [0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 0, 2, 127, 127, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 65, 0, 11],
    'reference-types': [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 7, 1, 5, 0, 208, 112, 26, 11]
  };

  function missing() {
    var out = [];
    var wasm = typeof WebAssembly === 'object' && WebAssembly !== null ? WebAssembly : null;
    if (!wasm || typeof wasm.validate !== 'function' || typeof Uint8Array !== 'function') return ['webassembly'];
    for (var name in PROBES) {
      if (!Object.prototype.hasOwnProperty.call(PROBES, name)) continue;
      var ok = false;
      try {
        ok = wasm.validate(new Uint8Array(PROBES[name]));
      } catch (e) {
        ok = false;
      }
      if (!ok) out.push(name);
    }
    return out;
  }

  var lacks = missing();
  if (lacks.length === 0) return;
  window.duzhanTooOld = lacks;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) e.appendChild(document.createTextNode(text));
    if (cls) e.className = cls;
    return e;
  }
  function show() {
    var box = el('main', null, 'too-old');
    box.setAttribute('role', 'alert');
    box.appendChild(el('h1', '浏览器版本过旧'));
    box.appendChild(el('p', '本应用需要较新的浏览器：iPad/iPhone 请升级到 iPadOS/iOS 15 或更新版本（Safari 15）；安卓平板和电脑请使用 Chrome 96、Edge 96、Firefox 79 或更新版本。升级或换用上述浏览器后重新打开本页即可。'));
    box.appendChild(el('p', 'This browser is too old for this app. Use Safari / iPadOS 15, Chrome or Edge 96, Firefox 79 or newer, then open this page again.'));
    box.appendChild(el('p', '缺少的功能 / missing: ' + lacks.join(', '), 'too-old-detail'));
    document.body.appendChild(box);
  }
  if (document.body) show();
  else document.addEventListener('DOMContentLoaded', show);
})();
