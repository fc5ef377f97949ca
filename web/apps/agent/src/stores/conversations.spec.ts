// The conversations store: tab and filter matching, upsert with the
// version guard, rows moving to the top on activity and between tabs on
// reassignment, and the unread marker.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { Conversation, Message } from '@shared/types/api'

vi.mock('@/api/conversations', () => ({
  listConversations: vi.fn(),
  conversationCounts: vi.fn(),
  getConversation: vi.fn(),
}))

import * as api from '@/api/conversations'
import { useAuthStore, SESSION_KEY, ACCOUNT_KEY } from '@/stores/auth'
import { matches, useConversationsStore, type ListFilters } from '@/stores/conversations'
import { prefsKey, sanitizePrefs } from '@/features/conversations/listPrefs'

const ME = 1

function conv(id: number, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    account_id: 1,
    display_id: id,
    inbox_id: 1,
    contact_id: 100 + id,
    status: 'open',
    priority: 'none',
    assignee_id: null,
    team_id: null,
    snoozed_until: null,
    last_activity_at: new Date(Date.UTC(2030, 0, 1, 0, 0, id)).toISOString(),
    created_at: '2030-01-01T00:00:00Z',
    updated_at: '2030-01-01T00:00:00Z',
    version: 1,
    labels: [],
    contact: { id: 100 + id, name: `Contact ${id}`, email: `c${id}@example.com`, phone: '' },
    assignee: null,
    team: null,
    last_message: null,
    ...over,
  }
}

function msg(id: number, conversationId: number, at: string, over: Partial<Message> = {}): Message {
  return {
    id,
    account_id: 1,
    conversation_id: conversationId,
    sender_type: 'contact',
    sender_id: null,
    content: `message ${id}`,
    private: false,
    created_at: at,
    ...over,
  }
}

const base: ListFilters = { status: 'open', priority: '', category: '', team_id: null, inbox_id: null, q: '' }

function login(): void {
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
}

/** A store showing the given first page on a tab. */
async function storeWith(tab: 'mine' | 'unassigned' | 'all', rows: Conversation[], next: string | null = null) {
  vi.mocked(api.listConversations).mockResolvedValue({ data: rows, next_cursor: next })
  vi.mocked(api.conversationCounts).mockResolvedValue({ mine: 0, unassigned: 0, all: 0 })
  const s = useConversationsStore()
  s.tab = tab
  await s.reload()
  return s
}

const ids = (s: ReturnType<typeof useConversationsStore>) => s.items.map((c) => c.id)

describe('matches', () => {
  it('follows the tab', () => {
    expect(matches(conv(1, { assignee_id: ME }), 'mine', base, ME)).toBe(true)
    expect(matches(conv(1, { assignee_id: 2 }), 'mine', base, ME)).toBe(false)
    expect(matches(conv(1), 'unassigned', base, ME)).toBe(true)
    expect(matches(conv(1, { assignee_id: 2 }), 'unassigned', base, ME)).toBe(false)
    expect(matches(conv(1, { assignee_id: 2 }), 'all', base, ME)).toBe(true)
  })

  it('follows the filters', () => {
    expect(matches(conv(1, { status: 'resolved' }), 'all', base, ME)).toBe(false)
    expect(matches(conv(1, { status: 'resolved' }), 'all', { ...base, status: 'all' }, ME)).toBe(true)
    expect(matches(conv(1, { priority: 'high' }), 'all', { ...base, priority: 'urgent' }, ME)).toBe(false)
    expect(matches(conv(1, { labels: ['billing'] }), 'all', { ...base, category: 'billing' }, ME)).toBe(true)
    expect(matches(conv(1, { labels: ['sales'] }), 'all', { ...base, category: 'billing' }, ME)).toBe(false)
    expect(matches(conv(1, { team_id: 3 }), 'all', { ...base, team_id: 3 }, ME)).toBe(true)
    expect(matches(conv(1, { inbox_id: 2 }), 'all', { ...base, inbox_id: 1 }, ME)).toBe(false)
    expect(matches(conv(1), 'all', { ...base, q: 'contact 1' }, ME)).toBe(true)
    expect(matches(conv(1), 'all', { ...base, q: '#1' }, ME)).toBe(true)
    expect(matches(conv(1), 'all', { ...base, q: 'nobody' }, ME)).toBe(false)
  })
})

