// The auth store: tokens survive a reload (localStorage), refresh is
// single-flight, a rejected refresh token ends the session, and a newer
// session written by another tab is adopted instead of rotating again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/http'
import type { LoginResponse } from '@shared/types/api'

vi.mock('@/api/auth', () => ({ login: vi.fn(), refresh: vi.fn(), logout: vi.fn() }))
vi.mock('@/api/profile', () => ({ getProfile: vi.fn(), setAvailability: vi.fn() }))

import * as authApi from '@/api/auth'
import { SESSION_KEY, ACCOUNT_KEY, jwtExpiry, useAuthStore } from '@/stores/auth'

function session(n: number, minutes = 15): LoginResponse {
  return {
    access_token: `access-${n}`,
    token_type: 'Bearer',
    expires_at: new Date(Date.now() + minutes * 60_000).toISOString(),
    refresh_token: `refresh-${n}`,
    user: { id: 1, name: 'Demo', email: 'demo@example.com', created_at: '' },
    accounts: [
      { id: 1, name: 'One', role: 'administrator', availability: 'online' },
      { id: 2, name: 'Two', role: 'agent', availability: 'offline' },
    ],
  }
}

describe('auth store', () => {
  beforeEach(() => {
    localStorage.clear()
    vi.mocked(authApi.refresh).mockReset()
    vi.mocked(authApi.login).mockReset()
    setActivePinia(createPinia())
  })
  afterEach(() => vi.useRealTimers())

  it('logs in, picks an account, and persists the session', async () => {
    vi.mocked(authApi.login).mockResolvedValue(session(1))
    const auth = useAuthStore()
    await auth.login(' demo@example.com ', 'pw')
    expect(authApi.login).toHaveBeenCalledWith('demo@example.com', 'pw')
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.currentAccountId).toBe(1)
    expect(auth.isAdmin).toBe(true)
    expect(JSON.parse(localStorage.getItem(SESSION_KEY)!).refresh_token).toBe('refresh-1')

    auth.selectAccount(2)
    expect(auth.role).toBe('agent')
    expect(auth.isAdmin).toBe(false)
    expect(localStorage.getItem(ACCOUNT_KEY)).toBe('2')

    // a reload: a new store reads the same storage
    setActivePinia(createPinia())
    const again = useAuthStore()
    expect(again.accessToken).toBe('access-1')
    expect(again.currentAccountId).toBe(2)
  })

  it('refreshes single-flight', async () => {
    vi.mocked(authApi.login).mockResolvedValue(session(1))
    let release!: (r: LoginResponse) => void
    vi.mocked(authApi.refresh).mockImplementation(() => new Promise((r) => (release = r)))
    const auth = useAuthStore()
    await auth.login('a@b.c', 'pw')
    const calls = [auth.refresh(), auth.refresh(), auth.refresh()]
    await vi.waitFor(() => expect(authApi.refresh).toHaveBeenCalledTimes(1))
    release(session(2))
    expect(await Promise.all(calls)).toEqual([true, true, true])
    expect(authApi.refresh).toHaveBeenCalledWith('refresh-1')
    expect(auth.accessToken).toBe('access-2')
    // the next refresh is a new request with the rotated token
    vi.mocked(authApi.refresh).mockResolvedValue(session(3))
    await auth.refresh()
    expect(authApi.refresh).toHaveBeenCalledTimes(2)
    expect(authApi.refresh).toHaveBeenLastCalledWith('refresh-2')
  })

  it('ends the session when the refresh token is refused', async () => {
    vi.mocked(authApi.login).mockResolvedValue(session(1))
    vi.mocked(authApi.refresh).mockRejectedValue(new ApiError(401, { detail: 'refresh token revoked' }))
    const auth = useAuthStore()
    await auth.login('a@b.c', 'pw')
    expect(await auth.refresh()).toBe(false)
    expect(auth.isAuthenticated).toBe(false)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('keeps the session on network errors', async () => {
    vi.mocked(authApi.login).mockResolvedValue(session(1))
    vi.mocked(authApi.refresh).mockRejectedValue(new TypeError('Failed to fetch'))
    const auth = useAuthStore()
    await auth.login('a@b.c', 'pw')
    await expect(auth.refresh()).rejects.toThrow('Failed to fetch')
    expect(auth.isAuthenticated).toBe(true)
  })

  it("adopts another tab's rotation instead of presenting the old refresh token", async () => {
    vi.mocked(authApi.login).mockResolvedValue(session(1))
    const auth = useAuthStore()
    await auth.login('a@b.c', 'pw')
    const other = session(9)
    localStorage.setItem(
      SESSION_KEY,
      JSON.stringify({ ...other, expires: Date.parse(other.expires_at) }),
    )
    expect(await auth.refresh()).toBe(true)
    expect(authApi.refresh).not.toHaveBeenCalled()
    expect(auth.accessToken).toBe('access-9')
  })

  it('refreshes proactively before the access token expires', async () => {
    vi.useFakeTimers()
    vi.mocked(authApi.login).mockResolvedValue(session(1, 15))
    vi.mocked(authApi.refresh).mockImplementation(async () => session(2, 15))
    const auth = useAuthStore()
    await auth.login('a@b.c', 'pw')
    await vi.advanceTimersByTimeAsync(13 * 60_000)
    expect(authApi.refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(90_000) // 14.5 min: within a minute of expiry
    expect(authApi.refresh).toHaveBeenCalledTimes(1)
    expect(auth.accessToken).toBe('access-2')
  })

  it('reads exp from a JWT', () => {
    const payload = btoa(JSON.stringify({ exp: 1700000000 })).replace(/=+$/, '')
    expect(jwtExpiry(`x.${payload}.y`)).toBe(1700000000_000)
    expect(jwtExpiry('garbage')).toBeNull()
  })
})
