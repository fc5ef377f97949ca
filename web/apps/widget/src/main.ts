// HummDesk website chat widget: the entry point of widget.js. It finds its
// own <script> tag synchronously (document.currentScript is only set while
// the script first runs), reads the inbox token and the server's origin from
// it, mounts the widget once the page has a body, and exposes
// window.HummDesk = { open(), close(), toggle() } to the host page.
import { findScript, parseScript } from './loader'
import { Widget } from './widget'

export interface HummDeskApi {
  open(): void
  close(): void
  toggle(): void
}

declare global {
  interface Window {
    HummDesk?: HummDeskApi
  }
}

const script = findScript(document)

function boot(): void {
  if (window.HummDesk || document.getElementById('hummdesk-widget')) return // snippet pasted twice
  const cfg = script && parseScript(script, document.baseURI)
  if (!cfg) {
    console.warn('HummDesk widget: missing or invalid data-inbox-token on the widget.js script tag')
    return
  }
  const w = new Widget(cfg)
  w.start(document.body)
  window.HummDesk = { open: () => w.open(), close: () => w.close(), toggle: () => w.toggle() }
}

if (document.body) boot()
else document.addEventListener('DOMContentLoaded', boot, { once: true })
