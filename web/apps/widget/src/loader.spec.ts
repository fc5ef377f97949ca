import { afterEach, describe, expect, it } from 'vitest'
import { findScript, parseScript } from './loader'

function script(attrs: Record<string, string>): HTMLScriptElement {
  const s = document.createElement('script')
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v)
  return s
}

describe('loader', () => {
  afterEach(() => {
    document.head.innerHTML = ''
  })

  it('reads the token and derives the API origin from the script source', () => {
    const s = script({ src: 'https://desk.example.com:8443/widget.js?v=2', 'data-inbox-token': 'tok-1' })
    expect(parseScript(s, 'https://shop.example.org/page')).toEqual({
      inboxToken: 'tok-1', origin: 'https://desk.example.com:8443', position: 'right', launcherText: '',
    })
  })

  it('resolves a relative source against the page', () => {
    const s = script({ src: '/widget.js', 'data-inbox-token': 't' })
    expect(parseScript(s, 'http://localhost:8080/demo.html')?.origin).toBe('http://localhost:8080')
  })

  it('reads the optional position and launcher text', () => {
    const s = script({ src: 'https://d.example/widget.js', 'data-inbox-token': 't', 'data-position': 'LEFT', 'data-launcher-text': '  Chat with us  ' })
    expect(parseScript(s, 'https://x.example/')).toMatchObject({ position: 'left', launcherText: 'Chat with us' })
    const other = script({ src: 'https://d.example/widget.js', 'data-inbox-token': 't', 'data-position': 'middle' })
    expect(parseScript(other, 'https://x.example/')?.position).toBe('right')
  })

  it('refuses a missing token, a missing source or a non-http source', () => {
    expect(parseScript(script({ src: 'https://d.example/widget.js' }), 'https://x.example/')).toBeNull()
    expect(parseScript(script({ src: 'https://d.example/widget.js', 'data-inbox-token': '  ' }), 'https://x.example/')).toBeNull()
    expect(parseScript(script({ 'data-inbox-token': 't' }), 'https://x.example/')).toBeNull()
    expect(parseScript(script({ src: 'data:text/javascript,1', 'data-inbox-token': 't' }), 'https://x.example/')).toBeNull()
    expect(parseScript(script({ src: 'https://d.example/widget.js', 'data-inbox-token': 'x'.repeat(65) }), 'https://x.example/')).toBeNull()
  })

  it('falls back to the last script whose path ends with /widget.js', () => {
    const a = script({ src: 'https://a.example/widget.js', 'data-inbox-token': 'a' })
    const b = script({ src: 'https://b.example/widget.js?x=1', 'data-inbox-token': 'b' })
    const c = script({ src: 'https://c.example/other.js' })
    // Not executed: only their elements matter.
    a.type = b.type = c.type = 'text/plain'
    document.head.append(a, b, c)
    expect(findScript(document)).toBe(b)
  })

  it('reads a verified identity only when both the identifier and its hash are there', () => {
    const base = { src: 'https://d.example/widget.js', 'data-inbox-token': 't' }
    expect(parseScript(script({ ...base, 'data-identifier': 'user-42' }), 'https://x.example/')?.identity).toBeUndefined()
    expect(parseScript(script({ ...base, 'data-identifier': 'user-42', 'data-identifier-hash': 'abc', 'data-name': 'Ada' }), 'https://x.example/')?.identity)
      .toEqual({ identifier: 'user-42', identifierHash: 'abc', name: 'Ada', email: '' })
  })
})
