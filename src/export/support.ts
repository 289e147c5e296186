// The smallest valid wasm module: compiling it is refused exactly when the page's CSP forbids
// WebAssembly (no 'wasm-unsafe-eval'), which ffmpeg.wasm needs and Mediabunny's remux does not.
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

let allowed: Promise<boolean> | null = null;

/** Whether this page may compile WebAssembly. */
export function wasmAllowed(): Promise<boolean> {
  allowed ??= typeof WebAssembly === 'object'
    ? WebAssembly.compile(EMPTY_MODULE).then(
        () => true,
        () => false,
      )
    : Promise.resolve(false);
  return allowed;
}
