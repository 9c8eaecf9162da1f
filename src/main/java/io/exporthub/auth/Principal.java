package io.exporthub.auth;

/** The user an API key belongs to, and the workspace that scopes everything the user sees. */
public record Principal(long userId, long workspaceId, String userName, String email, boolean admin) {
}
