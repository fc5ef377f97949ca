// The widget's DOM, inside an open shadow root on <div id="hummdesk-widget">.
// Built with createElement and textContent only: whatever a visitor or an
// agent typed is always text, never markup. No inline handlers, no <style>
// element (the stylesheet is adopted, see styles.ts).
import { css } from './styles'
import type { ChatMessage } from './store'

export interface ViewOptions {
  position: 'left' | 'right'
  launcherText: string
}

export interface ViewHandlers {
  toggle(): void
  close(): void
  prechat(name: string, email: string): void
  send(text: string): void
  typing(): void
  retry(key: string): void
}

type Attrs = Record<string, string | boolean>

/** Creates an element with attributes (strings set as attributes, true as empty ones) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) e.setAttribute(k, '')
    else if (v !== false) e.setAttribute(k, v)
  }
  for (const k of kids) e.append(typeof k === 'string' ? document.createTextNode(k) : k)
  return e
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** The line above the pre-chat form when the inbox sets none. */
export const DEFAULT_INTRO = 'Tell us who you are and we will get back to you here.'

/** Checks the pre-chat form: a name is required; an email must look like one, and be there when the inbox requires it. */
export function validatePrechat(name: string, email: string, requireEmail = false): string | null {
  if (!name.trim()) return 'Please tell us your name.'
  if (name.trim().length > 200) return 'That name is too long.'
  if (requireEmail && !email.trim()) return 'Please enter your email address.'
  if (email.trim() && !EMAIL.test(email.trim())) return requireEmail ? 'Please enter a valid email address.' : 'Please enter a valid email address, or leave it empty.'
  return null
}

function chatIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  const p = document.createElementNS(ns, 'path')
  p.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 2-2z')
  svg.append(p)
  return svg
}

/** Adopts the stylesheet; very old browsers without constructable sheets get a <style> inside the shadow root. */
function adoptStyles(root: ShadowRoot): void {
  try {
    const sheet = new CSSStyleSheet()
    sheet.replaceSync(css)
    root.adoptedStyleSheets = [sheet]
  } catch {
    root.append(el('style', {}, css))
  }
}

const notes: Record<string, string> = { sending: 'Sending…', queued: 'Waiting for connection…', failed: 'Not sent.' }

