// The session: tokens (kept in localStorage so a reload keeps the session),
// the user, their accounts and the current one (persisted), and the role
// there. It installs http.ts's session hooks, refreshes the access token
// shortly before it expires, and rotates the refresh token single-flight,
// also across tabs (Web Locks where available, and the storage event).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, installSession } from '@/api/http'
import * as authApi from '@/api/auth'
import * as profileApi from '@/api/profile'
import type { AccountRef, Availability, LoginResponse, User } from '@shared/types/api'

export const SESSION_KEY = 'hummdesk.session'
export const ACCOUNT_KEY = 'hummdesk.account'

/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000
/** A token closer than this to its expiry is refreshed before use. */
const MIN_VALIDITY_MS = 15_000
const RETRY_MS = 15_000

export interface StoredSession {
  access_token: string
  refresh_token: string
  /** Epoch milliseconds. */
  expires: number
  user: User
  accounts: AccountRef[]
}

/** The exp claim of a JWT in epoch milliseconds, or null. */
export function jwtExpiry(token: string): number | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'))
    const exp = (JSON.parse(json) as { exp?: unknown }).exp
    return typeof exp === 'number' ? exp * 1000 : null
  } catch {
    return null
  }
}

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY)
    if (!raw) return null
    const s = JSON.parse(raw) as StoredSession
    return s && typeof s.access_token === 'string' && typeof s.refresh_token === 'string' ? s : null
  } catch {
    return null
  }
}

function writeStored(s: StoredSession | null): void {
  try {
    if (s) localStorage.setItem(SESSION_KEY, JSON.stringify(s))
    else localStorage.removeItem(SESSION_KEY)
  } catch {
    // storage full or disabled: the session lives in memory only
  }
}

function fromResponse(r: LoginResponse): StoredSession {
  const expires = Date.parse(r.expires_at) || jwtExpiry(r.access_token) || Date.now() + 5 * 60_000
  return { access_token: r.access_token, refresh_token: r.refresh_token, expires, user: r.user, accounts: r.accounts }
}

/** Runs fn under a lock shared by every tab of the origin, when the browser has one. */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (locks?.request) return locks.request(name, fn) as Promise<T>
  return fn()
}

export type SessionEndReason = 'logout' | 'expired'

