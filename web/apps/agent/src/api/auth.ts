// Session routes: log in, rotate the refresh token, log out. All anonymous
// (no bearer token); the auth store owns what they return.
import { request } from '@/api/http'
import type { LoginResponse } from '@shared/types/api'

export function login(email: string, password: string): Promise<LoginResponse> {
  return request<LoginResponse>('POST', '/api/v1/auth/login', { body: { email, password }, anonymous: true })
}

/** Returns a new pair; the old refresh token stops working. */
export function refresh(refreshToken: string): Promise<LoginResponse> {
  return request<LoginResponse>('POST', '/api/v1/auth/refresh', { body: { refresh_token: refreshToken }, anonymous: true })
}

export function logout(refreshToken: string): Promise<void> {
  return request<void>('POST', '/api/v1/auth/logout', { body: { refresh_token: refreshToken }, anonymous: true })
}
