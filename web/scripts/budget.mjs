// Fails the build when a bundle is over its gzip budget (issue: app initial
// JS ≤ 250 KB gzip, widget ≤ 40 KB gzip including its real-time client).
import { readFileSync, readdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = join(dirname(fileURLToPath(import.meta.url)), '../../internal/webui/dist')
const KB = 1024
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length

// The app's initial JS: the entry script index.html loads and every chunk it
// preloads (modulepreload); lazily loaded route chunks are not initial.
const html = readFileSync(join(dist, 'app/index.html'), 'utf8')
const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((m) => m[1])
if (initial.length === 0) throw new Error('budget: no script found in app/index.html')
const appBytes = initial.reduce((n, f) => n + gz(join(dist, 'app', f)), 0)
const widgetBytes = gz(join(dist, 'widget/widget.js'))
const allApp = readdirSync(join(dist, 'app/assets')).filter((f) => f.endsWith('.js'))

const rows = [
  ['app initial JS', appBytes, 250 * KB, initial.length + ' file(s)'],
  ['widget.js', widgetBytes, 40 * KB, '1 file'],
]
let failed = false
for (const [name, bytes, limit, files] of rows) {
  const ok = bytes <= limit
  failed ||= !ok
  console.log(`budget: ${name}: ${(bytes / KB).toFixed(1)} KB gzip of ${limit / KB} KB (${files}) ${ok ? 'ok' : 'OVER'}`)
}
console.log(`budget: app has ${allApp.length} JS file(s) in all (lazy routes included)`)
if (failed) process.exit(1)
