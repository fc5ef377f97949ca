// The conversation list's tab and filters, remembered per account (and
// agent) in localStorage so a reload shows the same view. What is read back
// is sanitised field by field: anything unknown or malformed falls back to
// the default, so a stale or tampered entry can never break the list.
import { CATEGORIES, PRIORITIES, STATUSES } from '@shared/types/api'
import type { Category, ConversationStatus, Priority } from '@shared/types/api'

export type Tab = 'mine' | 'unassigned' | 'all'

export interface ListFilters {
  status: ConversationStatus | 'all'
  priority: Priority | ''
  category: Category | ''
  team_id: number | null
  inbox_id: number | null
  q: string
}

export interface ListPrefs {
  tab: Tab
  filters: ListFilters
}

const PREFIX = 'hummdesk.list.'
const TABS: readonly Tab[] = ['mine', 'unassigned', 'all']
/** The longest search text kept. */
export const MAX_Q = 200

export function defaultFilters(): ListFilters {
  return { status: 'open', priority: '', category: '', team_id: null, inbox_id: null, q: '' }
}

export function defaultPrefs(): ListPrefs {
  return { tab: 'mine', filters: defaultFilters() }
}

/** The storage key for an account and agent; null while either is unknown. */
export function prefsKey(accountId: number | null, userId: number | null): string | null {
  return accountId === null || userId === null ? null : `${PREFIX}${accountId}.${userId}`
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback
}

function id(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null
}

/** Makes prefs out of anything (parsed JSON): known values are kept, the rest is the default. */
export function sanitizePrefs(raw: unknown): ListPrefs {
  const out = defaultPrefs()
  if (!raw || typeof raw !== 'object') return out
  const r = raw as { tab?: unknown; filters?: unknown }
  out.tab = oneOf(r.tab, TABS, out.tab)
  const f = (r.filters && typeof r.filters === 'object' ? r.filters : {}) as Record<string, unknown>
  out.filters = {
    status: oneOf<ConversationStatus | 'all'>(f.status, [...STATUSES, 'all'], 'open'),
    priority: oneOf<Priority | ''>(f.priority, [...PRIORITIES, ''], ''),
    category: oneOf<Category | ''>(f.category, [...CATEGORIES, ''], ''),
    team_id: id(f.team_id),
    inbox_id: id(f.inbox_id),
    q: typeof f.q === 'string' ? f.q.slice(0, MAX_Q) : '',
  }
  return out
}

export function loadPrefs(key: string | null): ListPrefs {
  if (key === null) return defaultPrefs()
  try {
    const raw = localStorage.getItem(key)
    return raw ? sanitizePrefs(JSON.parse(raw)) : defaultPrefs()
  } catch {
    return defaultPrefs()
  }
}

export function savePrefs(key: string | null, prefs: ListPrefs): void {
  if (key === null) return
  try {
    localStorage.setItem(key, JSON.stringify(sanitizePrefs(prefs)))
  } catch {
    // storage full or blocked: the view just is not remembered
  }
}
