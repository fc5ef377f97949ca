// The logged-in user: profile with memberships, and the agent's own
// availability in the current account.
import { http, accountPath } from '@/api/http'
import type { Agent, Availability, Profile } from '@shared/types/api'

export function getProfile(): Promise<Profile> {
  return http.get<Profile>('/api/v1/profile')
}

export function setAvailability(availability: Availability): Promise<Agent> {
  return http.put<Agent>(accountPath('/availability'), { availability })
}
