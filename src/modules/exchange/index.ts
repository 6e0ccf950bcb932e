export {
  ExchangeService,
  REQUIRED_COMPONENTS,
  MAX_SKEW_SECONDS,
  type CallAnswer,
  type CallRecord,
  type IncomingCall,
  type Member,
  type Purpose,
  type SignedCaller,
} from "./service.ts";
export { acceptRawBodies, incomingCall, sendAnswer } from "./gateway-kit.ts";
export { refusal } from "./errors.ts";
export { seedExchange, DEMO_CONSUMER_FILE, type DemoCredentials } from "./seed.ts";
export {
  answerProblem,
  signedAnswer,
  signedCall,
  signedQuery,
  signedRequest,
  type MemberCredentials,
  type SignedCall,
} from "./client.ts";
export type { Resource } from "./catalogue.ts";
export { HallGateway, HALL_MEMBER, type HallFetch } from "./hall-calls.ts";
