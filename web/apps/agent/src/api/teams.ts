// Teams of the current account and their members.
import { http, accountPath } from '@/api/http'
import { allPages } from '@/api/account'
import type { Team, TeamInput, TeamMember, TeamPatch } from '@shared/types/admin'

export function listTeams(): Promise<Team[]> {
  return allPages<Team>(accountPath('/teams'))
}

export function getTeam(id: number): Promise<Team> {
  return http.get<Team>(accountPath(`/teams/${id}`))
}

export function createTeam(input: TeamInput): Promise<Team> {
  return http.post<Team>(accountPath('/teams'), input)
}

export function updateTeam(id: number, patch: TeamPatch): Promise<Team> {
  return http.patch<Team>(accountPath(`/teams/${id}`), patch)
}

export function deleteTeam(id: number): Promise<void> {
  return http.del(accountPath(`/teams/${id}`))
}

export function listTeamMembers(teamId: number): Promise<TeamMember[]> {
  return allPages<TeamMember>(accountPath(`/teams/${teamId}/members`))
}

export function addTeamMember(teamId: number, agentId: number): Promise<void> {
  return http.post<void>(accountPath(`/teams/${teamId}/members`), { agent_id: agentId })
}

export function removeTeamMember(teamId: number, agentId: number): Promise<void> {
  return http.del(accountPath(`/teams/${teamId}/members/${agentId}`))
}
