// Agents of the current account: list, invite by email, change role,
// availability or capacity, remove (administrators for the writes).
import { http, accountPath } from '@/api/http'
import { allPages } from '@/api/account'
import type { Agent, AgentInvite, AgentPatch } from '@shared/types/admin'

/** Every agent of the account, each with `online`. */
export function listAgents(): Promise<Agent[]> {
  return allPages<Agent>(accountPath('/agents'))
}

export function getAgent(id: number): Promise<Agent> {
  return http.get<Agent>(accountPath(`/agents/${id}`))
}

/**
 * Adds a user to the account by email. A new user needs name and password;
 * for an existing user they are not sent (the server ignores them anyway).
 */
export function addAgent(invite: AgentInvite): Promise<Agent> {
  const body: AgentInvite = { email: invite.email.trim(), role: invite.role }
  if (invite.name?.trim()) body.name = invite.name.trim()
  if (invite.password) body.password = invite.password
  if (invite.max_concurrent !== undefined) body.max_concurrent = invite.max_concurrent
  return http.post<Agent>(accountPath('/agents'), body)
}

export function updateAgent(id: number, patch: AgentPatch): Promise<Agent> {
  return http.patch<Agent>(accountPath(`/agents/${id}`), patch)
}

/** Removes the agent from the account (the user itself stays). */
export function removeAgent(id: number): Promise<void> {
  return http.del(accountPath(`/agents/${id}`))
}
