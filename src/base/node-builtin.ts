// Node.js built-in modules without a static import, so the package still loads where they do
// not exist (browsers); only the features that need them fail there.

/** The built-in module `id` (e.g. 'node:fs'), or undefined outside Node.js. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  return get ? (get(id) as T) : undefined;
}
