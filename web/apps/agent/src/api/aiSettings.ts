// The account's AI settings (administrators) and AI metrics. The API key is
// write-only: it is sent only when the administrator typed one.
import { http, accountPath } from '@/api/http'
import type { AIMetrics, AISettings, AISettingsPatch } from '@shared/types/admin'

export function getAISettings(): Promise<AISettings> {
  return http.get<AISettings>(accountPath('/ai/settings'))
}

/**
 * Saves the settings. An empty or absent api_key is left out so the stored
 * key stays; use removeAPIKey to delete it.
 */
export function updateAISettings(patch: AISettingsPatch): Promise<AISettings> {
  const body: AISettingsPatch = { ...patch }
  if (!body.api_key) delete body.api_key
  return http.patch<AISettings>(accountPath('/ai/settings'), body)
}

/** Deletes the stored API key (the server takes '' as "remove"). */
export function removeAPIKey(): Promise<AISettings> {
  return http.patch<AISettings>(accountPath('/ai/settings'), { api_key: '' })
}

/** Metrics of the last `days` days, today included (server default 30). */
export function getAIMetrics(days?: number): Promise<AIMetrics> {
  return http.get<AIMetrics>(accountPath('/ai/metrics'), { days })
}
