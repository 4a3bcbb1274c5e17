import { run } from './main.js'

// The Action's entry point: everything happens in run(), which never throws.
await run()
