import { describe, expect, it, vi } from 'vitest'
import { MessageStore } from './store'
import type { WireMessage } from './types'

const msg = (id: number, content: string, sender_type: WireMessage['sender_type'] = 'agent'): WireMessage => ({
  id, conversation_id: 1, content, sender_type, created_at: new Date(1700000000000 + id * 1000).toISOString(),
})

describe('MessageStore', () => {
  it('merges server messages in id order and drops duplicates', () => {
    const s = new MessageStore()
    expect(s.merge([msg(3, 'c'), msg(1, 'a')]).map((m) => m.id)).toEqual([3, 1])
    expect(s.merge([msg(2, 'b'), msg(3, 'c'), msg(1, 'a')]).map((m) => m.id)).toEqual([2])
    expect(s.all().map((m) => m.id)).toEqual([1, 2, 3])
    expect(s.lastId()).toBe(3)
  })

  it('ignores malformed messages', () => {
    const s = new MessageStore()
    expect(s.merge([null, { id: 'x' }, { id: 1, content: 'hi', sender_type: 'robot' }, msg(2, 'ok')])).toHaveLength(1)
    expect(s.all()).toHaveLength(1)
  })

  it('shows an optimistic message at the end until the POST answer confirms it', () => {
    const s = new MessageStore()
    s.merge([msg(1, 'hello', 'agent')])
    const local = s.addLocal('my question', 'k1')
    expect(local.state).toBe('sending')
    s.merge([msg(2, 'agent again')])
    expect(s.all().map((m) => m.key)).toEqual(['m1', 'm2', 'k1'])
    s.confirm('k1', msg(3, 'my question', 'contact'))
    expect(s.all().map((m) => [m.key, m.id, m.state])).toEqual([['m1', 1, 'sent'], ['m2', 2, 'sent'], ['k1', 3, 'sent']])
    // the push echo of the same message arrives afterwards: nothing new
    expect(s.merge([msg(3, 'my question', 'contact')])).toEqual([])
    expect(s.all()).toHaveLength(3)
  })

  it('reconciles the echo that beats the POST answer by its text', () => {
    const s = new MessageStore()
    s.addLocal('same', 'k1')
    s.addLocal('same', 'k2')
    expect(s.merge([msg(5, 'same', 'contact')])).toEqual([])
    expect(s.all().map((m) => [m.key, m.id])).toEqual([['k1', 5], ['k2', null]])
    s.confirm('k1', msg(5, 'same', 'contact')) // the POST answer: already known
    s.confirm('k2', msg(6, 'same', 'contact'))
    expect(s.all().map((m) => [m.key, m.id])).toEqual([['k1', 5], ['k2', 6]])
  })

  it('does not confirm a new message with an old one of the same text', () => {
    const s = new MessageStore()
    s.merge([msg(4, 'ok', 'contact')])
    s.addLocal('ok', 'k1')
    // a history refetch brings message 4 again (and an older one)
    s.merge([msg(2, 'ok', 'contact'), msg(4, 'ok', 'contact')])
    expect(s.find('k1')?.id).toBeNull()
    expect(s.all().map((m) => m.key)).toEqual(['m2', 'm4', 'k1'])
  })

  it('keeps one copy when an unmatched echo and the POST answer name the same id', () => {
    const s = new MessageStore()
    s.addLocal('  spaced  ', 'k1')
    s.merge([msg(7, 'spaced', 'contact')]) // text normalised by the server: no match
    expect(s.all()).toHaveLength(2)
    s.confirm('k1', msg(7, 'spaced', 'contact'))
    expect(s.all().map((m) => [m.key, m.id, m.content])).toEqual([['k1', 7, 'spaced']])
  })

  it('tracks send states of unconfirmed messages only', () => {
    const s = new MessageStore()
    s.addLocal('a', 'k1')
    s.setState('k1', 'queued')
    expect(s.unsent().map((m) => m.state)).toEqual(['queued'])
    s.confirm('k1', msg(1, 'a', 'contact'))
    s.setState('k1', 'failed')
    expect(s.find('k1')?.state).toBe('sent')
    expect(s.unsent()).toEqual([])
  })

  it('snapshots the last confirmed messages plus every unsent one, and reloads them queued', () => {
    const s = new MessageStore()
    s.merge([1, 2, 3, 4, 5].map((i) => msg(i, 'm' + i)))
    s.addLocal('pending', 'k1')
    const snap = s.snapshot(2)
    expect(snap.map((m) => m.key)).toEqual(['m4', 'm5', 'k1'])
    const t = new MessageStore()
    t.load(JSON.parse(JSON.stringify(snap)))
    expect(t.all().map((m) => [m.key, m.state])).toEqual([['m4', 'sent'], ['m5', 'sent'], ['k1', 'queued']])
    expect(t.lastId()).toBe(5)
  })

  it('notifies listeners on every change', () => {
    const s = new MessageStore()
    const fn = vi.fn()
    s.onChange(fn)
    s.merge([msg(1, 'a')])
    s.merge([msg(1, 'a')]) // no change
    s.addLocal('b', 'k')
    s.clear()
    expect(fn).toHaveBeenCalledTimes(3)
  })
})
