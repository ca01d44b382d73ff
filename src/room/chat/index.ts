/**
 * Chat sealing for data channels: per-sender AES-GCM keys derived from the group base keys
 * under a chat-only label, counter nonces, identity signatures, replay rejection.
 *
 * @module
 */
export { ChatError } from './errors.js';
export type { ChatErrorCode } from './errors.js';
export { deriveChatKey } from './format.js';
export type { ChatContentType, ChatKey } from './format.js';
export { ChatSender, DEFAULT_MAX_MESSAGES_PER_EPOCH } from './sender.js';
export type { ChatSenderOptions } from './sender.js';
export { CHAT_REPLAY_WINDOW, ChatReceiver } from './receiver.js';
export type { OpenedChat } from './receiver.js';
export { ChatKeyring } from './keyring.js';
export type { ChatKeyringOptions } from './keyring.js';
