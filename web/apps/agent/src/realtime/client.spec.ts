// Specs of the real-time client: the transport list (WebSocket, then HTTP
// streaming and SSE through the emulation endpoint), and watched
// conversations remembered before the client exists and re-applied on an
// account switch, against a fake centrifuge.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createPinia, setActivePinia } from 'pinia'

const fake = vi.hoisted(() => {
  type Fn = (ctx: unknown) => void
  class FakeSub {
    state = 'unsubscribed'
    h: Record<string, Fn[]> = {}
    constructor(readonly channel: string) {}
    on(ev: string, fn: Fn) {
      ;(this.h[ev] ??= []).push(fn)
      return this
    }
    removeAllListeners() {
      this.h = {}
    }
    subscribe() {
      this.state = 'subscribing'
    }
    unsubscribe() {
      this.state = 'unsubscribed'
    }
    publish() {
      return Promise.resolve()
    }
  }
  class FakeCentrifuge {
    static last: FakeCentrifuge | null = null
    state = 'disconnected'
    subs = new Map<string, FakeSub>()
    constructor(
      readonly endpoints: unknown,
      readonly opts: Record<string, unknown>,
    ) {
      FakeCentrifuge.last = this
    }
    on() {
      return this
    }
    removeAllListeners() {}
    connect() {
      this.state = 'connecting'
    }
    disconnect() {
      this.state = 'disconnected'
    }
    newSubscription(ch: string) {
      const s = new FakeSub(ch)
      this.subs.set(ch, s)
      return s
    }
    getSubscription(ch: string) {
      return this.subs.get(ch) ?? null
    }
    removeSubscription(s: FakeSub) {
      this.subs.delete(s.channel)
    }
  }
  return { FakeCentrifuge }
})

vi.mock('centrifuge', () => ({ Centrifuge: fake.FakeCentrifuge, UnauthorizedError: class extends Error {} }))
vi.mock('@/realtime/events', () => ({ dispatchEvent: vi.fn(), dispatchConversationPublication: vi.fn(), resetDedupe: vi.fn() }))
vi.mock('@/stores/conversations', () => ({ useConversationsStore: () => ({ reload: vi.fn() }) }))
vi.mock('@/stores/agents', () => ({ useAgentsStore: () => ({ load: vi.fn(async () => {}) }) }))
vi.mock('@/stores/thread', () => ({ useThreadStore: () => ({ refetch: vi.fn() }) }))

import { ACCOUNT_KEY, SESSION_KEY, useAuthStore } from '@/stores/auth'
import {
  EMULATION_ENDPOINT,
  startRealtime,
  stopRealtime,
  transportEndpoints,
  unwatchConversation,
  watchConversation,
} from '@/realtime/client'

function login(): void {
  localStorage.setItem(
    SESSION_KEY,
    JSON.stringify({
      access_token: 'a',
      refresh_token: 'r',
      expires: Date.now() + 900_000,
      user: { id: 7, name: 'Me', email: 'me@example.com', created_at: '' },
      accounts: [
        { id: 1, name: 'One', role: 'agent', availability: 'online' },
        { id: 2, name: 'Two', role: 'agent', availability: 'online' },
      ],
    }),
  )
  localStorage.setItem(ACCOUNT_KEY, '1')
}

const channels = () => [...(fake.FakeCentrifuge.last?.subs.keys() ?? [])].sort()

describe('real-time client', () => {
  beforeEach(() => {
    localStorage.clear()
    login()
    setActivePinia(createPinia())
    fake.FakeCentrifuge.last = null
  })
  afterEach(() => {
    stopRealtime()
    unwatchConversation(5)
    unwatchConversation(6)
  })

  it('tries WebSocket first, then HTTP streaming and SSE through the emulation endpoint', () => {
    expect(transportEndpoints({ protocol: 'https:', host: 'desk.example:8443' })).toEqual([
      { transport: 'websocket', endpoint: 'wss://desk.example:8443/connection/websocket' },
      { transport: 'http_stream', endpoint: '/connection/http_stream' },
      { transport: 'sse', endpoint: '/connection/sse' },
    ])
    expect(transportEndpoints({ protocol: 'http:', host: 'localhost' })[0]!.endpoint).toBe('ws://localhost/connection/websocket')
    startRealtime()
    const c = fake.FakeCentrifuge.last!
    expect((c.endpoints as { transport: string }[]).map((e) => e.transport)).toEqual(['websocket', 'http_stream', 'sse'])
    expect(c.opts.emulationEndpoint).toBe('/connection/emulation')
    expect(EMULATION_ENDPOINT).toBe('/connection/emulation')
  })

  it('subscribes a conversation watched before the client started', () => {
    watchConversation(5)
    expect(fake.FakeCentrifuge.last).toBeNull()
    startRealtime()
    expect(channels()).toEqual(['account:1', 'agent:1:7', 'conversation:1:5'])
    expect(fake.FakeCentrifuge.last!.subs.get('conversation:1:5')!.state).toBe('subscribing')
  })

  it('re-applies watched conversations after an account switch, and forgets unwatched ones', async () => {
    startRealtime()
    watchConversation(5)
    watchConversation(6)
    expect(channels()).toContain('conversation:1:6')
    unwatchConversation(6)
    useAuthStore().selectAccount(2)
    await nextTick()
    expect(channels()).toEqual(['account:2', 'agent:2:7', 'conversation:2:5'])
  })

  it('keeps the watch across a restart (logout and login in the same page)', () => {
    startRealtime()
    watchConversation(5)
    stopRealtime()
    startRealtime()
    expect(channels()).toContain('conversation:1:5')
  })
})
