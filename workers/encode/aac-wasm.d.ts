/** The Emscripten factory of @mediabunny/aac-encoder's wasm build (see vite.config.ts). */
declare module 'virtual:aac-wasm' {
  const createModule: (moduleArg?: object) => Promise<unknown>;
  export default createModule;
}
