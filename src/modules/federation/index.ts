export {
  FederationService,
  backoffMs,
  MESSAGES_PATH,
  METADATA_PATH,
  type FederatedItem,
  type OutboundApplication,
  type Peer,
  type PeerFetch,
} from "./service.ts";
export { seedFederation } from "./seed.ts";
