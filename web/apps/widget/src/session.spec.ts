import { describe, expect, it } from 'vitest'
import { clearSession, emptySession, loadSession, saveSession, storageKey } from './session'

function mem() {
  const m = new Map<string, string>()
  return {
    map: m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  }
}

describe('session persistence', () => {
  it('round-trips a session under a key per inbox token', () => {
    const st = mem()
    const s = { ...emptySession(), contactToken: 'ct', name: 'Ada', email: 'a@b.c', conversationId: 7, channel: 'conversation:1:7', unread: 2 }
    s.messages = [{ key: 'm1', id: 1, content: 'hi', sender_type: 'agent', created_at: '2026-01-01T00:00:00Z', state: 'sent' }]
    saveSession('inbox-a', s, st)
    expect([...st.map.keys()]).toEqual([storageKey('inbox-a')])
    expect(loadSession('inbox-a', st)).toEqual(s)
    expect(loadSession('inbox-b', st)).toEqual(emptySession())
    clearSession('inbox-a', st)
    expect(loadSession('inbox-a', st)).toEqual(emptySession())
  })

  it('treats corrupt, foreign-version or tokenless data as no session', () => {
    const st = mem()
    st.setItem(storageKey('x'), '{not json')
    expect(loadSession('x', st)).toEqual(emptySession())
    st.setItem(storageKey('x'), JSON.stringify({ v: 2, contactToken: 'ct' }))
    expect(loadSession('x', st)).toEqual(emptySession())
    st.setItem(storageKey('x'), JSON.stringify({ v: 1, contactToken: '', conversationId: 3, channel: 'c' }))
    const s = loadSession('x', st)
    expect(s.conversationId).toBeNull()
    expect(s.channel).toBeNull()
    st.setItem(storageKey('x'), JSON.stringify({ v: 1, contactToken: 'ct', conversationId: 'nope', messages: 'nope', unread: -1 }))
    expect(loadSession('x', st)).toMatchObject({ contactToken: 'ct', conversationId: null, messages: [], unread: 0 })
    // "resolved" only with a conversation, and only a real true
    st.setItem(storageKey('x'), JSON.stringify({ v: 1, contactToken: 'ct', conversationId: 3, resolved: 'yes' }))
    expect(loadSession('x', st).resolved).toBe(false)
    st.setItem(storageKey('x'), JSON.stringify({ v: 1, contactToken: 'ct', conversationId: 3, resolved: true }))
    expect(loadSession('x', st).resolved).toBe(true)
    st.setItem(storageKey('x'), JSON.stringify({ v: 1, contactToken: 'ct', resolved: true }))
    expect(loadSession('x', st).resolved).toBe(false)
  })

  it('survives storage that throws', () => {
    const bad = {
      getItem: () => { throw new Error('blocked') },
      setItem: () => { throw new Error('quota') },
      removeItem: () => { throw new Error('blocked') },
    }
    expect(loadSession('x', bad)).toEqual(emptySession())
    expect(() => saveSession('x', emptySession(), bad)).not.toThrow()
    expect(() => clearSession('x', bad)).not.toThrow()
  })
})
