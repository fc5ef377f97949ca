import { describe, expect, it, vi } from 'vitest'
import { ApiError } from './api'
import { Outbox } from './outbox'
import { MessageStore, type ChatMessage } from './store'
import type { WireMessage } from './types'

let nextId = 100
const saved = (m: ChatMessage): WireMessage => ({ id: nextId++, conversation_id: 1, content: m.content, sender_type: 'contact', created_at: new Date().toISOString() })

function setup(send: (m: ChatMessage) => Promise<WireMessage>, online = { v: true }) {
  const store = new MessageStore()
  const timers: (() => void)[] = []
  const onError = vi.fn()
  const outbox = new Outbox({
    store,
    send,
    online: () => online.v,
    onError,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => { timers.length = 0 },
  })
  return { store, outbox, timers, onError, online }
}

describe('Outbox', () => {
  it('sends queued messages in typing order and confirms each', async () => {
    const sent: string[] = []
    const { store, outbox } = setup(async (m) => { sent.push(m.content); return saved(m) })
    store.addLocal('one', 'k1')
    store.addLocal('two', 'k2')
    await outbox.flush()
    expect(sent).toEqual(['one', 'two'])
    expect(store.unsent()).toEqual([])
    expect(store.all().every((m) => m.state === 'sent' && m.id !== null)).toBe(true)
  })

  it('keeps messages queued while offline and sends them when back', async () => {
    const send = vi.fn(async (m: ChatMessage) => saved(m))
    const { store, outbox, online } = setup(send, { v: false })
    store.addLocal('while offline', 'k1')
    await outbox.flush()
    expect(send).not.toHaveBeenCalled()
    expect(store.find('k1')?.state).toBe('queued')
    online.v = true
    await outbox.flush()
    expect(send).toHaveBeenCalledTimes(1)
    expect(store.find('k1')?.state).toBe('sent')
  })

  it('retries a passing failure with the same idempotency key, in order', async () => {
    const keys: string[] = []
    let fail = 2
    const { store, outbox, timers, onError } = setup(async (m) => {
      keys.push(m.key)
      if (fail-- > 0) throw new ApiError(0, 'network error')
      return saved(m)
    })
    store.addLocal('a', 'ka')
    store.addLocal('b', 'kb')
    await outbox.flush()
    expect(store.unsent().map((m) => m.state)).toEqual(['queued', 'queued'])
    expect(timers).toHaveLength(1)
    timers.shift()!()
    await vi.waitFor(() => expect(timers).toHaveLength(1))
    timers.shift()!()
    await vi.waitFor(() => expect(store.unsent()).toEqual([]))
    expect(keys).toEqual(['ka', 'ka', 'ka', 'kb'])
    expect(onError).toHaveBeenCalledTimes(2)
  })

  it('marks a refused message failed, sends the rest, and retries it on request', async () => {
    let refuse = true
    const { store, outbox } = setup(async (m) => {
      if (m.content === 'bad' && refuse) throw new ApiError(422, 'validation failed')
      return saved(m)
    })
    store.addLocal('bad', 'k1')
    store.addLocal('good', 'k2')
    await outbox.flush()
    expect(store.find('k1')?.state).toBe('failed')
    expect(store.find('k2')?.state).toBe('sent')
    await outbox.flush() // failed ones wait for the visitor
    expect(store.find('k1')?.state).toBe('failed')
    refuse = false
    await outbox.retry('k1')
    expect(store.find('k1')?.state).toBe('sent')
  })

  it('runs one flush at a time and picks up messages added meanwhile', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => { release = r })
    const sent: string[] = []
    const { store, outbox } = setup(async (m) => { await gate; sent.push(m.content); return saved(m) })
    store.addLocal('first', 'k1')
    const p = outbox.flush()
    store.addLocal('second', 'k2')
    void outbox.flush()
    release()
    await p
    expect(sent).toEqual(['first', 'second'])
  })
})
