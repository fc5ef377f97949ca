// The controller and the view together, against an in-memory widget API and
// a fake real-time client.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Identity } from './loader'
import type { ClientFactory } from './realtime'
import { storageKey } from './session'
import type { WireMessage } from './types'
import { Widget } from './widget'

type Fn = (ctx: any) => void
class FakeSub {
  h: Record<string, Fn[]> = {}
  on(ev: string, fn: Fn) { (this.h[ev] ??= []).push(fn) }
  emit(ev: string, ctx: unknown = {}) { for (const f of this.h[ev] ?? []) f(ctx) }
  subscribe() {}
  publish() { return Promise.resolve() }
}
class FakeClient {
  h: Record<string, Fn[]> = {}
  sub = new FakeSub()
  on(ev: string, fn: Fn) { (this.h[ev] ??= []).push(fn) }
  emit(ev: string, ctx: unknown = {}) { for (const f of this.h[ev] ?? []) f(ctx) }
  newSubscription() { return this.sub }
  connect() {}
  disconnect() {}
}

/** A tiny in-memory widget API: one inbox (its config overridable), conversations and messages, idempotency keys. */
function server(config: Record<string, unknown> = {}) {
  const msgs: WireMessage[] = []
  const keys = new Map<string, WireMessage>()
  let convId = 0
  let id = 0
  const calls: string[] = []
  const contactBodies: Record<string, string>[] = []
  let contactFailures = 0
  const add = (content: string, sender_type: WireMessage['sender_type']) => {
    const m: WireMessage = { id: ++id, conversation_id: convId, content, sender_type, created_at: new Date().toISOString() }
    msgs.push(m)
    return m
  }
  let withChannel = true
  let status = 'open'
  const conv = () => ({ id: convId, display_id: convId, status, last_activity_at: '', created_at: '', last_message: msgs[msgs.length - 1] ?? null,
    ...(withChannel ? { channel: `conversation:1:${convId}` } : {}) })
  const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
  const fetch = async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname.replace('/api/v1/widget/tok', '')
    const method = init.method ?? 'GET'
    calls.push(method + ' ' + path)
    const body = init.body ? JSON.parse(init.body as string) : {}
    const token = (init.headers as Record<string, string>)['X-Contact-Token']
    if (path === '' && method === 'GET') return reply(200, { name: 'Support', greeting: 'Hello there', hmac_mandatory: false, ...config })
    if (path === '/contacts') {
      contactBodies.push(body)
      if (contactFailures > 0 && contactFailures--) return reply(503, { detail: 'try later' })
      return reply(201, { contact_token: 'ct-1', contact: { id: 1, name: body.name ?? '', email: body.email ?? '' }, verified: !!body.identifier })
    }
    if (token !== 'ct-1') return reply(401, { detail: 'invalid contact token' })
    if (path === '/conversations' && method === 'POST') {
      if (!convId) { convId = 42; keys.set(body.idempotency_key, add(body.content, 'contact')) }
      return reply(201, conv())
    }
    if (path === '/conversations') return reply(200, { data: convId ? [conv()] : [] })
    if (path === `/conversations/${convId}/messages` && method === 'POST') {
      const known = keys.get(body.idempotency_key)
      if (known) return reply(200, known)
      const m = add(body.content, 'contact')
      keys.set(body.idempotency_key, m)
      status = 'open' // a new customer message reopens the conversation
      return reply(201, m)
    }
    if (path === `/conversations/${convId}/messages`) return reply(200, { data: [...msgs].reverse(), next_cursor: null })
    return reply(404, { detail: 'not found' })
  }
  return { fetch, msgs, calls, add, contactBodies, get convId() { return convId }, set convId(v: number) { convId = v },
    get status() { return status }, set status(v: string) { status = v }, noChannel() { withChannel = false },
    failContacts(n: number) { contactFailures = n } }
}

function storage() {
  const m = new Map<string, string>()
  return { m, getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) }
}

const cfg = { inboxToken: 'tok', origin: 'https://desk.example', position: 'right' as const, launcherText: '' }
const q = (w: Widget, id: string) => w.view.root.querySelector(`[data-testid=${id}]`) as HTMLElement
const texts = (w: Widget) => [...w.view.root.querySelectorAll('[data-testid=widget-message]')].map((e) => `${(e as HTMLElement).dataset.senderType}:${e.querySelector('.text')!.textContent}`)

let widgets: Widget[] = []
function make(srv = server(), st = storage(), pollMs = 60000, config: typeof cfg & { identity?: Identity } = cfg) {
  const clients: FakeClient[] = []
  const realtime: ClientFactory = () => { const c = new FakeClient(); clients.push(c); return c }
  const w = new Widget(config, { fetch: srv.fetch, storage: st, realtime, pollMs })
  widgets.push(w)
  w.start(document.body)
  return { w, srv, st, clients }
}