export class View {
  readonly host: HTMLDivElement
  readonly root: ShadowRoot
  readonly launcher = el('button', { type: 'button', class: 'launcher', 'data-testid': 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-haspopup': 'dialog' })
  readonly badge = el('span', { class: 'badge', 'data-testid': 'unread-badge', hidden: true, 'aria-live': 'polite' })
  readonly title = el('h2', { class: 'title', id: 'hd-title' }, 'Chat')
  readonly greeting = el('p', { class: 'greeting', hidden: true })
  readonly closeBtn = el('button', { type: 'button', class: 'close', 'aria-label': 'Close chat' }, '×')
  readonly status = el('div', { class: 'status', 'data-testid': 'widget-status', role: 'status', hidden: true })
  readonly nameInput = el('input', { type: 'text', 'data-testid': 'prechat-name', autocomplete: 'name', maxlength: '200', required: true })
  readonly emailInput = el('input', { type: 'email', 'data-testid': 'prechat-email', autocomplete: 'email', maxlength: '320' })
  readonly prechatError = el('div', { class: 'error-text', role: 'alert' })
  readonly prechatSubmit = el('button', { type: 'submit', class: 'btn', 'data-testid': 'prechat-submit' }, 'Start chat')
  readonly prechatIntro = el('p', { class: 'intro' }, DEFAULT_INTRO)
  readonly emailLabel = el('span', {}, 'Email (optional)')
  readonly prechat = el('form', { class: 'prechat', novalidate: true, hidden: true },
    this.prechatIntro,
    el('label', { class: 'field' }, 'Name', this.nameInput),
    el('label', { class: 'field' }, this.emailLabel, this.emailInput),
    this.prechatError, this.prechatSubmit)
  readonly list = el('div', { class: 'messages', 'data-testid': 'widget-messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' })
  readonly empty = el('p', { class: 'empty' }, 'Send us a message, we are happy to help.')
  readonly resolved = el('div', { class: 'resolved', 'data-testid': 'widget-resolved', role: 'status', hidden: true },
    'This conversation was resolved. Write again to reopen it.')
  readonly typingEl = el('div', { class: 'typing', 'data-testid': 'widget-typing', hidden: true, 'aria-live': 'polite' }, 'Agent is typing…')
  readonly input = el('textarea', { 'data-testid': 'widget-input', rows: '1', placeholder: 'Type your message…', 'aria-label': 'Message', maxlength: '20000' })
  readonly sendBtn = el('button', { type: 'button', class: 'btn', 'data-testid': 'widget-send' }, 'Send')
  readonly chat = el('div', { class: 'chat', hidden: true }, this.list, this.typingEl, this.resolved, el('div', { class: 'composer' }, this.input, this.sendBtn))
  readonly panel = el('div', { class: 'panel', 'data-testid': 'widget-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'hd-title', hidden: true },
    el('div', { class: 'head' }, el('div', { class: 'head-text' }, this.title, this.greeting), this.closeBtn),
    this.status, this.prechat, this.chat)
  private items = new Map<string, HTMLElement>()
  private requireEmail = false
  private isOpen = false
  private enterDown = false
  private unread = 0

  constructor(opts: ViewOptions, private readonly h: ViewHandlers) {
    this.host = el('div', { id: 'hummdesk-widget' })
    if (opts.position === 'left') this.host.className = 'left'
    this.root = this.host.attachShadow({ mode: 'open' })
    adoptStyles(this.root)
    this.launcher.append(chatIcon())
    if (opts.launcherText) this.launcher.append(el('span', {}, opts.launcherText))
    this.launcher.append(this.badge)
    this.list.append(this.empty)
    this.root.append(this.panel, this.launcher)
    this.wire()
  }

  private wire(): void {
    this.launcher.addEventListener('click', () => this.h.toggle())
    this.closeBtn.addEventListener('click', () => this.h.close())
    this.root.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Escape' && this.isOpen) {
        e.stopPropagation()
        this.h.close()
      }
    })
    this.prechat.addEventListener('submit', (e) => {
      e.preventDefault()
      const name = this.nameInput.value
      const email = this.emailInput.value
      const err = validatePrechat(name, email, this.requireEmail)
      this.prechatError.textContent = err ?? ''
      if (!err) this.h.prechat(name.trim(), email.trim())
    })
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        this.enterDown = true
        this.submit()
      }
    })
    // Some input paths (synthetic key events, a few IMEs) deliver the Enter's
    // line break separately from its keydown: swallow it too.
    this.input.addEventListener('keypress', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) e.preventDefault()
    })
    this.input.addEventListener('beforeinput', (e) => {
      if (this.enterDown && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph' || /^[\r\n]+$/.test(e.data ?? ''))) e.preventDefault()
    })
    this.input.addEventListener('keyup', (e) => {
      if (e.key === 'Enter') this.enterDown = false
    })
    this.input.addEventListener('input', () => {
      this.autosize()
      if (this.input.value) this.h.typing()
    })
    this.sendBtn.addEventListener('click', () => this.submit())
  }

  private submit(): void {
    const text = this.input.value.trim()
    if (!text) return
    this.input.value = ''
    this.autosize()
    this.h.send(text)
    this.input.focus()
  }

  private autosize(): void {
    this.input.style.height = 'auto'
    if (this.input.value) this.input.style.height = Math.min(120, Math.max(40, this.input.scrollHeight + 2)) + 'px'
  }

  mount(parent: HTMLElement): void {
    parent.append(this.host)
  }

  setConfig(name: string, greeting: string): void {
    this.title.textContent = name || 'Chat'
    this.greeting.textContent = greeting
    this.greeting.hidden = !greeting
  }

  /** Applies the inbox's pre-chat settings: the intro line (as text) and whether the email is required. */
  setPrechatOptions(requireEmail: boolean, intro: string): void {
    this.requireEmail = requireEmail
    this.prechatIntro.textContent = intro.trim() || DEFAULT_INTRO
    this.emailLabel.textContent = requireEmail ? 'Email' : 'Email (optional)'
    this.emailInput.required = requireEmail
  }

  setOpen(open: boolean): void {
    this.isOpen = open
    this.panel.hidden = !open
    this.launcher.setAttribute('aria-expanded', String(open))
    this.labelLauncher()
    if (open) {
      this.focus()
      this.scrollToEnd()
    }
  }

  /** Focuses where the visitor types next: the name field before a session, else the message box. */
  focus(): void {
    if (!this.prechat.hidden) this.nameInput.focus()
    else this.input.focus()
  }

  focusLauncher(): void {
    this.launcher.focus()
  }

  showPrechat(show: boolean): void {
    this.prechat.hidden = !show
    this.chat.hidden = show
  }

  setPrechatBusy(busy: boolean, error = ''): void {
    this.prechatSubmit.disabled = busy
    this.prechatError.textContent = error
  }

  setUnread(n: number): void {
    this.unread = n
    this.badge.textContent = n > 99 ? '99+' : String(n)
    this.badge.hidden = n <= 0
    this.labelLauncher()
  }

  private labelLauncher(): void {
    const base = this.isOpen ? 'Close chat' : 'Open chat'
    this.launcher.setAttribute('aria-label', this.unread > 0 ? `${base} (${this.unread} unread)` : base)
  }

  setTyping(on: boolean): void {
    this.typingEl.hidden = !on
  }

  /** Shows or hides the "conversation resolved" notice above the composer. */
  setResolved(on: boolean): void {
    this.resolved.hidden = !on
  }

  /** Shows a status line (offline, reconnecting, error) or hides it with null. */
  setStatus(text: string | null, error = false): void {
    this.status.textContent = text ?? ''
    this.status.hidden = !text
    this.status.classList.toggle('error', error)
  }

  /** Renders the messages, reusing each message's element by its stable key. */
  render(msgs: readonly ChatMessage[]): void {
    const nearEnd = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 60
    const seen = new Set<string>()
    this.empty.hidden = msgs.length > 0
    let cursor: ChildNode | null = this.empty.nextSibling
    for (const m of msgs) {
      seen.add(m.key)
      let node = this.items.get(m.key)
      const sig = m.state + '|' + m.content
      if (!node || node.dataset.sig !== sig) {
        const fresh = this.message(m)
        fresh.dataset.sig = sig
        if (node) {
          node.replaceWith(fresh)
          if (node === cursor) cursor = fresh
        }
        node = fresh
        this.items.set(m.key, node)
      }
      // Move only what is out of place, so the live region stays quiet.
      if (node === cursor) cursor = cursor.nextSibling
      else this.list.insertBefore(node, cursor)
    }
    for (const [k, node] of this.items) {
      if (!seen.has(k)) {
        node.remove()
        this.items.delete(k)
      }
    }
    const last = msgs[msgs.length - 1]
    if (nearEnd || (last && last.sender_type === 'contact')) this.scrollToEnd()
  }

  private message(m: ChatMessage): HTMLElement {
    const classes = ['msg', m.sender_type]
    if (m.state === 'failed') classes.push('failed')
    else if (m.state !== 'sent') classes.push('pending')
    const node = el('div', { class: classes.join(' '), 'data-testid': 'widget-message', 'data-sender-type': m.sender_type })
    if (m.sender_type === 'ai') node.append(el('span', { class: 'who' }, 'AI assistant'))
    node.append(el('span', { class: 'text' }, m.content))
    const note = notes[m.state]
    if (m.state !== 'sent' && note) {
      const n = el('span', { class: 'note' }, note)
      if (m.state === 'failed') {
        const retry = el('button', { type: 'button', class: 'close', 'aria-label': 'Retry sending' }, '↻ Retry')
        retry.addEventListener('click', () => this.h.retry(m.key))
        n.append(' ', retry)
      }
      node.append(n)
    }
    const t = new Date(m.created_at)
    if (!isNaN(t.getTime())) node.title = t.toLocaleString()
    return node
  }

  scrollToEnd(): void {
    this.list.scrollTop = this.list.scrollHeight
  }

  destroy(): void {
    this.host.remove()
  }
}
