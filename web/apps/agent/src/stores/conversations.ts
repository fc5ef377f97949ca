// The conversation list: tab (mine / unassigned / all), filters, keyset
// pages in the server's order (last activity, newest first), tab counts,
// and live updates from realtime/events.ts with a version guard. It also
// remembers, per conversation, when the agent last saw it (localStorage)
// to mark rows with unseen activity, and, per account, the chosen tab and
// filters (features/conversations/listPrefs.ts).
import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import * as api from '@/api/conversations'
import type { ConversationFilters } from '@/api/conversations'
import { useAuthStore } from '@/stores/auth'
import { loadPrefs, prefsKey, savePrefs, type ListFilters, type Tab } from '@/features/conversations/listPrefs'
import { CATEGORIES, PRIORITIES } from '@shared/types/api'
import type { Conversation, ConversationCounts, Message, Priority } from '@shared/types/api'

export type { ListFilters, Tab }

const SEEN_PREFIX = 'hummdesk.seen.'
const MAX_SEEN = 500
const PAGE = 25

interface SeenState {
  /** Activity at or before this instant counts as seen for conversations never opened. */
  baseline: number
  at: Record<string, number>
}

function seenKey(accountId: number | null, userId: number | null): string | null {
  return accountId === null || userId === null ? null : `${SEEN_PREFIX}${accountId}.${userId}`
}

function loadSeen(key: string | null): SeenState {
  const fresh = { baseline: Date.now(), at: {} }
  if (key === null) return fresh
  try {
    const raw = localStorage.getItem(key)
    const s = raw ? (JSON.parse(raw) as SeenState) : null
    if (s && typeof s.baseline === 'number' && s.at && typeof s.at === 'object') return s
  } catch {
    // corrupt: start over
  }
  try {
    localStorage.setItem(key, JSON.stringify(fresh))
  } catch {
    // ignore
  }
  return fresh
}

function time(iso: string | undefined | null): number {
  const t = iso ? Date.parse(iso) : NaN
  return Number.isNaN(t) ? 0 : t
}

/** Server order: last activity descending, then id descending. */
export function before(a: Conversation, b: Conversation): boolean {
  const ta = time(a.last_activity_at)
  const tb = time(b.last_activity_at)
  return ta !== tb ? ta > tb : a.id > b.id
}

