import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseUpdate, Realtime, TypingSender, wsUrl, type ClientFactory, type RealtimeHandlers } from './realtime'

type Fn = (ctx: any) => void

class FakeSub {
  handlers: Record<string, Fn[]> = {}
  published: unknown[] = []
  on(ev: string, fn: Fn) { (this.handlers[ev] ??= []).push(fn) }
  emit(ev: string, ctx: unknown = {}) { for (const f of this.handlers[ev] ?? []) f(ctx) }
  subscribe() {}
  publish(d: unknown) { this.published.push(d); return Promise.resolve() }
}
class FakeClient {
  handlers: Record<string, Fn[]> = {}
  sub = new FakeSub()
  channel = ''
  connected = false
  on(ev: string, fn: Fn) { (this.handlers[ev] ??= []).push(fn) }
  emit(ev: string, ctx: unknown = {}) { for (const f of this.handlers[ev] ?? []) f(ctx) }
  newSubscription(ch: string) { this.channel = ch; return this.sub }
  connect() { this.connected = true }
  disconnect() { this.connected = false }
}

function handlers(): RealtimeHandlers & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    onUpdate: (u) => calls.push('update:' + u.kind),
    onResync: () => calls.push('resync'),
    onState: (s) => calls.push('state:' + s),
    onRefused: () => calls.push('refused'),
  }
}

const ev = (type: string, data: unknown, conversation_id = 9) => ({ id: 1, type, account_id: 1, conversation_id, version: 2, data, created_at: '' })

describe('realtime', () => {
  afterEach(() => vi.useRealTimers())

  it('derives the WebSocket URL from the script origin', () => {
    expect(wsUrl('https://desk.example.com')).toBe('wss://desk.example.com/connection/websocket')
    expect(wsUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/connection/websocket')
  })

  it('parses conversation events and ignores the rest', () => {
    const m = { id: 5, conversation_id: 9, content: 'hi', sender_type: 'agent', created_at: '' }
    expect(parseUpdate(ev('message.created', m), 9)).toEqual({ kind: 'message', message: m })
    expect(parseUpdate(ev('message.created', m, 10), 9)).toBeNull()
    expect(parseUpdate(ev('message.created', { id: 'x' }), 9)).toBeNull()
    expect(parseUpdate(ev('conversation.status_changed', { id: 9, status: 'resolved' }), 9)).toEqual({ kind: 'status', status: 'resolved', version: 2 })
    expect(parseUpdate(ev('conversation.updated', { id: 9, status: 'open' }), 9)).toEqual({ kind: 'status', status: 'open', version: 2 })
    expect(parseUpdate({ type: 'conversation.status_changed', conversation_id: 9, data: { status: 'resolved' } }, 9)).toEqual({ kind: 'status', status: 'resolved' })
    expect(parseUpdate(ev('conversation.updated', { id: 9 }), 9)).toBeNull()
    expect(parseUpdate({ type: 'typing', conversation_id: 9, typing: true, sender_type: 'agent', sender_id: 2 }, 9)).toEqual({ kind: 'typing', typing: true })
    expect(parseUpdate({ type: 'typing', conversation_id: 9, typing: true, sender_type: 'contact' }, 9)).toBeNull()
    expect(parseUpdate(ev('conversation.assigned', {}), 9)).toBeNull()
    expect(parseUpdate('junk', 9)).toBeNull()
  })

  it('subscribes to the channel, resyncs on every (re)subscription and publishes typing only while subscribed', () => {
    const c = new FakeClient()
    const h = handlers()
    const factory: ClientFactory = (url, token) => {
      expect([url, token]).toEqual(['ws://h/connection/websocket', 'ct'])
      return c
    }
    const rt = new Realtime('ws://h/connection/websocket', 'ct', h, factory)
    rt.start('conversation:1:9', 9)
    expect(c.channel).toBe('conversation:1:9')
    expect(c.connected).toBe(true)
    rt.typing(true)
    expect(c.sub.published).toEqual([])
    c.emit('connecting')
    c.emit('connected')
    c.sub.emit('subscribed')
    rt.typing(true)
    expect(c.sub.published).toEqual([{ type: 'typing', typing: true }])
    c.sub.emit('publication', { data: ev('message.created', { id: 1, conversation_id: 9, content: 'x', sender_type: 'agent', created_at: '' }) })
    c.emit('connecting')
    c.sub.emit('subscribing')
    c.sub.emit('subscribed')
    expect(h.calls).toEqual(['state:connecting', 'state:connected', 'resync', 'update:message', 'state:connecting', 'resync'])
    rt.stop()
    expect(c.connected).toBe(false)
  })

  it('reports a refused token or channel', () => {
    const c = new FakeClient()
    const h = handlers()
    new Realtime('u', 't', h, () => c).start('conversation:1:9', 9)
    c.emit('disconnected', { code: 3500 })
    expect(h.calls).toContain('refused')
    const c2 = new FakeClient()
    const h2 = handlers()
    new Realtime('u', 't', h2, () => c2).start('conversation:1:9', 9)
    c2.sub.emit('unsubscribed', { code: 103 })
    expect(h2.calls).toEqual(['refused'])
  })

  it('throttles typing notices and sends "stopped" after a pause', () => {
    vi.useFakeTimers()
    let now = 0
    const sent: boolean[] = []
    const t = new TypingSender((on) => sent.push(on), () => now)
    t.input()
    now = 1000; t.input()
    now = 2000; t.input()
    expect(sent).toEqual([true])
    now = 3500; t.input()
    expect(sent).toEqual([true, true])
    vi.advanceTimersByTime(4000)
    expect(sent).toEqual([true, true, false])
    t.stop()
    expect(sent).toEqual([true, true, false])
    t.input()
    t.stop()
    expect(sent).toEqual([true, true, false, true, false])
  })
})
