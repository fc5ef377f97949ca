// realtime/events.ts: the tenant guard, the version guard, duplicate
// delivery, and the dispatch of every event type to the right stores.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Conversation, RealtimeEvent, RealtimeEventType } from '@shared/types/api'

const thread = {
  onMessageCreated: vi.fn(),
  onTyping: vi.fn(),
  onClassified: vi.fn(),
  onDraftCreated: vi.fn(),
  onConversationChanged: vi.fn(),
  refetch: vi.fn(),
}
vi.mock('@/stores/thread', () => ({ useThreadStore: () => thread }))
vi.mock('@/api/conversations', () => ({
  listConversations: vi.fn(async () => ({ data: [], next_cursor: null })),
  conversationCounts: vi.fn(async () => ({ mine: 0, unassigned: 0, all: 0 })),
  getConversation: vi.fn(),
}))
vi.mock('@/api/agents', () => ({ listAgents: vi.fn(async () => []) }))
vi.mock('@/api/teams', () => ({ listTeams: vi.fn(async () => []) }))
vi.mock('@/api/inboxes', () => ({ listInboxes: vi.fn(async () => []) }))

import * as convApi from '@/api/conversations'
import { ACCOUNT_KEY, SESSION_KEY } from '@/stores/auth'
import { useConversationsStore } from '@/stores/conversations'
import { useAgentsStore } from '@/stores/agents'
import { dispatchConversationPublication, dispatchEvent, handlers, resetDedupe } from '@/realtime/events'

const ME = 1
let nextId = 1

function conv(id: number, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    account_id: 1,
    display_id: id,
    inbox_id: 1,
    contact_id: 50,
    status: 'open',
    priority: 'none',
    assignee_id: null,
    team_id: null,
    snoozed_until: null,
    last_activity_at: '2030-01-01T00:00:00Z',
    created_at: '2030-01-01T00:00:00Z',
    updated_at: '2030-01-01T00:00:00Z',
    version: 1,
    labels: [],
    contact: { id: 50, name: 'Ada', email: 'ada@example.com', phone: '' },
    assignee: null,
    team: null,
    last_message: null,
    ...over,
  }
}

function event<T extends RealtimeEventType>(type: T, data: RealtimeEvent<T>['data'], over: Partial<RealtimeEvent<T>> = {}) {
  return {
    id: nextId++,
    type,
    account_id: 1,
    conversation_id: (data as { conversation_id?: number; id?: number }).conversation_id ?? (data as { id?: number }).id,
    version: (data as { version?: number }).version ?? 1,
    data,
    created_at: '2030-01-01T00:00:00Z',
    ...over,
  } as RealtimeEvent<T>
}

