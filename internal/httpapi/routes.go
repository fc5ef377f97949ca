package httpapi

import "net/http"

// routes is the whole API surface, one line per route.
func (s *Server) routes() []Route {
	return []Route{
		// Auth and self-service.
		{http.MethodPost, "/api/v1/auth/login", "login", "Log in with email and password", "Auth", Public, 0, reg(s.loginHandler)},
		{http.MethodPost, "/api/v1/auth/refresh", "refresh-token", "Rotate a refresh token", "Auth", Public, 0, reg(s.refreshHandler)},
		{http.MethodPost, "/api/v1/auth/logout", "logout", "Revoke a refresh token's session", "Auth", Public, http.StatusNoContent, reg(s.logoutHandler)},
		{http.MethodPost, "/api/v1/accounts", "signup", "Create an account and its first administrator", "Auth", Public, http.StatusCreated, reg(s.signupHandler)},
		{http.MethodGet, "/api/v1/profile", "get-profile", "The logged-in user and their accounts", "Profile", Authenticated, 0, reg(s.getProfileHandler)},
		{http.MethodPatch, "/api/v1/profile", "update-profile", "Change the logged-in user's name", "Profile", Authenticated, 0, reg(s.updateProfileHandler)},
		{http.MethodPut, "/api/v1/profile/password", "change-password", "Change password (revokes every session)", "Profile", Authenticated, http.StatusNoContent, reg(s.changePasswordHandler)},

		// Account.
		{http.MethodGet, "/api/v1/accounts/{account_id}", "get-account", "Get the account", "Account", Member, 0, reg(s.getAccountHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}", "update-account", "Rename the account", "Account", Admin, 0, reg(s.updateAccountHandler)},

		// Agents.
		{http.MethodGet, "/api/v1/accounts/{account_id}/agents", "list-agents", "List agents", "Agents", Member, 0, reg(s.listAgentsHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/agents", "add-agent", "Add an agent by email", "Agents", Admin, http.StatusCreated, reg(s.addAgentHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/agents/{agent_id}", "get-agent", "Get an agent", "Agents", Member, 0, reg(s.getAgentHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/agents/{agent_id}", "update-agent", "Change an agent's role, availability or capacity", "Agents", Admin, 0, reg(s.updateAgentHandler)},
		{http.MethodDelete, "/api/v1/accounts/{account_id}/agents/{agent_id}", "remove-agent", "Remove an agent from the account", "Agents", Admin, http.StatusNoContent, reg(s.removeAgentHandler)},
		{http.MethodPut, "/api/v1/accounts/{account_id}/availability", "set-availability", "Set my own availability", "Agents", Member, 0, reg(s.setAvailabilityHandler)},

		// Teams.
		{http.MethodGet, "/api/v1/accounts/{account_id}/teams", "list-teams", "List teams", "Teams", Member, 0, reg(s.listTeamsHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/teams", "create-team", "Create a team", "Teams", Admin, http.StatusCreated, reg(s.createTeamHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/teams/{team_id}", "get-team", "Get a team", "Teams", Member, 0, reg(s.getTeamHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/teams/{team_id}", "update-team", "Update a team", "Teams", Admin, 0, reg(s.updateTeamHandler)},
		{http.MethodDelete, "/api/v1/accounts/{account_id}/teams/{team_id}", "delete-team", "Delete a team", "Teams", Admin, http.StatusNoContent, reg(s.deleteTeamHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/teams/{team_id}/members", "list-team-members", "List a team's agents", "Teams", Member, 0, reg(s.listTeamMembersHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/teams/{team_id}/members", "add-team-member", "Add an agent to a team", "Teams", Admin, http.StatusNoContent, reg(s.addTeamMemberHandler)},
		{http.MethodDelete, "/api/v1/accounts/{account_id}/teams/{team_id}/members/{agent_id}", "remove-team-member", "Remove an agent from a team", "Teams", Admin, http.StatusNoContent, reg(s.removeTeamMemberHandler)},

		// Inboxes.
		{http.MethodGet, "/api/v1/accounts/{account_id}/inboxes", "list-inboxes", "List inboxes", "Inboxes", Member, 0, reg(s.listInboxesHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/inboxes", "create-inbox", "Create an inbox", "Inboxes", Admin, http.StatusCreated, reg(s.createInboxHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/inboxes/{inbox_id}", "get-inbox", "Get an inbox", "Inboxes", Member, 0, reg(s.getInboxHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/inboxes/{inbox_id}", "update-inbox", "Update an inbox", "Inboxes", Admin, 0, reg(s.updateInboxHandler)},
		{http.MethodDelete, "/api/v1/accounts/{account_id}/inboxes/{inbox_id}", "delete-inbox", "Delete an inbox and its conversations", "Inboxes", Admin, http.StatusNoContent, reg(s.deleteInboxHandler)},

		// Contacts.
		{http.MethodGet, "/api/v1/accounts/{account_id}/contacts", "list-contacts", "List and search contacts", "Contacts", Member, 0, reg(s.listContactsHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/contacts", "create-contact", "Create a contact", "Contacts", Member, http.StatusCreated, reg(s.createContactHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/contacts/{contact_id}", "get-contact", "Get a contact", "Contacts", Member, 0, reg(s.getContactHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/contacts/{contact_id}", "update-contact", "Update a contact", "Contacts", Member, 0, reg(s.updateContactHandler)},
		{http.MethodDelete, "/api/v1/accounts/{account_id}/contacts/{contact_id}", "delete-contact", "Delete a contact and its conversations", "Contacts", Admin, http.StatusNoContent, reg(s.deleteContactHandler)},

		// Conversations and messages.
		{http.MethodGet, "/api/v1/accounts/{account_id}/conversations", "list-conversations", "List conversations", "Conversations", Member, 0, reg(s.listConversationsHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/conversations/counts", "count-conversations", "How many conversations are mine, unassigned and in all, for a filter", "Conversations", Member, 0, reg(s.conversationCountsHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/conversations", "create-conversation", "Start a conversation", "Conversations", Member, http.StatusCreated, reg(s.createConversationHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/conversations/{conversation_id}", "get-conversation", "Get a conversation", "Conversations", Member, 0, reg(s.getConversationHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/conversations/{conversation_id}", "update-conversation", "Change status or priority", "Conversations", Member, 0, reg(s.updateConversationHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments", "assign-conversation", "Assign to an agent and/or team", "Conversations", Member, 0, reg(s.assignConversationHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", "list-messages", "List a conversation's messages", "Conversations", Member, 0, reg(s.listMessagesHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", "create-message", "Reply or add a private note", "Conversations", Member, http.StatusCreated, reg(s.createMessageHandler)},

		// Knowledge base.
		// AI triage.
		{http.MethodGet, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/classification", "get-classification", "The latest AI classification and its corrections", "AI", Member, 0, reg(s.getClassificationHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/classification", "correct-classification", "Correct the AI's category, priority, sentiment, language or team", "AI", Member, 0, reg(s.correctClassificationHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/ai/classify", "reclassify", "Classify the latest customer message again (in the background)", "AI", Member, 0, reg(s.reclassifyHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/drafts", "list-drafts", "AI reply drafts of the conversation, newest first", "AI", Member, 0, reg(s.listDraftsHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/drafts/{draft_id}/accept", "accept-draft", "Send a draft as my reply, as it is or edited", "AI", Member, http.StatusCreated, reg(s.acceptDraftHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/conversations/{conversation_id}/drafts/{draft_id}/reject", "reject-draft", "Reject a draft", "AI", Member, 0, reg(s.rejectDraftHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/ai/settings", "get-ai-settings", "The account's AI settings (keys are never shown)", "AI", Admin, 0, reg(s.getAISettingsHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/ai/settings", "update-ai-settings", "Change provider, model, threshold, auto-assign, drafts or the API key", "AI", Admin, 0, reg(s.updateAISettingsHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/ai/metrics", "get-ai-metrics", "Accuracy from corrections, auto-assign rate, draft acceptance, latency and cost", "AI", Member, 0, reg(s.aiMetricsHandler)},

		{http.MethodGet, "/api/v1/accounts/{account_id}/knowledge_base/articles", "list-kb-articles", "List knowledge-base articles", "Knowledge base", Member, 0, reg(s.listKBArticlesHandler)},
		{http.MethodPost, "/api/v1/accounts/{account_id}/knowledge_base/articles", "create-kb-article", "Create an article (embedded in the background)", "Knowledge base", Admin, http.StatusCreated, reg(s.createKBArticleHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/knowledge_base/articles/{article_id}", "get-kb-article", "Get an article", "Knowledge base", Member, 0, reg(s.getKBArticleHandler)},
		{http.MethodPatch, "/api/v1/accounts/{account_id}/knowledge_base/articles/{article_id}", "update-kb-article", "Update an article (a new title or content is embedded again)", "Knowledge base", Admin, 0, reg(s.updateKBArticleHandler)},
		{http.MethodDelete, "/api/v1/accounts/{account_id}/knowledge_base/articles/{article_id}", "delete-kb-article", "Delete an article and its chunks", "Knowledge base", Admin, http.StatusNoContent, reg(s.deleteKBArticleHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/knowledge_base/articles/{article_id}/chunks", "list-kb-chunks", "The article's chunks as embedded", "Knowledge base", Member, 0, reg(s.listKBChunksHandler)},
		{http.MethodGet, "/api/v1/accounts/{account_id}/knowledge_base/search", "search-kb", "Hybrid search of the published articles, with each hit's scores", "Knowledge base", Member, 0, reg(s.searchKBHandler)},

		// Real-time catch-up.
		{http.MethodGet, "/api/v1/accounts/{account_id}/events", "list-events", "Events since an id (catch-up after a long disconnect)", "Realtime", Member, 0, reg(s.listEventsHandler)},

		// Widget (public, per inbox).
		{http.MethodGet, "/api/v1/widget/{inbox_token}", "widget-config", "The inbox's public widget settings", "Widget", Widget, 0, reg(s.widgetConfigHandler)},
		{http.MethodPost, "/api/v1/widget/{inbox_token}/contacts", "widget-start-session", "Start a contact session", "Widget", Widget, http.StatusCreated, reg(s.widgetStartSessionHandler)},
		{http.MethodGet, "/api/v1/widget/{inbox_token}/conversations", "widget-list-conversations", "The contact's conversations in this inbox", "Widget", Widget, 0, reg(s.widgetListConversationsHandler)},
		{http.MethodPost, "/api/v1/widget/{inbox_token}/conversations", "widget-create-conversation", "Start a conversation", "Widget", Widget, http.StatusCreated, reg(s.widgetCreateConversationHandler)},
		{http.MethodGet, "/api/v1/widget/{inbox_token}/conversations/{conversation_id}/messages", "widget-list-messages", "List the conversation's messages", "Widget", Widget, 0, reg(s.widgetListMessagesHandler)},
		{http.MethodPost, "/api/v1/widget/{inbox_token}/conversations/{conversation_id}/messages", "widget-create-message", "Post a message", "Widget", Widget, http.StatusCreated, reg(s.widgetCreateMessageHandler)},

		// Platform provisioning.
		{http.MethodGet, "/platform/api/v1/accounts", "platform-list-accounts", "List accounts", "Platform", Platform, 0, reg(s.platformListAccountsHandler)},
		{http.MethodPost, "/platform/api/v1/accounts", "platform-create-account", "Create an account", "Platform", Platform, http.StatusCreated, reg(s.platformCreateAccountHandler)},
		{http.MethodGet, "/platform/api/v1/accounts/{account_id}", "platform-get-account", "Get an account", "Platform", Platform, 0, reg(s.platformGetAccountHandler)},
		{http.MethodPost, "/platform/api/v1/users", "platform-create-user", "Create a user", "Platform", Platform, http.StatusCreated, reg(s.platformCreateUserHandler)},
		{http.MethodGet, "/platform/api/v1/users/{user_id}", "platform-get-user", "Get a user and their accounts", "Platform", Platform, 0, reg(s.platformGetUserHandler)},
		{http.MethodPost, "/platform/api/v1/accounts/{account_id}/account_users", "platform-add-account-user", "Add a user to an account", "Platform", Platform, http.StatusCreated, reg(s.platformAddAccountUserHandler)},
		{http.MethodDelete, "/platform/api/v1/accounts/{account_id}/account_users/{user_id}", "platform-remove-account-user", "Remove a user from an account", "Platform", Platform, http.StatusNoContent, reg(s.platformRemoveAccountUserHandler)},
	}
}