function press(el: HTMLElement, key: string, shiftKey = false) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, composed: true }))
}

describe('Widget', () => {
  afterEach(() => {
    for (const w of widgets) w.destroy()
    widgets = []
  })

  it('mounts an accessible launcher and dialog inside an open shadow root', async () => {
    const { w } = make()
    const host = document.getElementById('hummdesk-widget')!
    expect(host.shadowRoot).toBe(w.view.root)
    expect(document.querySelectorAll('style').length).toBe(0)
    const launcher = q(w, 'launcher')
    expect(launcher.tagName).toBe('BUTTON')
    expect(launcher.getAttribute('aria-label')).toBe('Open chat')
    expect(q(w, 'widget-panel').getAttribute('role')).toBe('dialog')
    await vi.waitFor(() => expect(w.view.title.textContent).toBe('Support'))
    expect(w.view.greeting.textContent).toBe('Hello there')
  })

  it('asks for a name first, then sends; Enter sends and Shift+Enter does not', async () => {
    const { w, srv, st } = make()
    q(w, 'launcher').click()
    expect(q(w, 'widget-panel').hidden).toBe(false)
    expect(w.view.root.activeElement).toBe(q(w, 'prechat-name'))
    ;(q(w, 'prechat-email') as HTMLInputElement).value = 'not-an-email'
    q(w, 'prechat-submit').click()
    expect(w.view.prechatError.textContent).toMatch(/name/)
    ;(q(w, 'prechat-name') as HTMLInputElement).value = 'Ada'
    q(w, 'prechat-submit').click()
    expect(w.view.prechatError.textContent).toMatch(/email/)
    ;(q(w, 'prechat-email') as HTMLInputElement).value = 'ada@example.com'
    q(w, 'prechat-submit').click()
    await vi.waitFor(() => expect(w.view.chat.hidden).toBe(false))

    const input = q(w, 'widget-input') as HTMLTextAreaElement
    input.value = 'line one'
    press(input, 'Enter', true)
    expect(texts(w)).toEqual([])
    input.value = '<img src=x onerror=alert(1)> hi'
    press(input, 'Enter')
    expect(input.value).toBe('')
    expect(texts(w)).toEqual(['contact:<img src=x onerror=alert(1)> hi'])
    expect(w.view.root.querySelector('img')).toBeNull()
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    expect(srv.convId).toBe(42)
    input.value = 'second'
    q(w, 'widget-send').click()
    await vi.waitFor(() => expect(srv.msgs.map((m) => m.content)).toEqual(['<img src=x onerror=alert(1)> hi', 'second']))
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    expect(texts(w)).toHaveLength(2)
    const saved = JSON.parse(st.getItem(storageKey('tok'))!)
    expect(saved).toMatchObject({ contactToken: 'ct-1', conversationId: 42, channel: 'conversation:1:42', name: 'Ada' })
  })

  it('shows pushed replies once, counts them while closed, and Esc closes', async () => {
    const srv = server()
    const st = storage()
    const first = make(srv, st)
    q(first.w, 'launcher').click()
    ;(q(first.w, 'prechat-name') as HTMLInputElement).value = 'Bo'
    q(first.w, 'prechat-submit').click()
    await vi.waitFor(() => expect(first.w.view.chat.hidden).toBe(false))
    first.w.view.input.value = 'hi'
    first.w.view.sendBtn.click()
    await vi.waitFor(() => expect(first.clients).toHaveLength(1))
    const c = first.clients[0]!
    c.emit('connected')
    c.sub.emit('subscribed')
    const reply = srv.add('Agent here', 'agent')
    const push = { id: 1, type: 'message.created', account_id: 1, conversation_id: 42, data: reply, created_at: '' }
    c.sub.emit('publication', { data: push })
    c.sub.emit('publication', { data: push })
    await vi.waitFor(() => expect(texts(first.w)).toEqual(['contact:hi', 'agent:Agent here']))

    press(first.w.view.input, 'Escape')
    expect(q(first.w, 'widget-panel').hidden).toBe(true)
    c.sub.emit('publication', { data: { type: 'typing', conversation_id: 42, typing: true, sender_type: 'agent' } })
    expect(q(first.w, 'widget-typing').hidden).toBe(false)
    const r2 = srv.add('Still there?', 'agent')
    c.sub.emit('publication', { data: { ...push, id: 2, data: r2 } })
    expect(q(first.w, 'widget-typing').hidden).toBe(true)
    expect(q(first.w, 'unread-badge').hidden).toBe(false)
    expect(q(first.w, 'unread-badge').textContent).toBe('1')
    first.w.destroy()
    widgets = []

    // A reload in the same browser: history and badge come back, no pre-chat.
    const again = make(srv, st)
    expect(q(again.w, 'unread-badge').textContent).toBe('1')
    expect(again.w.view.prechat.hidden).toBe(true)
    expect(texts(again.w)).toEqual(['contact:hi', 'agent:Agent here', 'agent:Still there?'])
    srv.add('While you were away', 'agent')
    // The subscription (re)starts: the widget refetches what it missed.
    await vi.waitFor(() => expect(again.clients).toHaveLength(1))
    again.clients[0]!.emit('connected')
    again.clients[0]!.sub.emit('subscribed')
    await vi.waitFor(() => expect(texts(again.w)).toHaveLength(4))
    expect(q(again.w, 'unread-badge').textContent).toBe('2')
    q(again.w, 'launcher').click()
    expect(q(again.w, 'unread-badge').hidden).toBe(true)
  })

  it('shows a resolved conversation until the visitor writes again', async () => {
    const srv = server()
    const st = storage()
    const { w, clients } = make(srv, st)
    q(w, 'launcher').click()
    ;(q(w, 'prechat-name') as HTMLInputElement).value = 'Cy'
    q(w, 'prechat-submit').click()
    await vi.waitFor(() => expect(w.view.chat.hidden).toBe(false))
    w.view.input.value = 'hi'
    w.view.sendBtn.click()
    await vi.waitFor(() => expect(clients).toHaveLength(1))
    const c = clients[0]!
    c.emit('connected')
    c.sub.emit('subscribed')
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    const notice = q(w, 'widget-resolved')
    expect(notice.hidden).toBe(true)

    // A push says resolved; an older push (lower version) does not undo it.
    srv.status = 'resolved'
    const status = (s: string, version: number) => ({ data: { id: version, type: 'conversation.status_changed', account_id: 1, conversation_id: 42, version, data: { id: 42, status: s }, created_at: '' } })
    c.sub.emit('publication', status('resolved', 5))
    expect(notice.hidden).toBe(false)
    expect(notice.textContent).toBe('This conversation was resolved. Write again to reopen it.')
    c.sub.emit('publication', status('open', 4))
    expect(notice.hidden).toBe(false)
    expect(JSON.parse(st.getItem(storageKey('tok'))!).resolved).toBe(true)

    // Writing again hides it at once; the server reopens the conversation.
    w.view.input.value = 'one more thing'
    w.view.sendBtn.click()
    expect(notice.hidden).toBe(true)
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    expect(srv.status).toBe('open')

    // A refetch after a resubscription says resolved again.
    srv.status = 'resolved'
    c.sub.emit('subscribed')
    await vi.waitFor(() => expect(notice.hidden).toBe(false))
    w.destroy()
    widgets = []

    // A reload shows it straight from the stored session.
    const again = make(srv, st)
    expect(q(again.w, 'widget-resolved').hidden).toBe(false)
    again.w.view.input.value = 'reopen please'
    again.w.view.sendBtn.click()
    expect(q(again.w, 'widget-resolved').hidden).toBe(true)
  })

  it('starts over when the stored contact token is refused', async () => {
    const st = storage()
    st.setItem(storageKey('tok'), JSON.stringify({ v: 1, contactToken: 'expired', conversationId: 9, channel: null, messages: [] }))
    const { w } = make(server(), st)
    expect(w.view.prechat.hidden).toBe(true)
    await vi.waitFor(() => expect(w.view.prechat.hidden).toBe(false))
    expect(q(w, 'widget-status').textContent).toMatch(/session has ended/)
    expect(st.getItem(storageKey('tok'))).not.toContain('expired')
  })

  it('polls the messages when the server names no channel', async () => {
    const srv = server()
    srv.noChannel()
    const { w, clients } = make(srv, storage(), 30)
    q(w, 'launcher').click()
    ;(q(w, 'prechat-name') as HTMLInputElement).value = 'Cy'
    q(w, 'prechat-submit').click()
    await vi.waitFor(() => expect(w.view.chat.hidden).toBe(false))
    w.view.input.value = 'anyone?'
    w.view.sendBtn.click()
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    srv.add('Yes, polling works', 'agent')
    await vi.waitFor(() => expect(texts(w)).toEqual(['contact:anyone?', 'agent:Yes, polling works']))
    expect(clients).toHaveLength(0)
  })

  it('signs a verified visitor in without the pre-chat form and continues their conversation', async () => {
    const srv = server()
    srv.convId = 42
    srv.add('Earlier question', 'contact')
    srv.add('Earlier answer', 'agent')
    const identity = { identifier: 'user-42', identifierHash: 'h', name: 'Dee', email: 'dee@example.com' }
    const { w } = make(srv, storage(), 60000, { ...cfg, identity })
    expect(w.view.prechat.hidden).toBe(true)
    expect(srv.contactBodies).toEqual([])
    q(w, 'launcher').click()
    await vi.waitFor(() => expect(texts(w)).toEqual(['contact:Earlier question', 'agent:Earlier answer']))
    expect(srv.contactBodies).toEqual([{ name: 'Dee', email: 'dee@example.com', identifier: 'user-42', identifier_hash: 'h' }])
    w.view.input.value = 'Follow-up'
    w.view.sendBtn.click()
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    expect(srv.msgs.map((m) => m.content)).toEqual(['Earlier question', 'Earlier answer', 'Follow-up'])
  })

  it('forgets a verified session when the site no longer names that visitor', () => {
    const st = storage()
    st.setItem(storageKey('tok'), JSON.stringify({ v: 1, contactToken: 'ct-1', identifier: 'user-42', conversationId: 42, channel: null,
      messages: [{ key: 'm1', id: 1, content: 'private history', sender_type: 'agent', created_at: '', state: 'sent' }] }))
    const { w } = make(server(), st) // signed out: anonymous visitor
    expect(texts(w)).toEqual([])
    expect(w.view.prechat.hidden).toBe(false)
    expect(st.getItem(storageKey('tok')) ?? '').not.toContain('private history')
  })

  it('goes straight to the message box when the inbox has no pre-chat form', async () => {
    const srv = server({ prechat_enabled: false, prechat_require_email: true })
    const { w, st } = make(srv)
    await vi.waitFor(() => expect(w.view.prechat.hidden).toBe(true))
    expect(w.view.chat.hidden).toBe(false)
    q(w, 'launcher').click()
    expect(w.view.root.activeElement).toBe(q(w, 'widget-input'))
    expect(srv.contactBodies).toEqual([])
    w.view.input.value = 'Hi, no form please'
    w.view.sendBtn.click()
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    // The session starts with the first message, with neither name nor email.
    expect(srv.contactBodies).toEqual([{}])
    expect(srv.msgs.map((m) => m.content)).toEqual(['Hi, no form please'])
    expect(texts(w)).toEqual(['contact:Hi, no form please'])
    expect(JSON.parse(st.getItem(storageKey('tok'))!)).toMatchObject({ contactToken: 'ct-1', conversationId: 42 })
  })

  it('without a form, a session that cannot start leaves the message to retry', async () => {
    const srv = server({ prechat_enabled: false })
    srv.failContacts(1)
    const { w } = make(srv)
    await vi.waitFor(() => expect(w.view.chat.hidden).toBe(false))
    q(w, 'launcher').click()
    w.view.input.value = 'anyone there?'
    w.view.sendBtn.click()
    await vi.waitFor(() => expect(w.store.unsent()[0]?.state).toBe('failed'))
    expect(q(w, 'widget-status').hidden).toBe(false)
    ;(w.view.root.querySelector('[data-testid=widget-message] button') as HTMLElement).click()
    await vi.waitFor(() => expect(w.store.unsent()).toEqual([]))
    expect(srv.msgs.map((m) => m.content)).toEqual(['anyone there?'])
    expect(srv.contactBodies).toHaveLength(2)
  })

  it('shows the inbox intro above the form and requires the email when the inbox does', async () => {
    const intro = '<b>Leave your email</b>, we answer there too.'
    const srv = server({ prechat_require_email: true, prechat_message: intro })
    const { w } = make(srv)
    await vi.waitFor(() => expect(w.view.prechatIntro.textContent).toBe(intro))
    expect(w.view.prechat.querySelector('b')).toBeNull()
    expect(w.view.prechat.hidden).toBe(false)
    expect(w.view.emailLabel.textContent).toBe('Email')
    q(w, 'launcher').click()
    ;(q(w, 'prechat-name') as HTMLInputElement).value = 'Ada'
    q(w, 'prechat-submit').click()
    expect(w.view.prechatError.textContent).toBe('Please enter your email address.')
    ;(q(w, 'prechat-email') as HTMLInputElement).value = 'ada@'
    q(w, 'prechat-submit').click()
    expect(w.view.prechatError.textContent).toBe('Please enter a valid email address.')
    expect(srv.contactBodies).toEqual([])
    ;(q(w, 'prechat-email') as HTMLInputElement).value = ' ada@example.com '
    q(w, 'prechat-submit').click()
    await vi.waitFor(() => expect(w.view.chat.hidden).toBe(false))
    expect(srv.contactBodies).toEqual([{ name: 'Ada', email: 'ada@example.com' }])
  })

  it('keeps the default intro and an optional email by default', async () => {
    const { w } = make()
    await vi.waitFor(() => expect(w.view.title.textContent).toBe('Support'))
    expect(w.view.prechatIntro.textContent).toBe('Tell us who you are and we will get back to you here.')
    expect(w.view.emailLabel.textContent).toBe('Email (optional)')
    expect(w.view.prechat.hidden).toBe(false)
  })
})