describe('realtime events', () => {
  beforeEach(() => {
    localStorage.clear()
    localStorage.setItem(
      SESSION_KEY,
      JSON.stringify({
        access_token: 'a',
        refresh_token: 'r',
        expires: Date.now() + 900_000,
        user: { id: ME, name: 'Me', email: 'me@example.com', created_at: '' },
        accounts: [{ id: 1, name: 'One', role: 'agent', availability: 'online' }],
      }),
    )
    localStorage.setItem(ACCOUNT_KEY, '1')
    setActivePinia(createPinia())
    resetDedupe()
    for (const fn of Object.values(thread)) fn.mockReset()
    useConversationsStore().tab = 'all'
  })

  it('has a handler for every event type', () => {
    const types: RealtimeEventType[] = [
      'conversation.created',
      'conversation.updated',
      'conversation.assigned',
      'conversation.status_changed',
      'message.created',
      'conversation.classified',
      'agent.presence',
      'draft.created',
    ]
    expect(Object.keys(handlers).sort()).toEqual([...types].sort())
  })

  it("ignores another account's events", () => {
    const ev = event('conversation.created', conv(1, { account_id: 2 }), { account_id: 2 })
    expect(dispatchEvent(ev)).toBe(false)
    expect(useConversationsStore().items).toEqual([])
    expect(thread.onConversationChanged).not.toHaveBeenCalled()
  })

  it('ignores malformed payloads and unknown types', () => {
    expect(dispatchEvent(null)).toBe(false)
    expect(dispatchEvent({ type: 'conversation.created' })).toBe(false)
    expect(dispatchEvent({ id: 99, type: 'something.new', account_id: 1, data: {} })).toBe(false)
  })

  it('applies conversation events to the list and the thread', async () => {
    // Not held yet: the list fetches the conversation rather than trust the push.
    vi.mocked(convApi.getConversation).mockResolvedValue(conv(1))
    expect(dispatchEvent(event('conversation.created', conv(1)))).toBe(true)
    await vi.waitFor(() => expect(useConversationsStore().items.map((c) => c.id)).toEqual([1]))
    expect(thread.onConversationChanged).toHaveBeenCalledTimes(1)
    dispatchEvent(event('conversation.assigned', conv(1, { version: 2, assignee_id: ME })))
    expect(useConversationsStore().items[0]!.assignee_id).toBe(ME)
    expect(thread.onConversationChanged).toHaveBeenCalledTimes(2)
  })

  it('drops conversation events older than what the list holds', () => {
    vi.mocked(convApi.getConversation).mockClear()
    useConversationsStore().upsert(conv(1, { version: 5, priority: 'urgent' }))
    dispatchEvent(event('conversation.updated', conv(1, { version: 3, priority: 'low' })))
    expect(useConversationsStore().items[0]!.priority).toBe('urgent')
    expect(convApi.getConversation).not.toHaveBeenCalled()
  })

  it('applies an event delivered on two channels once', () => {
    const ev = event('conversation.assigned', conv(1, { assignee_id: ME }))
    expect(dispatchEvent(ev)).toBe(true)
    expect(dispatchEvent({ ...ev })).toBe(false)
    expect(thread.onConversationChanged).toHaveBeenCalledTimes(1)
  })

  it('sends message.created to the list and the thread', () => {
    useConversationsStore().upsert(conv(1))
    const m = {
      id: 7,
      account_id: 1,
      conversation_id: 1,
      sender_type: 'contact' as const,
      sender_id: null,
      content: 'hi',
      private: false,
      created_at: '2030-01-01T00:01:00Z',
    }
    dispatchEvent(event('message.created', m, { conversation_id: 1, version: 2 }))
    expect(thread.onMessageCreated).toHaveBeenCalledWith(expect.objectContaining({ type: 'message.created' }))
    expect(useConversationsStore().items[0]!.last_message?.content).toBe('hi')
  })

  it('applies classifications to the row and sends them and drafts to the thread', () => {
    useConversationsStore().upsert(conv(1, { labels: ['vip', 'general'] }))
    dispatchEvent(
      event('conversation.classified', { id: 3, conversation_id: 1, category: 'billing', priority: 'high' } as never, {
        version: 2,
      }),
    )
    expect(useConversationsStore().items[0]).toMatchObject({ labels: ['vip', 'billing'], priority: 'high' })
    dispatchEvent(event('draft.created', { id: 4, conversation_id: 1 } as never))
    expect(thread.onClassified).toHaveBeenCalledTimes(1)
    expect(thread.onDraftCreated).toHaveBeenCalledTimes(1)
  })

  it('updates agent presence', async () => {
    const agents = useAgentsStore()
    agents.agents = [
      { id: 2, name: 'Bo', email: 'bo@example.com', role: 'agent', availability: 'online', max_concurrent: 5, online: false, created_at: '' },
    ]
    dispatchEvent(event('agent.presence', { user_id: 2, online: true, availability: 'busy' }, { version: 4, conversation_id: undefined }))
    expect(agents.agents[0]).toMatchObject({ online: true, availability: 'busy' })
    // an older presence event does not undo it
    dispatchEvent(event('agent.presence', { user_id: 2, online: false, availability: 'online' }, { version: 3 }))
    expect(agents.agents[0]).toMatchObject({ online: true, availability: 'busy' })
  })

  it("takes typing from conversation channels of the current account, not the agent's own", () => {
    const typing = { type: 'typing', conversation_id: 1, typing: true, sender_type: 'contact' }
    expect(dispatchConversationPublication(typing, 1)).toBe(true)
    expect(dispatchConversationPublication(typing, 2)).toBe(false)
    expect(dispatchConversationPublication({ ...typing, sender_type: 'agent', sender_id: ME }, 1)).toBe(false)
    expect(dispatchConversationPublication({ type: 'message.created', account_id: 1, data: {} }, 1)).toBe(false)
    expect(thread.onTyping).toHaveBeenCalledTimes(1)
  })
})
