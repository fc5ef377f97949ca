// The visitor's session kept in localStorage, keyed by inbox token, so the
// chat survives page loads in the same browser: the contact token, the
// conversation, the last messages and any message still waiting to be sent.
// Storage may be unavailable (blocked cookies, private mode): then the session
// lives in memory for the page's lifetime.
import type { ChatMessage } from './store'

export interface Session {
  v: 1
  contactToken: string | null
  name: string
  email: string
  /** The host site's identifier the session was verified for ('' for anonymous visitors). */
  identifier: string
  conversationId: number | null
  /** The conversation's real-time channel, when the server named it. */
  channel: string | null
  messages: ChatMessage[]
  /** Agent messages that arrived while the panel was closed. */
  unread: number
  /** The conversation was resolved (the widget says so until the visitor writes again). */
  resolved: boolean
}

export function emptySession(): Session {
  return { v: 1, contactToken: null, name: '', email: '', identifier: '', conversationId: null, channel: null, messages: [], unread: 0, resolved: false }
}

export function storageKey(inboxToken: string): string {
  return 'hummdesk:widget:' + inboxToken
}

type KV = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

const memory = new Map<string, string>()
const memoryStorage: KV = {
  getItem: (k) => memory.get(k) ?? null,
  setItem: (k, v) => void memory.set(k, v),
  removeItem: (k) => void memory.delete(k),
}

/** localStorage when it works, else an in-memory stand-in. */
export function defaultStorage(): KV {
  try {
    const s = window.localStorage
    const probe = '__hummdesk_probe__'
    s.setItem(probe, '1')
    s.removeItem(probe)
    return s
  } catch {
    return memoryStorage
  }
}

/** Reads the stored session; anything unreadable or of another version yields an empty one. */
export function loadSession(inboxToken: string, storage: KV = defaultStorage()): Session {
  let raw: string | null = null
  try {
    raw = storage.getItem(storageKey(inboxToken))
  } catch {
    return emptySession()
  }
  if (!raw) return emptySession()
  try {
    const v = JSON.parse(raw) as Partial<Session>
    if (!v || v.v !== 1) return emptySession()
    const s = emptySession()
    if (typeof v.contactToken === 'string' && v.contactToken) s.contactToken = v.contactToken
    if (typeof v.name === 'string') s.name = v.name
    if (typeof v.email === 'string') s.email = v.email
    if (typeof v.identifier === 'string') s.identifier = v.identifier
    if (typeof v.conversationId === 'number' && v.conversationId > 0) s.conversationId = v.conversationId
    if (typeof v.channel === 'string' && v.channel) s.channel = v.channel
    if (Array.isArray(v.messages)) s.messages = v.messages
    if (typeof v.unread === 'number' && v.unread >= 0) s.unread = v.unread
    if (v.resolved === true) s.resolved = true
    if (!s.contactToken) {
      s.conversationId = null
      s.channel = null
    }
    if (!s.conversationId) s.resolved = false
    return s
  } catch {
    return emptySession()
  }
}

export function saveSession(inboxToken: string, s: Session, storage: KV = defaultStorage()): void {
  try {
    storage.setItem(storageKey(inboxToken), JSON.stringify(s))
  } catch {
    // Quota or blocked storage: the session still works for this page.
  }
}

export function clearSession(inboxToken: string, storage: KV = defaultStorage()): void {
  try {
    storage.removeItem(storageKey(inboxToken))
  } catch {
    // nothing to do
  }
}
