// esbuild's `file` loader (used by test/browser/page.ts) makes a .wasm import its emitted URL.
declare module '*.wasm' {
  const url: string;
  export default url;
}
