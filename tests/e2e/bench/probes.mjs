// Page probes the benchmarks install before the app's scripts run
// (`context.addInitScript(fn)`: each function is serialised into the page, so it
// refers to nothing outside itself).

/** Keeps the app's wasm memory as `window.__wasmMemory`, caught as the module is instantiated. */
export function wasmMemoryProbe() {
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      const r = await orig.apply(this, args);
      const mem = (r.instance ?? r).exports?.memory;
      if (mem instanceof WebAssembly.Memory && !window.__wasmMemory) window.__wasmMemory = mem;
      return r;
    };
  }
}

/** The median of some numbers. */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
