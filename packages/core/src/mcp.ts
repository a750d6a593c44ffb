/**
 * `@tollgate/core/mcp`: tollgate for servers built with the Model Context Protocol TypeScript SDK.
 * Typed structurally: nothing here depends on the SDK.
 * @packageDocumentation
 */
export { mcpTokenVerifier, mcpAuthInfo, toMcpAuthInfo } from './mcp/auth-info.js';
export type { McpAuthInfo, McpTokenVerifier, McpTokenVerifierOptions, McpRequestLike } from './mcp/auth-info.js';
