// Bundle the compiled CLI (dist.tmp/cli/main.js, from tsc) into
// dist.tmp/ferry.js and a few chunks beside it (dist.tmp/ferry-*.js), which
// the commands load lazily as before. Run by scripts/build.sh.
//
// Why: the daemon imported ~620 modules one by one (libp2p and its
// dependencies), and Node resolved, read and linked each at every start:
// 0.87–1.0 CPU-s per daemon start, 0.39–0.42 bundled (3 starts each,
// compile cache on), and 93 MB of RSS at idle against 81 MB.
//
// The module tree tsc emits stays in dist/: the worker threads
// (hash-worker.js, sink-worker.js) start from it, and so does anything a
// module finds next to its own file. `import.meta.url` is rewritten to each
// module's own file (its place in dist/, or in node_modules), so that
// `new URL('./hash-worker.js', import.meta.url)`, createRequire and a
// package reading its own package.json mean what they did unbundled.

import { dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const out = `${root}/dist.tmp`

export default {
  input: { ferry: `${out}/cli/main.js` },
  platform: 'node',
  // Ink imports it only when DEV is set (React devtools), and it is not installed
  external: ['react-devtools-core'],
  plugins: [{
    name: 'import-meta-url-of-the-module',
    transform (code, id) {
      // '\0…': rolldown's own runtime, which has no file
      if (id.startsWith('\0') || !code.includes('import.meta.url')) return null
      // every chunk is written to `out` itself, so one relative path fits wherever the module lands
      const own = `new URL(${JSON.stringify(relative(out, id))}, import.meta.url).href`
      return { code: code.replaceAll('import.meta.url', own), map: null }
    }
  }],
  output: {
    dir: out,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'ferry-[name]-[hash].js'
  }
}