describe('conversations store', () => {
  beforeEach(() => {
    localStorage.clear()
    vi.mocked(api.getConversation).mockReset()
    login()
    setActivePinia(createPinia())
    useAuthStore()
  })

  it('loads a page in server order and pages on', async () => {
    const s = await storeWith('all', [conv(3), conv(2)], 'cursor-1')
    expect(ids(s)).toEqual([3, 2])
    expect(s.hasMore).toBe(true)
    vi.mocked(api.listConversations).mockResolvedValue({ data: [conv(2), conv(1)], next_cursor: null })
    await s.loadMore()
    expect(api.listConversations).toHaveBeenLastCalledWith(expect.objectContaining({ assignee: 'any' }), 'cursor-1', undefined, 25)
    expect(ids(s)).toEqual([3, 2, 1])
    expect(s.hasMore).toBe(false)
  })

  it('puts a new matching conversation on top and ignores one of another tab', async () => {
    const s = await storeWith('unassigned', [conv(2), conv(1)])
    expect(s.upsert(conv(5))).toBe(true)
    expect(ids(s)).toEqual([5, 2, 1])
    s.upsert(conv(6, { assignee_id: 2 }))
    expect(ids(s)).toEqual([5, 2, 1])
  })

  it('fetches a pushed conversation it does not hold instead of trusting the push', async () => {
    const s = await storeWith('all', [conv(1)])
    // A late push (an old outbox event) says low priority; the server says urgent.
    vi.mocked(api.getConversation).mockResolvedValue(conv(7, { version: 3, priority: 'urgent' }))
    expect(s.applyPush(conv(7, { version: 1, priority: 'low' }))).toBe(false)
    expect(api.getConversation).toHaveBeenCalledWith(7)
    await vi.waitFor(() => expect(s.items.find((c) => c.id === 7)?.priority).toBe('urgent'))
    // One that has left the view by now (resolved) is not shown as open.
    vi.mocked(api.getConversation).mockResolvedValue(conv(8, { version: 4, status: 'resolved' }))
    s.applyPush(conv(8, { version: 1, status: 'open' }))
    await vi.waitFor(() => expect(api.getConversation).toHaveBeenCalledWith(8))
    await Promise.resolve()
    expect(s.items.some((c) => c.id === 8)).toBe(false)
    // A held conversation is decided by the version guard, without a fetch.
    vi.mocked(api.getConversation).mockClear()
    expect(s.applyPush(conv(1, { version: 2, priority: 'high' }))).toBe(true)
    expect(api.getConversation).not.toHaveBeenCalled()
    expect(s.items.find((c) => c.id === 1)?.priority).toBe('high')
  })

  it('keeps a conversation pushed while the list was loading', async () => {
    const s = await storeWith('all', [conv(1)])
    let answer!: (v: { data: Conversation[]; next_cursor: string | null }) => void
    vi.mocked(api.listConversations).mockReturnValueOnce(new Promise((res) => (answer = res)))
    const reloading = s.reload()
    // A new conversation arrives while GET /conversations is on its way; the
    // answer was read before it existed.
    expect(s.upsert(conv(9))).toBe(true)
    answer({ data: [conv(1)], next_cursor: null })
    await reloading
    expect(ids(s)).toEqual([9, 1])
  })

  it('drops a push older than what it holds', async () => {
    const s = await storeWith('all', [conv(1, { version: 5, priority: 'high' })])
    expect(s.upsert(conv(1, { version: 4, priority: 'low' }))).toBe(false)
    expect(s.items[0]!.priority).toBe('high')
    expect(s.upsert(conv(1, { version: 6, priority: 'urgent' }))).toBe(true)
    expect(s.items[0]!.priority).toBe('urgent')
  })

  it('moves reassigned rows out of the tab (and into mine)', async () => {
    const s = await storeWith('unassigned', [conv(2), conv(1)])
    s.upsert(conv(2, { version: 2, assignee_id: ME }))
    expect(ids(s)).toEqual([1])
  })

  it('takes rows assigned to me into the mine tab', async () => {
    const s = await storeWith('mine', [conv(1, { assignee_id: ME })])
    s.upsert(conv(2, { version: 2, assignee_id: ME }))
    expect(ids(s)).toEqual([2, 1])
    s.upsert(conv(2, { version: 3, assignee_id: 7 }))
    expect(ids(s)).toEqual([1])
  })

  it('drops resolved rows from the open view', async () => {
    const s = await storeWith('all', [conv(2), conv(1)])
    s.upsert(conv(1, { version: 2, status: 'resolved' }))
    expect(ids(s)).toEqual([2])
  })

  it('moves a row to the top on a new message and shows it as preview', async () => {
    const s = await storeWith('all', [conv(3), conv(2), conv(1)])
    await s.applyMessage(msg(10, 1, '2030-01-01T00:05:00Z'), 2)
    expect(ids(s)).toEqual([1, 3, 2])
    expect(s.items[0]!.last_message?.content).toBe('message 10')
    expect(s.items[0]!.version).toBe(2)
  })

  it('fetches a conversation it did not know when a message arrives', async () => {
    const s = await storeWith('all', [conv(1)])
    vi.mocked(api.getConversation).mockResolvedValue(conv(9))
    await s.applyMessage(msg(11, 9, '2030-01-01T00:09:00Z'), 1)
    expect(api.getConversation).toHaveBeenCalledWith(9)
    expect(ids(s)).toEqual([9, 1])
  })

  it('does not insert below the loaded rows while more pages are to come', async () => {
    const s = await storeWith('all', [conv(5), conv(4)], 'more')
    s.upsert(conv(1))
    expect(ids(s)).toEqual([5, 4])
  })

  it('marks activity after the last visit as unread, but not in the open conversation', async () => {
    const s = await storeWith('all', [conv(1)])
    const fresh = new Date(Date.now() + 60_000).toISOString()
    await s.applyMessage(msg(20, 1, fresh), 2)
    expect(s.isUnread(s.items[0]!)).toBe(true)
    s.setOpen(1)
    expect(s.isUnread(s.items[0]!)).toBe(false)
    s.setOpen(null)
    expect(s.isUnread(s.items[0]!)).toBe(false)
    // the agent's own reply is not unseen activity
    await s.applyMessage(msg(21, 1, new Date(Date.now() + 120_000).toISOString(), { sender_type: 'agent', sender_id: ME }), 3)
    expect(s.isUnread(s.items[0]!)).toBe(false)
  })

  it('sends the tab as the assignee filter', async () => {
    await storeWith('mine', [])
    expect(api.listConversations).toHaveBeenLastCalledWith(
      expect.objectContaining({ assignee: 'me', status: 'open' }),
      null,
      expect.anything(),
      25,
    )
  })

  it('remembers the tab and filters per account across a reload', async () => {
    vi.mocked(api.listConversations).mockResolvedValue({ data: [], next_cursor: null })
    vi.mocked(api.conversationCounts).mockResolvedValue({ mine: 0, unassigned: 0, all: 0 })
    const s = useConversationsStore()
    expect(s.tab).toBe('mine')
    s.setTab('unassigned')
    s.setFilters({ status: 'pending', priority: 'high', team_id: 3, q: 'ada' })
    expect(JSON.parse(localStorage.getItem(prefsKey(1, ME)!)!)).toMatchObject({ tab: 'unassigned', filters: { status: 'pending', team_id: 3 } })

    // A reload: a fresh store reads them back.
    setActivePinia(createPinia())
    const again = useConversationsStore()
    expect(again.tab).toBe('unassigned')
    expect({ ...again.filters }).toEqual({ status: 'pending', priority: 'high', category: '', team_id: 3, inbox_id: null, q: 'ada' })

    // Another account has its own (here: the defaults), and switching back restores them.
    const auth = useAuthStore()
    auth.selectAccount(2)
    await nextTick()
    expect(again.tab).toBe('mine')
    expect(again.filters.status).toBe('open')
    expect(again.filters.team_id).toBeNull()
    auth.selectAccount(1)
    await nextTick()
    expect(again.tab).toBe('unassigned')
    expect(again.filters.team_id).toBe(3)
  })

  it('sanitises what it reads back', () => {
    localStorage.setItem(prefsKey(1, ME)!, '{not json')
    expect(useConversationsStore().tab).toBe('mine')
    expect(
      sanitizePrefs({ tab: 'everything', filters: { status: 'deleted', priority: 'high', category: 'spam', team_id: -1, inbox_id: 2.5, q: 'x'.repeat(500) } }),
    ).toEqual({ tab: 'mine', filters: { status: 'open', priority: 'high', category: '', team_id: null, inbox_id: null, q: 'x'.repeat(200) } })
    expect(sanitizePrefs({ tab: 'all', filters: { status: 'all', category: 'billing', inbox_id: 4, q: 7 } })).toEqual({
      tab: 'all',
      filters: { status: 'all', priority: '', category: 'billing', team_id: null, inbox_id: 4, q: '' },
    })
    expect(sanitizePrefs(null).tab).toBe('mine')
  })
})
