package io.exporthub.auth;

/**
 * The user an API key belongs to, and the workspace that scopes everything the user sees. {@code admin}:
 * may mint keys in its own workspace; {@code global}: the bootstrap key's holder, who alone may create
 * workspaces and mint keys in any of them.
 */
public record Principal(long userId, long workspaceId, String userName, String email, boolean admin, boolean global) {
}
