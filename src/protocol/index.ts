/**
 * The versioned sealrtc control protocol: message types, limits and the strict codec.
 *
 * @module
 */
export { ProtocolError, type ProtocolErrorCode } from './errors.js';
export {
  PROTOCOL_VERSION,
  LIMITS,
  type HelloMessage,
  type AuthMessage,
  type SealedMessage,
  type WireMessage,
  type KeyMessage,
  type AckMessage,
  type AppMessage,
  type ByeMessage,
  type ChannelMessage,
} from './messages.js';
export { encodeWire, decodeWire, encodeChannel, decodeChannel } from './codec.js';
