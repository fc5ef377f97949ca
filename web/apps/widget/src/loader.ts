// Reads the embed snippet: <script src="https://HOST/widget.js"
// data-inbox-token="TOKEN" [data-position="left|right"]
// [data-launcher-text="Chat with us"] async></script>. The API origin is the
// script's own origin, so the widget talks to its HummDesk server from any site.
// A site that knows its visitor adds data-identifier and data-identifier-hash
// (HMAC-SHA256 of the identifier with the inbox secret, computed server-side),
// optionally data-name and data-email: the widget then skips the pre-chat form.

export interface LoaderConfig {
  inboxToken: string
  /** scheme://host[:port] of the HummDesk server. */
  origin: string
  position: 'left' | 'right'
  launcherText: string
  /** A verified identity from the host site, when it passed one. */
  identity?: Identity
}

export interface Identity {
  identifier: string
  identifierHash: string
  name: string
  email: string
}

/** The script element that loaded the widget: currentScript, else the last script whose path ends with /widget.js. */
export function findScript(doc: Document): HTMLScriptElement | null {
  const cur = doc.currentScript
  if (cur instanceof HTMLScriptElement && cur.src) return cur
  const all = Array.from(doc.getElementsByTagName('script'))
  for (let i = all.length - 1; i >= 0; i--) {
    const s = all[i]!
    if (!s.src) continue
    try {
      if (new URL(s.src, doc.baseURI).pathname.endsWith('/widget.js')) return s
    } catch {
      // not a URL: skip
    }
  }
  return null
}

/** Parses the snippet's attributes; null when the token or the source is missing or invalid. */
export function parseScript(script: HTMLScriptElement, baseURI: string): LoaderConfig | null {
  const inboxToken = (script.getAttribute('data-inbox-token') ?? '').trim()
  const src = script.getAttribute('src')
  if (!inboxToken || inboxToken.length > 64 || !src) return null
  let origin: string
  try {
    const u = new URL(src, baseURI)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null
    origin = u.origin
  } catch {
    return null
  }
  const position = (script.getAttribute('data-position') ?? '').trim().toLowerCase() === 'left' ? 'left' : 'right'
  const launcherText = (script.getAttribute('data-launcher-text') ?? '').trim().slice(0, 60)
  const attr = (n: string) => (script.getAttribute(n) ?? '').trim()
  const cfg: LoaderConfig = { inboxToken, origin, position, launcherText }
  if (attr('data-identifier') && attr('data-identifier-hash')) {
    cfg.identity = { identifier: attr('data-identifier'), identifierHash: attr('data-identifier-hash'), name: attr('data-name'), email: attr('data-email') }
  }
  return cfg
}