/** Whether a conversation belongs in a tab under the filters (what the server would answer). */
export function matches(c: Conversation, tab: Tab, f: ListFilters, me: number | null): boolean {
  if (f.status !== 'all' && c.status !== f.status) return false
  if (tab === 'mine' && (me === null || c.assignee_id !== me)) return false
  if (tab === 'unassigned' && c.assignee_id !== null) return false
  if (f.priority && c.priority !== f.priority) return false
  if (f.category && !(c.labels ?? []).includes(f.category)) return false
  if (f.team_id !== null && c.team_id !== f.team_id) return false
  if (f.inbox_id !== null && c.inbox_id !== f.inbox_id) return false
  const q = f.q.trim().toLowerCase()
  if (q) {
    const hay = [c.contact?.name, c.contact?.email, c.contact?.phone].map((s) => (s ?? '').toLowerCase())
    if (!hay.some((s) => s.includes(q)) && String(c.display_id) !== q.replace(/^#/, '')) return false
  }
  return true
}

export const useConversationsStore = defineStore('conversations', () => {
  const auth = useAuthStore()

  const me = computed(() => auth.user?.id ?? null)
  const currentPrefsKey = () => prefsKey(auth.currentAccountId, me.value)
  const prefs = loadPrefs(currentPrefsKey())
  const tab = ref<Tab>(prefs.tab)
  const filters = reactive<ListFilters>(prefs.filters)
  const items = ref<Conversation[]>([])
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const counts = ref<ConversationCounts | null>(null)
  /** The conversation open on the right: its activity is seen as it happens. */
  const openId = ref<number | null>(null)

  /** Latest version of every conversation seen (listed or not): the guard against stale pushes. */
  const versions = new Map<number, number>()
  /** Conversations known outside the current list (for message.created on unlisted rows). */
  const known = new Map<number, Conversation>()

  const currentSeenKey = () => seenKey(auth.currentAccountId, me.value)
  const seen = ref<SeenState>(loadSeen(currentSeenKey()))
  const hasMore = computed(() => nextCursor.value !== null)

  let generation = 0
  let listAbort: AbortController | null = null
  let countsTimer: ReturnType<typeof setTimeout> | null = null

  function apiFilters(): ConversationFilters {
    return {
      status: filters.status,
      assignee: tab.value === 'mine' ? 'me' : tab.value === 'unassigned' ? 'unassigned' : 'any',
      priority: filters.priority,
      category: filters.category,
      team_id: filters.team_id,
      inbox_id: filters.inbox_id,
      q: filters.q,
    }
  }

  function remember(c: Conversation): void {
    versions.set(c.id, Math.max(versions.get(c.id) ?? 0, c.version))
    known.set(c.id, c)
    if (c.id === openId.value) markSeen(c.id, c)
  }

  /**
   * Conversations upserted while a reload is on its way: newer than its
   * answer, which was read before them, so they are placed again after it.
   */
  let pushedDuringReload: Map<number, Conversation> | null = null

  /** Loads the first page again under the current tab and filters. */
  async function reload(): Promise<void> {
    const gen = ++generation
    listAbort?.abort()
    listAbort = new AbortController()
    loading.value = true
    error.value = null
    void refreshCounts()
    const pushed = new Map<number, Conversation>()
    pushedDuringReload = pushed
    try {
      const page = await api.listConversations(apiFilters(), null, listAbort.signal, PAGE)
      if (gen !== generation) return
      for (const c of page.data) remember(c)
      items.value = page.data
      pushedDuringReload = null
      for (const c of pushed.values()) {
        const inPage = page.data.find((x) => x.id === c.id)
        if (!inPage || inPage.version < c.version) {
          remember(c)
          placeInList(c)
        }
      }
      nextCursor.value = page.next_cursor
      loaded.value = true
    } catch (e) {
      if (gen !== generation || (e instanceof DOMException && e.name === 'AbortError')) return
      error.value = e instanceof Error ? e.message : 'Could not load conversations'
    } finally {
      if (gen === generation) {
        loading.value = false
        if (pushedDuringReload === pushed) pushedDuringReload = null
      }
    }
  }

  /** Appends the next page (infinite scroll). */
  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loadingMore.value || loading.value) return
    const gen = generation
    loadingMore.value = true
    try {
      const page = await api.listConversations(apiFilters(), nextCursor.value, undefined, PAGE)
      if (gen !== generation) return
      const have = new Set(items.value.map((c) => c.id))
      for (const c of page.data) remember(c)
      items.value = items.value.concat(page.data.filter((c) => !have.has(c.id)))
      nextCursor.value = page.next_cursor
    } catch (e) {
      if (gen === generation) error.value = e instanceof Error ? e.message : 'Could not load more'
    } finally {
      loadingMore.value = false
    }
  }

  async function refreshCounts(): Promise<void> {
    if (countsTimer) clearTimeout(countsTimer)
    countsTimer = null
    try {
      counts.value = await api.conversationCounts(apiFilters())
    } catch {
      // counts are a nicety; the list still works
    }
  }

  /** Counts again shortly (several events of one change arrive together). */
  function refreshCountsSoon(): void {
    if (countsTimer) clearTimeout(countsTimer)
    countsTimer = setTimeout(() => void refreshCounts(), 250)
  }

  function placeInList(c: Conversation): void {
    const list = items.value.filter((x) => x.id !== c.id)
    if (!matches(c, tab.value, filters, me.value)) {
      if (list.length !== items.value.length) items.value = list
      return
    }
    const at = list.findIndex((x) => before(c, x))
    if (at === -1) {
      // Sorts after every loaded row: it belongs here only if nothing more is to come.
      if (nextCursor.value === null) list.push(c)
      else if (list.length === items.value.length) return
    } else {
      list.splice(at, 0, c)
    }
    items.value = list
  }

  /**
   * Applies a conversation from a push or an API answer. Drops it when it
   * is older than what the store holds (returns false).
   */
  function upsert(c: Conversation): boolean {
    const held = versions.get(c.id)
    if (held !== undefined && c.version < held) return false
    remember(c)
    placeInList(c)
    pushedDuringReload?.set(c.id, c)
    return true
  }

  /**
   * A conversation.* push. For a conversation the store holds, the version
   * guard decides. One it does not know is fetched first: the push may be
   * old (the outbox relay republishes events seconds later, and events of a
   * desk seeded before anyone connected arrive late), and an old snapshot of
   * an unknown conversation would otherwise show it in a state it has left.
   * Returns whether the push was applied at once.
   */
  function applyPush(c: Conversation): boolean {
    if (versions.has(c.id)) return upsert(c)
    void api
      .getConversation(c.id)
      .then((fresh) => upsert(fresh))
      .catch(() => {
        // gone or not ours: nothing to show
      })
    return false
  }

  /**
   * A new message: the row gets the message as preview, moves by its new
   * activity time, and is marked unread unless open. Unknown conversations
   * are fetched (they may belong in the list now).
   */
  async function applyMessage(m: Message, version: number | undefined): Promise<void> {
    const held = known.get(m.conversation_id)
    if (!held) {
      try {
        upsert(await api.getConversation(m.conversation_id))
      } catch {
        // gone or not ours: nothing to show
      }
      return
    }
    const v = version ?? held.version
    if (v < (versions.get(held.id) ?? 0)) return
    const last = held.last_message && held.last_message.id > m.id ? held.last_message : m
    const activity = time(m.created_at) > time(held.last_activity_at) ? m.created_at : held.last_activity_at
    const next: Conversation = { ...held, last_message: last, last_activity_at: activity, version: Math.max(v, held.version) }
    remember(next)
    placeInList(next)
  }

  /**
   * conversation.classified: the AI's category (a label) and priority. The
   * full conversation normally follows in conversation.updated/assigned;
   * this keeps the row right even if that one is missed.
   */
  function applyClassification(id: number, category: string | null, priority: string | null, version: number | undefined): void {
    const held = known.get(id)
    if (!held || (version !== undefined && version < (versions.get(id) ?? 0))) return
    const cats = CATEGORIES as readonly string[]
    const labels = category && cats.includes(category) ? [...held.labels.filter((l) => !cats.includes(l)), category] : held.labels
    const prio = priority && (PRIORITIES as readonly string[]).includes(priority) ? (priority as Priority) : held.priority
    if (prio === held.priority && labels === held.labels) return
    const next: Conversation = { ...held, labels, priority: prio, version: Math.max(version ?? 0, held.version) }
    remember(next)
    placeInList(next)
  }

  function remove(id: number): void {
    items.value = items.value.filter((c) => c.id !== id)
  }

  function byId(id: number): Conversation | undefined {
    return known.get(id)
  }

  // ---- unread ----------------------------------------------------------

  function saveSeen(): void {
    const key = currentSeenKey()
    if (key === null) return
    const entries = Object.entries(seen.value.at)
    if (entries.length > MAX_SEEN) {
      entries.sort((a, b) => b[1] - a[1])
      seen.value.at = Object.fromEntries(entries.slice(0, MAX_SEEN))
    }
    try {
      localStorage.setItem(key, JSON.stringify(seen.value))
    } catch {
      // ignore
    }
  }

  function markSeen(id: number, c: Conversation | undefined = known.get(id)): void {
    const at = Math.max(Date.now(), time(c?.last_activity_at), time(c?.last_message?.created_at))
    if ((seen.value.at[id] ?? 0) >= at) return
    seen.value.at[id] = at
    saveSeen()
  }

  /** Unseen activity since the agent last opened it (their own replies do not count). */
  function isUnread(c: Conversation): boolean {
    if (c.id === openId.value) return false
    const lm = c.last_message
    if (lm && lm.sender_type === 'agent' && lm.sender_id !== null && lm.sender_id === me.value) return false
    const activity = Math.max(time(c.last_activity_at), time(lm?.created_at))
    return activity > (seen.value.at[c.id] ?? seen.value.baseline)
  }

  function setOpen(id: number | null): void {
    openId.value = id
    if (id !== null) markSeen(id)
  }

  // ---- tab, filters, account --------------------------------------------

  function savePrefsNow(): void {
    savePrefs(currentPrefsKey(), { tab: tab.value, filters: { ...filters } })
  }

  function setTab(t: Tab): void {
    if (tab.value === t) return
    tab.value = t
    savePrefsNow()
    void reload()
  }

  function setFilters(patch: Partial<ListFilters>): void {
    Object.assign(filters, patch)
    savePrefsNow()
    void reload()
  }

  /** Forgets everything (account switch, logout). */
  function reset(): void {
    generation++
    listAbort?.abort()
    items.value = []
    nextCursor.value = null
    counts.value = null
    loaded.value = false
    error.value = null
    versions.clear()
    known.clear()
    openId.value = null
    seen.value = loadSeen(currentSeenKey())
    const p = loadPrefs(currentPrefsKey())
    tab.value = p.tab
    Object.assign(filters, p.filters)
  }

  // Another account or another user: nothing held applies any more.
  watch(
    () => [auth.currentAccountId, me.value] as const,
    () => reset(),
  )

  return {
    tab,
    filters,
    items,
    nextCursor,
    hasMore,
    loading,
    loadingMore,
    loaded,
    error,
    counts,
    openId,
    reload,
    loadMore,
    refreshCounts,
    refreshCountsSoon,
    upsert,
    applyPush,
    applyMessage,
    applyClassification,
    remove,
    byId,
    isUnread,
    markSeen,
    setOpen,
    setTab,
    setFilters,
    reset,
  }
})