export const useAuthStore = defineStore('auth', () => {
  const session = ref<StoredSession | null>(readStored())
  const storedAccount = Number(localStorage.getItem(ACCOUNT_KEY))
  const currentAccountId = ref<number | null>(Number.isFinite(storedAccount) && storedAccount > 0 ? storedAccount : null)

  const user = computed(() => session.value?.user ?? null)
  const accounts = computed(() => session.value?.accounts ?? [])
  const isAuthenticated = computed(() => session.value !== null)
  const currentAccount = computed(() => accounts.value.find((a) => a.id === currentAccountId.value) ?? null)
  const role = computed(() => currentAccount.value?.role ?? null)
  const isAdmin = computed(() => role.value === 'administrator')
  const accessToken = computed(() => session.value?.access_token ?? null)

  const endListeners: ((reason: SessionEndReason) => void)[] = []
  let timer: ReturnType<typeof setTimeout> | null = null
  let inflight: Promise<boolean> | null = null

  /** Keeps the current account valid: the persisted one if still a member, else the first. */
  function settleAccount(): void {
    const list = accounts.value
    if (list.length === 0) {
      currentAccountId.value = null
      return
    }
    if (!list.some((a) => a.id === currentAccountId.value)) selectAccount(list[0]!.id)
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = null
    const s = session.value
    if (!s) return
    const left = s.expires - Date.now()
    // A minute ahead, or a quarter of the lifetime for short-lived tokens.
    const delay = Math.max(5_000, left - Math.min(REFRESH_AHEAD_MS, left / 4))
    timer = setTimeout(proactiveRefresh, Math.min(delay, 2 ** 31 - 1))
  }

  async function proactiveRefresh(): Promise<void> {
    try {
      if (!(await refresh())) end('expired')
    } catch {
      // network trouble: try again soon; requests still refresh on 401
      if (timer) clearTimeout(timer)
      timer = setTimeout(proactiveRefresh, RETRY_MS)
    }
  }

  function adopt(s: StoredSession | null, persist = true): void {
    session.value = s
    if (persist) writeStored(s)
    if (s) {
      settleAccount()
      schedule()
    } else if (timer) {
      clearTimeout(timer)
      timer = null
    }
  }

  function setSession(r: LoginResponse): void {
    adopt(fromResponse(r))
  }

  async function login(email: string, password: string): Promise<void> {
    setSession(await authApi.login(email.trim(), password))
  }

  async function rotate(): Promise<boolean> {
    const started = session.value?.refresh_token ?? null
    return withLock('hummdesk-refresh', async () => {
      // Another tab may have rotated while we waited: its tokens are ours too
      // (presenting the old refresh token again would revoke the session).
      const stored = readStored()
      if (stored && stored.refresh_token !== started && stored.expires - Date.now() > MIN_VALIDITY_MS) {
        adopt(stored, false)
        return true
      }
      const token = stored?.refresh_token ?? started
      if (!token) return false
      try {
        setSession(await authApi.refresh(token))
        return true
      } catch (e) {
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
          adopt(null)
          return false
        }
        throw e
      }
    })
  }

  /**
   * Rotates the refresh token and gets a new access token. Concurrent callers
   * share one request. Resolves false when the session is over; rejects on
   * network errors (the session may still be good).
   */
  function refresh(): Promise<boolean> {
    inflight ??= rotate().finally(() => {
      inflight = null
    })
    return inflight
  }

  /** An access token valid for a while yet, refreshing first when needed; null when the session is over. */
  async function freshAccessToken(): Promise<string | null> {
    const s = session.value
    if (!s) return null
    if (s.expires - Date.now() > MIN_VALIDITY_MS) return s.access_token
    return (await refresh()) ? (session.value?.access_token ?? null) : null
  }

  function end(reason: SessionEndReason): void {
    adopt(null)
    for (const fn of endListeners) fn(reason)
  }

  /** Registers what happens when the session ends (go to /login, close the socket). */
  function onSessionEnd(fn: (reason: SessionEndReason) => void): void {
    endListeners.push(fn)
  }

  async function logout(): Promise<void> {
    const token = session.value?.refresh_token
    end('logout')
    if (token) {
      try {
        await authApi.logout(token)
      } catch {
        // the session is gone locally; the server's copy expires by itself
      }
    }
  }

  function selectAccount(id: number): void {
    if (currentAccountId.value === id) return
    currentAccountId.value = id
    try {
      localStorage.setItem(ACCOUNT_KEY, String(id))
    } catch {
      // ignore
    }
  }

  /** Reloads the user and memberships (roles may have changed since login). */
  async function loadProfile(): Promise<void> {
    const p = await profileApi.getProfile()
    if (!session.value) return
    adopt({ ...session.value, user: p.user, accounts: p.accounts })
  }

  async function setAvailability(a: Availability): Promise<void> {
    const id = currentAccountId.value
    await profileApi.setAvailability(a)
    if (!session.value) return
    const list = session.value.accounts.map((acc) => (acc.id === id ? { ...acc, availability: a } : acc))
    adopt({ ...session.value, accounts: list })
  }

  /** Wires http.ts to this store and follows other tabs' logins, refreshes and logouts. */
  function install(): void {
    installSession({
      accessToken: () => session.value?.access_token ?? null,
      accountId: () => currentAccountId.value,
      refresh,
      expired: () => {
        if (session.value) end('expired')
      },
    })
    if (typeof window !== 'undefined') {
      window.addEventListener('storage', (e) => {
        if (e.key !== SESSION_KEY) return
        const s = readStored()
        if (s) adopt(s, false)
        else if (session.value) {
          session.value = null
          for (const fn of endListeners) fn('logout')
        }
      })
    }
    if (session.value) {
      settleAccount()
      schedule()
    }
  }

  return {
    session,
    user,
    accounts,
    currentAccountId,
    currentAccount,
    role,
    isAdmin,
    isAuthenticated,
    accessToken,
    login,
    logout,
    refresh,
    freshAccessToken,
    selectAccount,
    loadProfile,
    setAvailability,
    setSession,
    onSessionEnd,
    install,
  }
})
