/**
 * Lets plain Node 24 (built-in type stripping) import the TypeScript sources, whose relative
 * imports carry `.js` suffixes (NodeNext style): a `./x.js` that does not exist resolves to `./x.ts`.
 * Usage: node --import ./__tests__/yaml/support/ts-hooks.mjs script.mjs
 */
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')
      if (error?.code === 'ERR_MODULE_NOT_FOUND' && relative && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
      }
      throw error
    }
  }
})
